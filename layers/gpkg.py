"""The GeoPackage backend: one ``.gpkg`` file, written through SQLite transactions.

Why not pyogrio for writes: it has no transaction API and no update or delete by id, so an
import that fails half way, or a single grid edit, could not be made atomic.  This backend
writes the GeoPackage 1.2 structures itself (``gpkg_contents``, ``gpkg_geometry_columns``,
``gpkg_spatial_ref_sys``, the ``gpkg_rtree_index`` extension with its triggers) over the
standard-library ``sqlite3``, and registers the five SQL functions the R-tree triggers call
(``ST_IsEmpty``, ``ST_MinX`` …), which plain SQLite lacks.  The file opens in QGIS and GDAL
(tested with pyogrio) and every write is one SQLite transaction (WAL mode, one writer).
"""

from __future__ import annotations

import sqlite3
import struct
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import shapely

from layers.base import (
    WRITE_CHUNK,
    BaseTransaction,
    StoreVerbs,
    order_sql,
    quote_ident,
    where_sql,
    wrap_db_error,
)
from layers.codec import encode_columns, wkb_list
from layers.errors import LayerError, StoreError
from layers.protocols import BBox, Where
from layers.rows import ConnectionPool, RowPage, read_page
from layers.schemas import STORAGE_EPSG, FieldType, LayerSchema

APPLICATION_ID = 0x47504B47  # "GPKG"
USER_VERSION = 10200
_SQL_TYPES = {"str": "TEXT", "int": "INTEGER", "float": "REAL", "bool": "BOOLEAN",
              "datetime": "DATETIME", "json": "TEXT"}
_GEOM_TYPES = {"Point": "POINT", "LineString": "LINESTRING", "MultiPolygon": "MULTIPOLYGON"}
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
#: Field types sqlite3 already returns as the promised Python value (TEXT, INTEGER, REAL).
_NATIVE: frozenset[FieldType] = frozenset({"str", "int", "float"})

_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]'
)

_META_DDL = """
CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE IF NOT EXISTS gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
CREATE TABLE IF NOT EXISTS gpkg_extensions (
  table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
  scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
"""

_RTREE_TRIGGERS = """
CREATE TRIGGER "rtree_{t}_geom_insert" AFTER INSERT ON "{t}"
WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN
INSERT OR REPLACE INTO "rtree_{t}_geom" VALUES (NEW.fid, ST_MinX(NEW.geom),
ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;
CREATE TRIGGER "rtree_{t}_geom_update1" AFTER UPDATE OF geom ON "{t}"
WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN
INSERT OR REPLACE INTO "rtree_{t}_geom" VALUES (NEW.fid, ST_MinX(NEW.geom),
ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;
CREATE TRIGGER "rtree_{t}_geom_update2" AFTER UPDATE OF geom ON "{t}"
WHEN OLD.fid = NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom)) BEGIN
DELETE FROM "rtree_{t}_geom" WHERE id = OLD.fid; END;
CREATE TRIGGER "rtree_{t}_geom_update3" AFTER UPDATE ON "{t}"
WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN
DELETE FROM "rtree_{t}_geom" WHERE id = OLD.fid;
INSERT OR REPLACE INTO "rtree_{t}_geom" VALUES (NEW.fid, ST_MinX(NEW.geom),
ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;
CREATE TRIGGER "rtree_{t}_geom_update4" AFTER UPDATE ON "{t}"
WHEN OLD.fid != NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom)) BEGIN
DELETE FROM "rtree_{t}_geom" WHERE id IN (OLD.fid, NEW.fid); END;
CREATE TRIGGER "rtree_{t}_geom_delete" AFTER DELETE ON "{t}" WHEN old.geom NOT NULL BEGIN
DELETE FROM "rtree_{t}_geom" WHERE id = OLD.fid; END;
"""


