"""The store protocol and :func:`open_store`.

One interface, two backends: a GeoPackage file (the embedded default) and PostGIS (for shared
deployments), chosen by the URL.  Frames cross the interface in the storage CRS (EPSG:4326),
with the columns of the layer's schema (:mod:`layers.schemas`) plus ``geometry`` for spatial
layers; non-spatial layers are plain :class:`pandas.DataFrame`.  Values: ``datetime`` fields
come back as tz-aware UTC timestamps, ``json`` fields as Python objects, ``bool`` as bool.

Every write happens inside a transaction: either all of it lands or none of it does::

    with store.transaction() as tx:
        tx.replace("units", units)
        tx.upsert("grids", grids)
        tx.append("grid_history", history)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from layers.errors import StoreError

BBox = tuple[float, float, float, float]
DEFAULT_DB = "gridpatrol.gpkg"
DB_ENV = "GRIDPATROL_DB"


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
        where: dict[str, Any] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> pd.DataFrame:
        """Features of *layer*, ordered by insertion.

        Parameters
        ----------
        bbox
            ``(minx, miny, maxx, maxy)`` in degrees: features whose geometry intersects it.
        ids
            Only these feature ids (the layer's id field).
        where
            Equality filters ``{field: value}`` (a list/tuple value means ``IN``).
        limit, offset
            Paging, applied after the filters.

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


def resolve_db(db: str | os.PathLike[str] | None) -> str:
    """The store URL: *db*, else ``$GRIDPATROL_DB``, else ``./gridpatrol.gpkg``."""
    if db:
        return os.fspath(db)
    return os.environ.get(DB_ENV) or DEFAULT_DB


def is_postgis_url(url: str) -> bool:
    """Whether *url* names a PostgreSQL database rather than a GeoPackage file."""
    return url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://"))


def open_store(db: str | os.PathLike[str] | None = None, *, create: bool = True) -> Store:
    """Open the store named by *db* (see :func:`resolve_db`).

    Parameters
    ----------
    db
        A ``.gpkg`` path or a ``postgresql://`` URL.
    create
        Create the GeoPackage file if it does not exist (else :class:`StoreError`).
    """
    url = resolve_db(db)
    if is_postgis_url(url):
        from layers.postgis import PostGISStore

        return PostGISStore(url)
    from layers.gpkg import GeoPackageStore

    path = Path(url)
    if not create and not path.exists():
        msg = f"no store at {path}: run `gridpatrol demo` or `gridpatrol import …` first"
        raise StoreError(msg)
    return GeoPackageStore(path)
