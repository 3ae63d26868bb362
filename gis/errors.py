"""Errors raised by :mod:`gis`; each also inherits the builtin it refines."""

from __future__ import annotations


class GisError(Exception):
    """Base class of every error raised by :mod:`gis`."""


class CRSError(GisError, ValueError):
    """A coordinate reference system is missing, unknown or unusable."""


class InvalidGeometryError(GisError, ValueError):
    """One or more geometries are invalid, empty, of the wrong type or out of range."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class UnitsError(GisError, ValueError):
    """Units cannot be built from what the store holds."""