# -- GeoPackage geometry blobs ----------------------------------------------------------
def encode_blob(wkb: bytes | None, srs_id: int = STORAGE_EPSG) -> bytes | None:
    """A GeoPackage geometry blob (header with an XY envelope + WKB) from WKB."""
    if wkb is None:
        return None
    minx, miny, maxx, maxy = shapely.from_wkb(wkb).bounds
    header = struct.pack("<2sBBi4d", b"GP", 0, 0b00000011, srs_id, minx, maxx, miny, maxy)
    return header + wkb


def blob_wkb(blob: bytes) -> bytes:
    """The WKB inside a GeoPackage blob."""
    flags = blob[3]
    return blob[8 + _ENVELOPE_BYTES[(flags >> 1) & 0x07]:]


def _envelope(blob: bytes | None) -> tuple[float, float, float, float] | None:
    if blob is None:
        return None
    flags = blob[3]
    if (flags >> 1) & 0x07:
        return struct.unpack_from("<4d", blob, 8)  # minx, maxx, miny, maxy
    g = shapely.from_wkb(blob_wkb(blob))
    if g.is_empty:
        return None
    minx, miny, maxx, maxy = g.bounds
    return minx, maxx, miny, maxy


def _st(index: int):  # noqa: ANN202
    def fn(blob: bytes | None) -> float | None:
        env = _envelope(blob)
        return None if env is None else env[index]

    return fn


def _st_is_empty(blob: bytes | None) -> int | None:
    if blob is None:
        return None
    return int(bool(blob[3] & 0b00010000) or _envelope(blob) is None)


def _connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
    for name, fn in (("ST_MinX", _st(0)), ("ST_MaxX", _st(1)), ("ST_MinY", _st(2)),
                     ("ST_MaxY", _st(3)), ("ST_IsEmpty", _st_is_empty)):
        con.create_function(name, 1, fn, deterministic=True)
    con.execute("PRAGMA busy_timeout = 60000")
    con.execute("PRAGMA foreign_keys = ON")
    return con


def _json_member(col: str) -> str:
    return f"{col} IN (SELECT value FROM json_each(?))"


def _json_list(values: list) -> str:
    return pd.Series(values, dtype="object").to_json(orient="values")


_q = quote_ident


