"""The store: its interface (defined in :mod:`layers.protocols`) and :func:`open_store`.

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
from pathlib import Path

from layers.errors import StoreError
from layers.protocols import BBox, Reader, Store, Transaction

__all__ = ["BBox", "DB_ENV", "DEFAULT_DB", "Reader", "Store", "Transaction", "is_postgis_url",
           "open_store", "resolve_db"]

DEFAULT_DB = "gridpatrol.gpkg"
DB_ENV = "GRIDPATROL_DB"


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
