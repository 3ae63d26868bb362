"""Bounding boxes in lon/lat degrees: the one check and the one parser.

Every place that takes a bbox — the store's reads, ``?bbox=`` on the web service,
``--bbox`` on the command line — goes through :func:`check_bbox` (and :func:`parse_bbox` for
text), so they accept and refuse the same boxes with the same words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from layers.errors import InvalidBBoxError

#: ``(minx, miny, maxx, maxy)`` in degrees (WGS 84 lon/lat).
BBox = tuple[float, float, float, float]


def check_bbox(bbox: Sequence[float] | None) -> BBox | None:
    """*bbox* as four floats, or :class:`InvalidBBoxError` saying what is wrong and how."""
    if bbox is None:
        return None
    try:
        minx, miny, maxx, maxy = (float(v) for v in bbox)
    except (TypeError, ValueError):
        msg = f"bbox {bbox!r} must be four numbers: minx,miny,maxx,maxy (degrees)"
        raise InvalidBBoxError(msg) from None
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        msg = f"bbox {bbox!r} must be four finite numbers: minx,miny,maxx,maxy (degrees)"
        raise InvalidBBoxError(msg)
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        msg = (f"bbox {bbox!r} is out of range: need -180 <= minx <= maxx <= 180 and "
               "-90 <= miny <= maxy <= 90 (longitude first)")
        raise InvalidBBoxError(msg)
    return minx, miny, maxx, maxy


def parse_bbox(text: str) -> BBox:
    """``"minx,miny,maxx,maxy"`` (degrees) → a checked :data:`BBox`."""
    parts = text.split(",")
    if len(parts) != 4:
        msg = (f"bbox {text!r} must be four numbers: minx,miny,maxx,maxy (degrees), "
               "e.g. 111.0,37.5,112.5,38.5")
        raise InvalidBBoxError(msg)
    checked = check_bbox([p.strip() for p in parts])
    assert checked is not None
    return checked