class GeoPackageTransaction(BaseTransaction):
    """Primitives over one SQLite connection inside ``BEGIN IMMEDIATE``."""

    COLUMN_TYPES = _SQL_TYPES

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def _tables(self) -> set[str]:
        rows = self.con.execute("SELECT table_name FROM gpkg_contents").fetchall()
        return {r[0] for r in rows}

    def _table_sql(self, name: str) -> str:
        return _q(name)

    def _column_names(self, name: str) -> set[str]:
        return {r[1] for r in self.con.execute(f"PRAGMA table_info({_q(name)})")}

    def _create_table(self, schema: LayerSchema) -> None:
        t = schema.name
        cols = ["fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL"]
        if schema.is_spatial:
            cols.append(f"geom {_GEOM_TYPES[schema.geometry_type]}")
        cols += [self._field_ddl(f) for f in schema.fields]
        self.con.execute(f"CREATE TABLE {_q(t)} ({', '.join(cols)})")
        self.con.execute(f"CREATE UNIQUE INDEX {_q(f'{t}_{schema.id_field}_key')} ON {_q(t)} "
                         f"({_q(schema.id_field)})")
        kind = "features" if schema.is_spatial else "attributes"
        srs = STORAGE_EPSG if schema.is_spatial else None
        self.con.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)"
            " VALUES (?, ?, ?, ?, ?)", (t, kind, t, schema.doc, srs))
        if schema.is_spatial:
            self._create_spatial(schema)

    def _create_spatial(self, schema: LayerSchema) -> None:
        t = schema.name
        self.con.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)",
                         (t, _GEOM_TYPES[schema.geometry_type], STORAGE_EPSG))
        self.con.execute(f'CREATE VIRTUAL TABLE "rtree_{t}_geom" USING rtree(id, minx, maxx, '
                         "miny, maxy)")
        for trigger in _RTREE_TRIGGERS.format(t=t).split("END;")[:-1]:
            self.con.execute(trigger + "END;")
        self.con.execute(
            "INSERT INTO gpkg_extensions VALUES (?, 'geom', 'gpkg_rtree_index', "
            "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')", (t,))

    def _insert(self, schema: LayerSchema, frame: pd.DataFrame) -> None:
        if frame.empty:
            return
        cols = encode_columns(schema, frame, datetime_as_text=True)
        names = [_q(f.name) for f in schema.fields]
        if schema.is_spatial:
            cols.insert(0, [encode_blob(w) for w in wkb_list(frame)])
            names.insert(0, "geom")
        sql = (f"INSERT INTO {_q(schema.name)} ({', '.join(names)}) VALUES "
               f"({', '.join('?' * len(names))})")
        rows = list(zip(*cols, strict=True))
        for start in range(0, len(rows), WRITE_CHUNK):
            self.con.executemany(sql, rows[start:start + WRITE_CHUNK])
        self._touch(schema)

    def _touch(self, schema: LayerSchema) -> None:
        if schema.is_spatial:
            self.con.execute(
                f'UPDATE gpkg_contents SET last_change = strftime(\'%Y-%m-%dT%H:%M:%fZ\',\'now\'),'
                f' (min_x, max_x, min_y, max_y) = (SELECT min(minx), max(maxx), min(miny), '
                f'max(maxy) FROM "rtree_{schema.name}_geom") WHERE table_name = ?',
                (schema.name,))
        else:
            self.con.execute("UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:"
                             "%fZ','now') WHERE table_name = ?", (schema.name,))

    def _delete_ids(self, schema: LayerSchema, ids: Sequence[str]) -> int:
        n = 0
        for start in range(0, len(ids), 500):
            chunk = list(ids[start:start + 500])
            cur = self.con.execute(f"DELETE FROM {_q(schema.name)} WHERE {_q(schema.id_field)} "
                                   f"IN ({', '.join('?' * len(chunk))})", chunk)
            n += cur.rowcount
        self._touch(schema)
        return n

    def _delete_all(self, schema: LayerSchema) -> None:
        self.con.execute(f"DELETE FROM {_q(schema.name)}")

    def _filters(self, schema: LayerSchema, bbox: BBox | None,
                 where: Where | None) -> tuple[str, list[Any]]:
        clauses, params = [], []
        if bbox is not None and schema.is_spatial:
            clauses.append(f'fid IN (SELECT id FROM "rtree_{schema.name}_geom" WHERE '
                           "minx <= ? AND maxx >= ? AND miny <= ? AND maxy >= ?)")
            params += [bbox[2], bbox[0], bbox[3], bbox[1]]
        more, values = where_sql(where, quote=_q, marker="?", member=_json_member,
                                 list_param=_json_list)
        clauses += more
        params += values
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    # -- the lean read path (layers.rows) ----------------------------------------------
    def _select_raw(self, schema: LayerSchema, names: Sequence[str], *, bbox: BBox | None,
                    where: Where | None, limit: int | None, offset: int,
                    order_by: Sequence[str] = ()
                    ) -> tuple[list[tuple[Any, ...]], list[bytes | None] | None] | None:
        """``(attribute rows, WKB list)`` of one page; ``None`` when the table is missing."""
        cond, params = self._filters(schema, bbox, where)
        cols = [_q(n) for n in names] + (["geom"] if schema.is_spatial else [])
        page = f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else (
            f" LIMIT -1 OFFSET {int(offset)}" if offset else "")
        sql = (f"SELECT {', '.join(cols) or 'fid'} FROM {_q(schema.name)}{cond}"
               f"{order_sql(order_by, _q)}{page}")
        try:
            rows = self.con.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return None
            raise
        if not schema.is_spatial:
            return [r[:len(names)] for r in rows], None
        wkb = [None if r[-1] is None else blob_wkb(r[-1]) for r in rows]
        return [r[:-1] for r in rows], wkb

    def _count_where(self, schema: LayerSchema, *, bbox: BBox | None,
                     where: Where | None) -> int:
        cond, params = self._filters(schema, bbox, where)
        return int(self.con.execute(f"SELECT count(*) FROM {_q(schema.name)}{cond}",
                                    params).fetchone()[0])


