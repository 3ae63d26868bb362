"""The PostGIS backend, for shared deployments: one table per layer, psycopg 3.

Tables are created from the schemas with a typed geometry column (SRID 4326), a unique id
index and a GiST index.  Every write verb runs inside one database transaction.  The URL may
carry ``?schema=NAME`` to keep GridPatrol's tables in their own PostgreSQL schema (the tests
use one schema per test).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pandas as pd

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
from layers.errors import StoreError
from layers.protocols import BBox, Where
from layers.rows import ConnectionPool, RowPage, read_page
from layers.schemas import STORAGE_EPSG, FieldType, LayerSchema

_PG_TYPES = {"str": "text", "int": "bigint", "float": "double precision", "bool": "boolean",
             "datetime": "timestamptz", "json": "jsonb"}
#: Field types psycopg already returns as the promised Python value (not float: NaN; not
#: datetime: the session's time zone, converted to UTC).
_NATIVE: frozenset[FieldType] = frozenset({"str", "int", "bool", "json"})


_q = quote_ident


def split_url(url: str) -> tuple[str, str]:
    """``(libpq URL, schema)`` from a GridPatrol PostGIS URL."""
    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
    query = parse_qs(parts.query)
    schema = query.pop("schema", ["public"])[0]
    rest = urlencode({k: v[0] for k, v in query.items()})
    return urlunsplit(parts._replace(query=rest)), schema


class PostGISTransaction(BaseTransaction):
    """Primitives over one psycopg connection inside a transaction."""

    COLUMN_TYPES = _PG_TYPES

    def __init__(self, con: Any, schema_name: str) -> None:
        self.con = con
        self.ns = schema_name

    def _t(self, name: str) -> str:
        return f"{_q(self.ns)}.{_q(name)}"

    def lock(self, *keys: str) -> None:
        """Transaction-scoped advisory locks, taken in sorted order (no deadlock between two
        writers locking the same keys)."""
        for key in sorted(set(keys)):
            self.con.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                             (f"{self.ns}:{key}",))

    def _tables(self) -> set[str]:
        rows = self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (self.ns,)).fetchall()
        return {r[0] for r in rows}

    def _table_sql(self, name: str) -> str:
        return self._t(name)

    def _column_names(self, name: str) -> set[str]:
        return {r[0] for r in self.con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
            "AND table_name = %s", (self.ns, name))}

    def _create_table(self, schema: LayerSchema) -> None:
        t = self._t(schema.name)
        cols = ["fid bigserial PRIMARY KEY"]
        if schema.is_spatial:
            cols.append(f"geom geometry({schema.geometry_type}, {STORAGE_EPSG})")
        cols += [self._field_ddl(f) for f in schema.fields]
        self.con.execute(f"CREATE TABLE {t} ({', '.join(cols)})")
        self.con.execute(f"CREATE UNIQUE INDEX ON {t} ({_q(schema.id_field)})")
        if schema.is_spatial:
            self.con.execute(f"CREATE INDEX ON {t} USING gist (geom)")
        if schema.doc:
            self.con.execute(f"COMMENT ON TABLE {t} IS {self._literal(schema.doc)}")

    @staticmethod
    def _literal(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    def _insert(self, schema: LayerSchema, frame: pd.DataFrame) -> None:
        if frame.empty:
            return
        cols = encode_columns(schema, frame, datetime_as_text=False)
        names = [_q(f.name) for f in schema.fields]
        marks = ["%s::jsonb" if f.type == "json" else "%s" for f in schema.fields]
        if schema.is_spatial:
            cols.insert(0, wkb_list(frame))
            names.insert(0, "geom")
            marks.insert(0, f"ST_GeomFromWKB(%s, {STORAGE_EPSG})")
        sql = f"INSERT INTO {self._t(schema.name)} ({', '.join(names)}) VALUES ({', '.join(marks)})"
        rows = list(zip(*cols, strict=True))
        with self.con.cursor() as cur:
            for start in range(0, len(rows), WRITE_CHUNK):
                cur.executemany(sql, rows[start:start + WRITE_CHUNK])

    def _delete_ids(self, schema: LayerSchema, ids: Sequence[str]) -> int:
        cur = self.con.execute(f"DELETE FROM {self._t(schema.name)} WHERE "
                               f"{_q(schema.id_field)} = ANY(%s)", (list(ids),))
        return int(cur.rowcount)

    def _delete_all(self, schema: LayerSchema) -> None:
        self.con.execute(f"DELETE FROM {self._t(schema.name)}")

    def _filters(self, schema: LayerSchema, bbox: BBox | None,
                 where: Where | None) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if bbox is not None and schema.is_spatial:
            clauses.append(f"geom && ST_MakeEnvelope(%s, %s, %s, %s, {STORAGE_EPSG})")
            params += list(bbox)
        more, values = where_sql(where, quote=_q, marker="%s",
                                 member=lambda col: f"{col} = ANY(%s)", list_param=list)
        clauses += more
        params += values
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    # -- the lean read path (layers.rows) ----------------------------------------------
    def _select_raw(self, schema: LayerSchema, names: Sequence[str], *, bbox: BBox | None,
                    where: Where | None, limit: int | None, offset: int,
                    order_by: Sequence[str] = ()
                    ) -> tuple[list[tuple[Any, ...]], list[bytes | None] | None] | None:
        """``(attribute rows, WKB list)`` of one page; ``None`` when the table is missing.

        A binary cursor: ``bytea`` arrives as bytes, not hex text to decode.
        """
        cond, params = self._filters(schema, bbox, where)
        cols = [_q(n) for n in names] + (["ST_AsBinary(geom)"] if schema.is_spatial else [])
        page = (f" LIMIT {int(limit)}" if limit is not None else "") + (
            f" OFFSET {int(offset)}" if offset else "")
        sql = (f"SELECT {', '.join(cols) or 'fid'} FROM {self._t(schema.name)}{cond} "
               f"{order_sql(order_by, _q)}{page}")
        from psycopg import errors  # the optional extra, imported with the connection

        try:
            with self.con.cursor(binary=True) as cur:
                rows = cur.execute(sql, params).fetchall()
        except errors.UndefinedTable:
            return None
        if not schema.is_spatial:
            return [r[:len(names)] for r in rows], None
        return [r[:-1] for r in rows], [None if r[-1] is None else bytes(r[-1]) for r in rows]

    def _count_where(self, schema: LayerSchema, *, bbox: BBox | None,
                     where: Where | None) -> int:
        cond, params = self._filters(schema, bbox, where)
        return int(self.con.execute(f"SELECT count(*) FROM {self._t(schema.name)}{cond}",
                                    params).fetchone()[0])


class PostGISStore(StoreVerbs):
    """A store in a PostGIS database (``postgresql://user:pass@host/db[?schema=NAME]``)."""

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError as exc:  # the optional extra
            msg = "PostGIS needs psycopg: pip install 'gridpatrol[postgis]'"
            raise StoreError(msg) from exc
        self._psycopg = psycopg
        self.url = url
        self._libpq, self.ns = split_url(url)
        self._local = threading.local()
        self._read_pool: ConnectionPool[Any] = ConnectionPool(self._connect, lambda c: c.close())
        with self.transaction() as tx:
            tx.con.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            tx.con.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(self.ns)}")
        self.migrate()

    def _con(self) -> Any:
        con = getattr(self._local, "con", None)
        if con is None or con.closed:
            con = self._connect()
            self._local.con = con
        return con

    def _connect(self) -> Any:
        try:
            return self._psycopg.connect(self._libpq, autocommit=True, connect_timeout=10)
        except self._psycopg.Error as exc:
            raise StoreError(f"cannot connect to {self._redacted()}: {exc}") from exc

    def _redacted(self) -> str:
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        return urlunsplit(parts._replace(netloc=f"{parts.username or ''}@{host}"
                                                f"{':' + str(parts.port) if parts.port else ''}"))

    def _reader(self) -> PostGISTransaction:
        return PostGISTransaction(self._con(), self.ns)

    def read_rows(self, layer: str, *, bbox: BBox | None = None,
                  where: dict[str, Any] | None = None, limit: int | None = None,
                  offset: int = 0, columns: Sequence[str] | None = None) -> RowPage:
        """One page as plain rows and WKB, with ``matched`` (see :mod:`layers.rows`).

        Same filters and order as :meth:`read` (*bbox* in lon/lat degrees, ``&&``);
        *columns* selects attribute fields (default: all, in schema order).
        """
        try:
            return read_page(self._read_pool, lambda con: PostGISTransaction(con, self.ns),
                             layer, bbox=bbox, where=where, limit=limit, offset=offset,
                             columns=columns, native=_NATIVE)
        except self._psycopg.Error as exc:
            raise wrap_db_error(exc, self._redacted()) from exc

    @contextmanager
    def transaction(self) -> Iterator[PostGISTransaction]:
        """One database transaction (rolled back on any exception)."""
        con = self._con()
        try:
            with con.transaction():
                yield PostGISTransaction(con, self.ns)
        except self._psycopg.Error as exc:
            raise wrap_db_error(exc, self._redacted()) from exc

    def close(self) -> None:
        """Close this thread's connection (and the idle read connections)."""
        self._read_pool.close()
        con = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None
