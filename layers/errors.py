"""Errors raised by :mod:`layers`: each names the file, layer, feature and field, and a fix."""

from __future__ import annotations


class LayerError(Exception):
    """Base class of every error raised by :mod:`layers`."""


class UnknownLayerError(LayerError, KeyError):
    """A layer name that is not in :data:`layers.schemas.SCHEMAS`."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class FeatureNotFoundError(LayerError, KeyError):
    """No feature with that id in that layer."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class StoreError(LayerError, RuntimeError):
    """The store cannot be opened or written (nothing was changed)."""


class InvalidBBoxError(LayerError, ValueError):
    """A bounding box that is not four finite lon/lat degrees in order."""


class InputFileError(LayerError, ValueError):
    """An input file is missing, unreadable, empty, corrupt or of an unknown format."""


class ValidationError(LayerError, ValueError):
    """Features do not fit their layer's schema; :attr:`problems` lists every one.

    The message names the source, the layer, and for each problem the feature id and the
    field, and ends with how to fix it.
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


class ConflictError(LayerError, RuntimeError):
    """A write lost a race: the object changed since it was read (stale version)."""