class GeoPackageStore(StoreVerbs):
    """A store in one GeoPackage file (created on first open)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.url = str(self.path)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._read_pool = ConnectionPool(self._connect_reader, sqlite3.Connection.close)
        if self.path.exists() and self.path.stat().st_size > 0:
            self._check_is_gpkg()
            self.migrate()
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._init_file()

    def _con(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            try:
                con = _connect(self.path)
            except sqlite3.Error as exc:
                raise wrap_db_error(exc, self.url) from exc
            self._local.con = con
        return con

    def _connect_reader(self) -> sqlite3.Connection:
        try:
            return _connect(self.path)
        except sqlite3.Error as exc:
            raise wrap_db_error(exc, self.url) from exc

    def _check_is_gpkg(self) -> None:
        try:
            app = self._con().execute("PRAGMA application_id").fetchone()[0]
            self._con().execute("SELECT count(*) FROM gpkg_contents").fetchone()
        except sqlite3.DatabaseError as exc:
            msg = f"{self.path} is not a GeoPackage ({exc}); give another --db path"
            raise StoreError(msg) from exc
        if app != APPLICATION_ID:
            msg = f"{self.path} is an SQLite file but not a GeoPackage; give another --db path"
            raise StoreError(msg)

    def _init_file(self) -> None:
        con = self._con()
        con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        con.execute(f"PRAGMA user_version = {USER_VERSION}")
        con.execute("PRAGMA journal_mode = WAL")
        con.executescript("BEGIN;" + _META_DDL + "COMMIT;")
        srs = [
            ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian"),
            ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic"),
            ("WGS 84 geodetic", 4326, "EPSG", 4326, _WGS84_WKT, "longitude/latitude WGS 84"),
        ]
        con.executemany("INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?,?,?,?,?,?)", srs)

    def _reader(self) -> GeoPackageTransaction:
        return GeoPackageTransaction(self._con())

    def read_rows(self, layer: str, *, bbox: BBox | None = None,
                  where: dict[str, Any] | None = None, limit: int | None = None,
                  offset: int = 0, columns: Sequence[str] | None = None) -> RowPage:
        """One page as plain rows and WKB, with ``matched`` (see :mod:`layers.rows`).

        Same filters and order as :meth:`read` (*bbox* in lon/lat degrees, envelope test);
        *columns* selects attribute fields (default: all, in schema order).
        """
        return read_page(self._read_pool, GeoPackageTransaction, layer, bbox=bbox, where=where,
                         limit=limit, offset=offset, columns=columns, native=_NATIVE)

    @contextmanager
    def transaction(self) -> Iterator[GeoPackageTransaction]:
        """One ``BEGIN IMMEDIATE`` … ``COMMIT`` (rolled back on any exception)."""
        con = self._con()
        with self._write_lock:
            try:
                con.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise wrap_db_error(exc, self.url) from exc
            try:
                yield GeoPackageTransaction(con)
            except sqlite3.Error as exc:
                con.execute("ROLLBACK")
                raise wrap_db_error(exc, self.url) from exc
            except BaseException:
                con.execute("ROLLBACK")
                raise
            try:
                con.execute("COMMIT")
            except sqlite3.Error as exc:
                con.execute("ROLLBACK")
                raise wrap_db_error(exc, self.url) from exc

    def close(self) -> None:
        """Checkpoint the WAL into the file and close this thread's connection (and the idle
        read connections)."""
        self._read_pool.close()
        con = getattr(self._local, "con", None)
        if con is not None:
            try:
                con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                con.close()
                self._local.con = None


__all__ = ["GeoPackageStore", "GeoPackageTransaction", "LayerError"]
