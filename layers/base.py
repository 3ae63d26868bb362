"""What the two backends share: validation on the way in, the write verbs, the read filters.

A backend supplies a handful of primitives over one open connection (``_ensure_table``,
``_insert``, ``_delete_ids``, ``_delete_all``, ``_select_raw``, ``_count_where``,
``_tables``); this module turns them into the :class:`layers.store.Transaction` verbs, so both
backends validate and behave the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely

from gis.crs import is_storage_crs
from layers.bbox import BBox, check_bbox
from layers.codec import decode_frame, empty_frame
from layers.errors import FeatureNotFoundError, StoreError, ValidationError
from layers.protocols import Where
from layers.schemas import SCHEMAS, Field, LayerSchema
from layers.schemas import schema_for as schema_of
from layers.validate import conform

WRITE_CHUNK = 2000


def quote_ident(name: str) -> str:
    """An SQL identifier in double quotes (both dialects)."""
    return '"' + name.replace('"', '""') + '"'


def where_sql(where: Where | None, *, quote: Callable[[str], str], marker: str,
              member: Callable[[str], str], list_param: Callable[[list], Any]
              ) -> tuple[list[str], list[Any]]:
    """SQL clauses (AND-ed) and parameters for filters: ``{field: value}`` is equality (a list
    means IN, ``None`` IS NULL), a list of such dicts matches any of them (OR); the dialect
    supplies quoting, the parameter marker and IN."""
    if isinstance(where, list | tuple):
        groups, params = [], []
        for one in where:
            clauses, values = where_sql(one, quote=quote, marker=marker, member=member,
                                        list_param=list_param)
            groups.append("(" + " AND ".join(clauses) + ")" if clauses else "1=1")
            params += values
        return ["(" + " OR ".join(groups) + ")" if groups else "1=0"], params
    clauses: list[str] = []
    params = []
    for name, value in (where or {}).items():
        col = quote(name)
        if isinstance(value, list | tuple | set):
            clauses.append(member(col))
            params.append(list_param(list(value)))
        elif value is None:
            clauses.append(f"{col} IS NULL")
        else:
            clauses.append(f"{col} = {marker}")
            params.append(value)
    return clauses, params


def where_fields(where: Where | None) -> set[str]:
    """Every field a filter names."""
    if isinstance(where, list | tuple):
        return {name for one in where for name in one}
    return set(where or {})


def order_sql(order_by: Sequence[str], quote: Callable[[str], str]) -> str:
    """``ORDER BY`` for fields (``-field`` descending), insertion order last."""
    keys = [f"{quote(k.removeprefix('-'))} {'DESC' if k.startswith('-') else 'ASC'}"
            for k in order_by]
    return " ORDER BY " + ", ".join([*keys, "fid"])


class BaseTransaction:
    """The write verbs on top of a backend's primitives (all inside one open transaction)."""

    #: SQL column type per field type (the backend's dialect).
    COLUMN_TYPES: dict[str, str] = {}

    # -- primitives every backend implements -------------------------------------------
    def _tables(self) -> set[str]:
        raise NotImplementedError

    def _table_sql(self, name: str) -> str:
        """The table's name as SQL (quoted, schema-qualified where the dialect has one)."""
        raise NotImplementedError

    def _column_names(self, name: str) -> set[str]:
        raise NotImplementedError

    def _create_table(self, schema: LayerSchema) -> None:
        """Create the table with its indexes and metadata (it does not exist yet)."""
        raise NotImplementedError

    def _field_ddl(self, field: Field) -> str:
        return f"{quote_ident(field.name)} {self.COLUMN_TYPES[field.type]}"

    def _ensure_table(self, schema: LayerSchema) -> None:
        """Create the layer's table, or add the columns a newer schema declares."""
        if schema.name not in self._tables():
            self._create_table(schema)
            return
        have = self._column_names(schema.name)
        for f in schema.fields:
            if f.name not in have:
                self.con.execute(f"ALTER TABLE {self._table_sql(schema.name)} ADD COLUMN "
                                 f"{self._field_ddl(f)}")

    def _insert(self, schema: LayerSchema, frame: pd.DataFrame) -> None:
        raise NotImplementedError

    def _delete_ids(self, schema: LayerSchema, ids: Sequence[str]) -> int:
        raise NotImplementedError

    def _delete_all(self, schema: LayerSchema) -> None:
        raise NotImplementedError

    def _select_raw(self, schema: LayerSchema, names: Sequence[str], *, bbox: BBox | None,
                    where: Where | None, limit: int | None, offset: int,
                    order_by: Sequence[str] = ()
                    ) -> tuple[list[tuple[Any, ...]], list[bytes | None] | None] | None:
        raise NotImplementedError

    def _count_where(self, schema: LayerSchema, *, bbox: BBox | None,
                     where: dict[str, Any] | None) -> int:
        raise NotImplementedError

    def _select(self, schema: LayerSchema, *, bbox: BBox | None, ids: Sequence[str] | None,
                where: Where | None, limit: int | None, offset: int,
                order_by: Sequence[str] = ()) -> pd.DataFrame:
        filters: Where | None = where
        if ids is not None:
            by_id = {schema.id_field: [str(i) for i in ids]}
            filters = ([{**by_id, **w} for w in where] if isinstance(where, list | tuple)
                       else {**by_id, **(where or {})})
        got = self._select_raw(schema, schema.field_names, bbox=bbox, where=filters,
                               limit=limit, offset=offset, order_by=order_by)
        rows, wkb = got if got is not None else ([], [] if schema.is_spatial else None)
        values = {f.name: [r[i] for r in rows] for i, f in enumerate(schema.fields)}
        geoms = shapely.from_wkb(np.asarray(wkb, dtype=object)) if wkb else []
        return decode_frame(schema, values, geoms if schema.is_spatial else None)

    def _count(self, schema: LayerSchema, *, bbox: BBox | None) -> int:
        return self._count_where(schema, bbox=bbox, where=None)

    def lock(self, *keys: str) -> None:
        """Hold write locks on *keys* until the transaction ends (read-check-write made safe).

        The default suits backends whose transactions are already serialised (GeoPackage:
        ``BEGIN IMMEDIATE`` admits one writer at a time).
        """

    # -- reads -------------------------------------------------------------------------
    def layers(self) -> list[str]:
        """Layers with a table in the store."""
        return sorted(set(SCHEMAS) & self._tables())

    def count(self, layer: str, *, bbox: BBox | None = None) -> int:
        """Number of features (intersecting *bbox*'s envelope when given)."""
        schema, bbox = schema_of(layer), check_bbox(bbox)
        if layer not in self._tables():
            return 0
        return self._count(schema, bbox=bbox)

    def read(self, layer: str, *, bbox: BBox | None = None, ids: Sequence[str] | None = None,
             where: Where | None = None, limit: int | None = None,
             offset: int = 0, order_by: Sequence[str] = ()) -> pd.DataFrame:
        """See :meth:`layers.store.Reader.read`."""
        schema = schema_of(layer)
        unknown = (where_fields(where) | {k.removeprefix("-") for k in order_by}) - set(
            schema.field_names)
        if unknown:
            msg = f"layer {layer!r} has no field(s) {sorted(unknown)}"
            raise ValueError(msg)
        bbox = check_bbox(bbox)
        if layer not in self._tables():
            return empty_frame(schema)
        return self._select(schema, bbox=bbox, ids=ids, where=where, limit=limit,
                            offset=offset, order_by=order_by)

    def get(self, layer: str, feature_id: str) -> pd.Series:
        """One feature by id."""
        frame = self.read(layer, ids=[str(feature_id)])
        if frame.empty:
            msg = f"layer {layer!r} has no feature with {schema_of(layer).id_field} = " \
                  f"{feature_id!r}"
            raise FeatureNotFoundError(msg)
        return frame.iloc[0]

    # -- writes ------------------------------------------------------------------------
    def _prepare(self, layer: str, frame: pd.DataFrame) -> tuple[LayerSchema, pd.DataFrame]:
        schema = schema_of(layer)
        crs = getattr(frame, "crs", None)
        if schema.is_spatial and crs is not None and not is_storage_crs(crs):
            msg = f"layer {layer!r}: frame is in {crs.to_string()}; convert it to EPSG:4326 " \
                  "first (gis.crs.to_storage)"
            raise ValidationError(msg)
        conformed = conform(frame, schema)
        self._ensure_table(schema)
        return schema, conformed

    def replace(self, layer: str, frame: pd.DataFrame) -> int:
        """Replace every feature of *layer* with *frame*."""
        schema, rows = self._prepare(layer, frame)
        self._delete_all(schema)
        self._insert(schema, rows)
        return len(rows)

    def append(self, layer: str, frame: pd.DataFrame) -> int:
        """Insert new features; an id already in the layer is refused."""
        schema, rows = self._prepare(layer, frame)
        ids = [str(v) for v in rows[schema.id_field]]
        clash = self._select(schema, bbox=None, ids=ids, where=None, limit=None, offset=0)
        if not clash.empty:
            shown = ", ".join(map(str, clash[schema.id_field].head(10)))
            msg = (f"layer {layer!r}: id(s) already in the store: {shown}; "
                   "use new ids or replace the layer")
            raise ValidationError(msg, [f"feature {i!r}: duplicate id" for i in
                                        clash[schema.id_field]])
        self._insert(schema, rows)
        return len(rows)

    def upsert(self, layer: str, frame: pd.DataFrame) -> int:
        """Update features by id, inserting the new ones."""
        schema, rows = self._prepare(layer, frame)
        self._delete_ids(schema, [str(v) for v in rows[schema.id_field]])
        self._insert(schema, rows)
        return len(rows)

    def delete(self, layer: str, ids: Sequence[str]) -> int:
        """Delete features by id."""
        schema = schema_of(layer)
        if layer not in self._tables():
            return 0
        return self._delete_ids(schema, [str(i) for i in ids])


