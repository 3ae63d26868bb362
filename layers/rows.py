"""A lean read path for the web service: one page of rows, no pandas on the way.

:meth:`read_rows` (on both backends) answers the same question as ``read(layer, bbox=…,
where=…, limit=…, offset=…)`` — the same filters, the same order (insertion), the same values
— but returns plain Python rows and the geometries as WKB, plus ``matched`` (how many features
pass the filters), computed without a second query whenever the page is not full.  Building a
GeoDataFrame costs more than the query itself for a map viewport; the service turns these rows
straight into GeoJSON (:mod:`api.geojson`).

Values per field type, as in the frames of ``read``: ``str``, ``int``, ``float`` (NaN as
``None``), ``bool``, ``datetime`` (tz-aware UTC :class:`datetime.datetime`), ``json`` (the
parsed document); ``None`` for null.
"""

from __future__ import annotations

import json
import math
import queue
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

from layers.bbox import check_bbox
from layers.codec import to_datetime_utc
from layers.protocols import BBox
from layers.schemas import FieldType, LayerSchema
from layers.schemas import schema_for as schema_of


@dataclass(frozen=True)
class RowPage:
    """One page of a layer as plain rows.

    Attributes
    ----------
    layer
        The layer read.
    fields
        Column names of :attr:`rows`, in order (the id field first when selected).
    rows
        One tuple of Python values per feature, in insertion order.
    wkb
        ISO WKB of each feature's geometry (EPSG:4326, lon/lat), ``None`` where missing;
        ``None`` for a layer without geometry.
    matched
        Features passing the filters (bbox, where), whatever the page.
    """

    layer: str
    fields: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    wkb: list[bytes | None] | None
    matched: int


C = TypeVar("C")


class ConnectionPool(Generic[C]):
    """Idle read connections shared by every thread of a process.

    The web server runs sync routes on a pool of up to 40 threads that come and go (anyio
    ends a thread idle for 10 s); a connection per thread means opening connections under
    load and holding one per thread ever seen.  Here a read borrows any idle connection and
    gives it back, so the count stays at the peak number of concurrent reads and prepared
    statements stay warm.  A connection whose use raised is closed, not returned.
    """

    def __init__(self, connect: Callable[[], C], close: Callable[[C], None]) -> None:
        self._connect, self._close = connect, close
        self._idle: queue.SimpleQueue[C] = queue.SimpleQueue()

    @contextmanager
    def borrow(self) -> Iterator[C]:
        """An idle connection (or a new one) for the ``with`` block."""
        try:
            con = self._idle.get_nowait()
        except queue.Empty:
            con = self._connect()
        try:
            yield con
        except BaseException:
            self._close(con)
            raise
        self._idle.put(con)

    def close(self) -> None:
        """Close the idle connections."""
        while True:
            try:
                self._close(self._idle.get_nowait())
            except queue.Empty:
                return


class RowReader(Protocol):
    """A store with the lean read path (both backends)."""

    def read_rows(self, layer: str, *, bbox: tuple[float, float, float, float] | None = None,
                  where: dict[str, Any] | None = None, limit: int | None = None,
                  offset: int = 0, columns: Sequence[str] | None = None) -> RowPage:
        """One page of *layer* as plain rows and WKB, with ``matched``."""
        ...


def _float(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return None if math.isnan(f) else f


def _bool(v: Any) -> bool | None:
    return None if v is None else bool(v)


def _int(v: Any) -> int | None:
    return None if v is None else int(v)


def _str(v: Any) -> str | None:
    return v if v is None or type(v) is str else str(v)


def _datetime(v: Any) -> datetime | None:
    if isinstance(v, datetime):
        return v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)
    return None if v is None else to_datetime_utc(v)


def _json(v: Any) -> Any:
    return json.loads(v) if isinstance(v, str | bytes) else v


_DECODERS: dict[FieldType, Callable[[Any], Any]] = {
    "str": _str, "int": _int, "float": _float, "bool": _bool, "datetime": _datetime,
    "json": _json}


def decode_rows(schema: LayerSchema, names: Sequence[str], raw: list[tuple[Any, ...]],
                *, native: frozenset[FieldType] = frozenset()) -> list[tuple[Any, ...]]:
    """Rows of database values → rows of the Python values :class:`RowPage` promises.

    Parameters
    ----------
    native
        Field types the driver already returns as the promised Python value (no work).
    """
    decoders = [(i, _DECODERS[schema.field(n).type]) for i, n in enumerate(names)
                if schema.field(n).type not in native]
    if not decoders:
        return raw
    out = []
    for row in raw:
        values = list(row)
        for i, dec in decoders:
            values[i] = dec(values[i])
        out.append(tuple(values))
    return out


def check_request(layer: str, *, where: dict[str, Any] | None, columns: Sequence[str] | None,
                  limit: int | None, offset: int) -> tuple[LayerSchema, list[str]]:
    """The schema and the columns to select; ``ValueError`` naming a bad field or page."""
    schema = schema_of(layer)
    names = list(schema.field_names if columns is None else columns)
    unknown = (set(where or {}) | set(names)) - set(schema.field_names)
    if unknown:
        msg = f"layer {layer!r} has no field(s) {sorted(unknown)}: see layers.schemas"
        raise ValueError(msg)
    if (limit is not None and limit < 0) or offset < 0:
        msg = f"limit {limit!r} and offset {offset!r} must not be negative"
        raise ValueError(msg)
    return schema, names


def matched_count(n_rows: int, *, limit: int | None, offset: int,
                  count: Callable[[], int]) -> int:
    """``matched`` for a page of *n_rows*: exact, counting only when the page cannot tell."""
    if (limit is None or n_rows < limit) and (n_rows > 0 or offset == 0):
        return offset + n_rows
    return count()


class RawReader(Protocol):
    """The two primitives a backend's transaction class provides for :func:`read_page`."""

    def _select_raw(self, schema: LayerSchema, names: Sequence[str], *, bbox: BBox | None,
                    where: dict[str, Any] | None, limit: int | None, offset: int
                    ) -> tuple[list[tuple[Any, ...]], list[bytes | None] | None] | None:
        """``(attribute rows, WKB list)`` of one page; ``None`` when the table is missing."""
        ...

    def _count_where(self, schema: LayerSchema, *, bbox: BBox | None,
                     where: dict[str, Any] | None) -> int:
        """Features passing the filters."""
        ...


def read_page(pool: ConnectionPool[C], reader: Callable[[C], RawReader], layer: str, *,
              bbox: BBox | None, where: dict[str, Any] | None, limit: int | None, offset: int,
              columns: Sequence[str] | None, native: frozenset[FieldType]) -> RowPage:
    """``read_rows`` for a backend: *reader* wraps a pooled connection in its primitives.

    *native*: the field types the driver already returns as :class:`RowPage` promises.
    """
    schema, names = check_request(layer, where=where, columns=columns, limit=limit,
                                  offset=offset)
    bbox = check_bbox(bbox)
    with pool.borrow() as con:
        tx = reader(con)
        got = tx._select_raw(schema, names, bbox=bbox, where=where, limit=limit, offset=offset)
        if got is None:
            return RowPage(layer, tuple(names), [], [] if schema.is_spatial else None, 0)
        raw, wkb = got
        matched = matched_count(len(raw), limit=limit, offset=offset, count=lambda: (
            tx._count_where(schema, bbox=bbox, where=where)))
    return RowPage(layer, tuple(names), decode_rows(schema, names, raw, native=native), wkb,
                   matched)
