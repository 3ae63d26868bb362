"""The store interface: what every backend offers and every caller may use.

A leaf module (it imports only the bbox type), so that the backends
(:mod:`layers.gpkg`, :mod:`layers.postgis`) and :mod:`layers.store`, which opens them, share
it without importing each other.  Callers take these names from :mod:`layers.store`.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

import pandas as pd

from layers.bbox import BBox

#: Filters: ``{field: value}`` (all must hold; a list value means IN, ``None`` IS NULL), or a
#: list of such dicts of which any may hold.
Where = dict[str, Any] | list[dict[str, Any]]


class Reader(Protocol):
    """Reads shared by a store and an open transaction."""

    def layers(self) -> list[str]:
        """Names of the layers that have a table in the store (possibly empty)."""
        ...

    def count(self, layer: str, *, bbox: BBox | None = None) -> int:
        """Number of features (intersecting *bbox*, in lon/lat degrees, when given)."""
        ...

    def read(
        self,
        layer: str,
        *,
        bbox: BBox | None = None,
        ids: Sequence[str] | None = None,
        where: Where | None = None,
        limit: int | None = None,
        offset: int = 0,
        order_by: Sequence[str] = (),
    ) -> pd.DataFrame:
        """Features of *layer*, ordered by insertion.

        Parameters
        ----------
        bbox
            ``(minx, miny, maxx, maxy)`` in degrees: features whose geometry intersects it.
        ids
            Only these feature ids (the layer's id field).
        where
            Equality filters ``{field: value}`` (a list/tuple value means ``IN``), or a list
            of such filters, any of which may match (``OR``).
        limit, offset
            Paging, applied after the filters and the order.
        order_by
            Fields to sort by (``"-field"``: descending), before insertion order.

        Returns an empty frame with the schema's columns when the layer has no table.
        """
        ...

    def get(self, layer: str, feature_id: str) -> pd.Series:
        """One feature by id; :class:`~layers.errors.FeatureNotFoundError` if absent."""
        ...


class Transaction(Reader, Protocol):
    """Writes; all of a transaction's writes land together or not at all."""

    def lock(self, *keys: str) -> None:
        """Hold write locks on *keys* (e.g. ``"village:V1"``) until the transaction ends, so
        a read-check-write (a version check) cannot interleave with another writer's."""
        ...

    def replace(self, layer: str, frame: pd.DataFrame) -> int:
        """Replace every feature of *layer* with *frame*; returns the number written."""
        ...

    def append(self, layer: str, frame: pd.DataFrame) -> int:
        """Insert *frame*; an id already present is a :class:`ValidationError`."""
        ...

    def upsert(self, layer: str, frame: pd.DataFrame) -> int:
        """Update features by id, inserting those that are new."""
        ...

    def delete(self, layer: str, ids: Sequence[str]) -> int:
        """Delete features by id; returns the number deleted."""
        ...


class Store(Reader, Protocol):
    """A store of GridPatrol layers."""

    url: str

    def transaction(self) -> AbstractContextManager[Transaction]:
        """Open a write transaction (committed on exit, rolled back on an exception)."""
        ...

    def replace(self, layer: str, frame: pd.DataFrame) -> int:
        """:meth:`Transaction.replace` in a transaction of its own."""
        ...

    def append(self, layer: str, frame: pd.DataFrame) -> int:
        """:meth:`Transaction.append` in a transaction of its own."""
        ...

    def upsert(self, layer: str, frame: pd.DataFrame) -> int:
        """:meth:`Transaction.upsert` in a transaction of its own."""
        ...

    def delete(self, layer: str, ids: Sequence[str]) -> int:
        """:meth:`Transaction.delete` in a transaction of its own."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
