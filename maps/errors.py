"""Errors raised by :mod:`maps`; each also inherits the builtin it refines."""

from __future__ import annotations


class MapError(Exception):
    """Base class of every error raised by :mod:`maps`."""


class ExternalAssetError(MapError, RuntimeError):
    """A folium element wants a JS/CSS file from a CDN that has no vendored local copy.

    Raised instead of writing an HTML page that would need the internet.  The fix is to vendor
    the file under ``maps/static/vendor/`` and list it in :data:`maps.assets.LOCAL_ASSETS`.
    """


class MapInputError(MapError, ValueError):
    """A map was asked for with unusable input (unknown basemap or language, missing key...)."""
