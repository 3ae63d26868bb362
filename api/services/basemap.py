"""The offline basemap from the store: read its OpenStreetMap layers, build, cache by hash.

One function answers "the basemap of this area" for every caller: the served pages (which
fetch it from ``/basemap/<hash>.json``), the saved and single-file maps (which embed it),
and the field app's day package (``GET /basemap?bbox=…`` for a route's surroundings).

:class:`BasemapCache` keeps the recent answers per bbox.  An entry is reused while the
basemap layers' feature counts are unchanged and it is younger than ``ttl_s`` (an import that
keeps every count equal is seen within that time); the content hash, not the cache, names the
bytes, so a stale entry can never be served under a new hash.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from api.errors import BadInputError
from layers.store import BBox, Reader
from maps.vector_basemap import LAYERS, build_basemap, to_json

#: The largest bbox served, degrees per side (a county is well under one degree).
MAX_SIDE_DEG = 2.0


@dataclass(frozen=True)
class Basemap:
    """A built basemap: its content hash, the JSON bytes and the decoded data."""

    hash: str
    body: bytes
    data: dict[str, Any]


def check_bbox(bbox: BBox) -> BBox:
    """*bbox* if it is small enough to build, else :class:`BadInputError` saying how."""
    if bbox[2] - bbox[0] > MAX_SIDE_DEG or bbox[3] - bbox[1] > MAX_SIDE_DEG:
        msg = (f"bbox {list(bbox)} is larger than {MAX_SIDE_DEG}° on a side: ask for the "
               "basemap of a smaller area (a route's or a township's surroundings)")
        raise BadInputError(msg)
    return bbox


def read_layers(store: Reader, bbox: BBox | None) -> dict[str, Any]:
    """The basemap layers of *store* (intersecting *bbox* when given)."""
    have = set(store.layers())
    return {name: store.read(name, bbox=bbox) for name in LAYERS if name in have}


def build(store: Reader, bbox: BBox | None = None) -> Basemap:
    """Build the basemap of *bbox* (default: the extent of the store's basemap layers)."""
    if bbox is not None:
        check_bbox(bbox)
    data = build_basemap(read_layers(store, bbox), bbox=bbox)
    return Basemap(hash=data["hash"], body=to_json(data), data=data)


def fingerprint(store: Reader) -> tuple[int, ...]:
    """Feature counts of the basemap layers: changes when an import changes them."""
    have = set(store.layers())
    return tuple(store.count(name) if name in have else -1 for name in LAYERS)


class BasemapCache:
    """Recent basemaps per bbox, and by hash (for the immutable URLs); thread-safe."""

    def __init__(self, *, size: int = 32, ttl_s: float = 300.0) -> None:
        self.size, self.ttl_s = size, ttl_s
        self._by_box: OrderedDict[BBox | None, tuple[float, tuple[int, ...], Basemap]] = (
            OrderedDict())
        self._by_hash: OrderedDict[str, Basemap] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, store: Reader, bbox: BBox | None = None) -> Basemap:
        """The basemap of *bbox*, from the cache when still current."""
        key = None if bbox is None else tuple(round(v, 5) for v in bbox)
        marks = fingerprint(store)
        now = time.monotonic()
        with self._lock:
            hit = self._by_box.get(key)  # type: ignore[arg-type]
            if hit and hit[1] == marks and now - hit[0] < self.ttl_s:
                return hit[2]
        made = build(store, key)  # type: ignore[arg-type]
        with self._lock:
            self._by_box[key] = (now, marks, made)  # type: ignore[index]
            self._by_hash[made.hash] = made
            for table in (self._by_box, self._by_hash):
                while len(table) > self.size:
                    table.popitem(last=False)
        return made

    def by_hash(self, store: Reader, digest: str) -> Basemap | None:
        """The basemap with content hash *digest* (rebuilt for the whole store if unknown)."""
        with self._lock:
            if digest in self._by_hash:
                return self._by_hash[digest]
        whole = self.get(store)
        return whole if whole.hash == digest else None