class StoreVerbs:
    """Single-transaction shortcuts and reads for a store with ``transaction()``."""

    def transaction(self):  # noqa: ANN201 - implemented by the backend
        raise NotImplementedError

    def _reader(self) -> BaseTransaction:
        raise NotImplementedError

    def layers(self) -> list[str]:
        """Layers with a table in the store."""
        return self._reader().layers()

    def migrate(self) -> list[str]:
        """Give the tables of a store written by an older GridPatrol the columns that the
        schemas now declare (backends call it on opening); returns the columns added, as
        ``layer.field``.  A store that is up to date is only read."""
        reader = self._reader()
        missing = {name: set(SCHEMAS[name].field_names) - reader._column_names(name)
                   for name in sorted(reader._tables() & set(SCHEMAS))}
        missing = {name: cols for name, cols in missing.items() if cols}
        if missing:
            with self.transaction() as tx:
                for name in missing:
                    tx._ensure_table(SCHEMAS[name])
        return [f"{name}.{col}" for name, cols in missing.items() for col in sorted(cols)]

    def count(self, layer: str, *, bbox: BBox | None = None) -> int:
        """See :meth:`layers.store.Reader.count`."""
        return self._reader().count(layer, bbox=bbox)

    def read(self, layer: str, **kwargs: Any) -> pd.DataFrame:
        """See :meth:`layers.store.Reader.read`."""
        return self._reader().read(layer, **kwargs)

    def get(self, layer: str, feature_id: str) -> pd.Series:
        """See :meth:`layers.store.Reader.get`."""
        return self._reader().get(layer, feature_id)

    def replace(self, layer: str, frame: pd.DataFrame) -> int:
        """Replace a layer in a transaction of its own."""
        with self.transaction() as tx:
            return tx.replace(layer, frame)

    def append(self, layer: str, frame: pd.DataFrame) -> int:
        """Append in a transaction of its own."""
        with self.transaction() as tx:
            return tx.append(layer, frame)

    def upsert(self, layer: str, frame: pd.DataFrame) -> int:
        """Upsert in a transaction of its own."""
        with self.transaction() as tx:
            return tx.upsert(layer, frame)

    def delete(self, layer: str, ids: Sequence[str]) -> int:
        """Delete in a transaction of its own."""
        with self.transaction() as tx:
            return tx.delete(layer, ids)


def wrap_db_error(exc: Exception, url: str) -> StoreError:
    """A :class:`StoreError` for a database failure, naming the store."""
    return StoreError(f"store {url}: {exc.__class__.__name__}: {exc} (nothing was written)")
