"""Coverage from the store: the one implementation behind ``GET /coverage``, the maps and reports.

The counting rules live in :mod:`gis.coverage` (by site id, by checkpoint alias, by area); this
module reads the visits (the ``inspections`` layer) and the targets
(:mod:`api.services.coverage_targets`), and shapes the rows.  A visit whose time cannot be read
or lies in the future is logged and skipped: one bad row never breaks a read.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from api.services import leaders
from api.services.coverage_targets import KINDS, Kind, Places, read_places, read_targets
from gis.coverage import FIGURES, check_visits, neglect_order, utc, visit_figures
from layers.store import Reader

log = logging.getLogger(__name__)

By = Literal["grid", "mine", "fire_zone", "leader", "township", "village"]
BY: tuple[str, ...] = (*KINDS, "leader")
#: The keys of every row, in order, whatever *by* is (``None`` where a key does not apply).
ROW_FIELDS = ("id", "name", "kind", "township", "village", "code", "status", "leader",
              "leaders", "target_id", *FIGURES)


def read_visits(store: Reader, *, now: datetime | pd.Timestamp) -> pd.DataFrame:
    """The visits that count up to *now*; unreadable and future times are logged and skipped."""
    check = check_visits(store.read("inspections"), now=now)
    for rows, what in ((check.unreadable, "whose time cannot be read"),
                       (check.future, f"dated after {utc(now).isoformat()}")):
        if len(rows):
            ids = ", ".join(map(str, rows.get("visit_id", rows.index)[:10]))
            log.warning("coverage: skipped %d visit(s) %s (visit_id %s%s): correct or delete "
                        "them in the inspections layer", len(rows), what, ids,
                        " …" if len(rows) > 10 else "")
    return check.visits


def checkpoint_aliases(store: Reader) -> dict[str, str]:
    """``{checkpoint id: fire-zone id}``: a visit at a checkpoint counts for its zone."""
    cps = store.read("checkpoints")
    return dict(zip(cps["checkpoint_id"].astype(str), cps["zone_id"].astype(str), strict=True))


def covered(store: Reader, kind: Kind, *, now: datetime | pd.Timestamp,
            visits: pd.DataFrame | None = None, places: Places | None = None,
            lang: str = "zh") -> gpd.GeoDataFrame:
    """The *kind* targets (see :func:`~api.services.coverage_targets.read_targets`) with the
    coverage figures of :func:`gis.coverage.visit_figures`, in the layer's order."""
    visits = read_visits(store, now=now) if visits is None else visits
    places = read_places(store) if places is None else places
    targets = read_targets(store, kind, places, lang=lang)
    aliases = checkpoint_aliases(store) if kind == "fire_zone" else None
    return visit_figures(visits, targets, id_field="id", now=now, aliases=aliases)


def _leader_rows(store: Reader, *, now: pd.Timestamp, leader: str | None, lang: str,
                 visits: pd.DataFrame, places: Places) -> gpd.GeoDataFrame:
    duties = leaders.duties(store, leader)
    kinds = sorted({k for k in duties["kind"] if k in KINDS})
    empty = pd.DataFrame(columns=["id", "name", "township", "village", "geometry"])
    targets = pd.concat([read_targets(store, k, places, lang=lang)  # type: ignore[arg-type]
                         for k in kinds] or [empty], ignore_index=True)
    info = targets.drop_duplicates("id").set_index("id").reindex(duties["target_id"])
    out = gpd.GeoDataFrame({
        "id": duties["assignment_id"].to_numpy(), "leader": duties["leader"].to_numpy(),
        "kind": duties["kind"].to_numpy(), "target_id": duties["target_id"].to_numpy(),
        "name": np.where(info["name"].isna(), duties["target_id"], info["name"]),
        "township": info["township"].to_numpy(), "village": info["village"].to_numpy(),
        "leaders": [[n] for n in duties["leader"]]},
        geometry=gpd.GeoSeries(info["geometry"].to_numpy(), crs=4326))
    return visit_figures(visits, out, id_field="target_id", now=now)


def coverage_frame(store: Reader, *, by: By, now: datetime | pd.Timestamp,
                   leader: str | None = None, lang: str = "zh") -> gpd.GeoDataFrame:
    """Coverage per *by* target, worst covered first (never visited, then most days since).

    Parameters
    ----------
    by
        ``grid``, ``mine``, ``fire_zone``, ``township``, ``village``, or ``leader`` (one row
        per duty: 包联 township or village, 挂牌 mine).
    leader
        Only what this leader answers for (for ``leader``: only their duties).
    lang
        Language of made-up names for unnamed objects (``zh`` or ``en``).
    """
    now_ts = utc(now)
    visits = read_visits(store, now=now_ts)
    places = read_places(store)
    if by == "leader":
        frame = _leader_rows(store, now=now_ts, leader=leader, lang=lang, visits=visits,
                             places=places)
    else:
        frame = covered(store, by, now=now_ts, visits=visits, places=places, lang=lang)
        if leader is not None:
            frame = frame[[leader in ls for ls in frame["leaders"]]]
    return neglect_order(frame)


def _iso(times: pd.Series) -> pd.Series:
    """UTC times as ``datetime.isoformat()`` writes them (``None`` for missing)."""
    times = pd.to_datetime(times, utc=True)
    text = times.dt.strftime("%Y-%m-%dT%H:%M:%S")
    micro = times.dt.microsecond.fillna(0).astype(int)
    text = text.where(micro == 0, text + "." + micro.astype(str).str.zfill(6)) + "+00:00"
    return text.astype(object).where(times.notna(), None)


def _cell(column: pd.Series) -> pd.Series:
    out = column.astype(object)
    return out.where(column.notna(), None)


def coverage(store: Reader, *, by: By, now: datetime | pd.Timestamp, leader: str | None = None,
             lang: str = "zh") -> list[dict[str, Any]]:
    """:func:`coverage_frame` as JSON-ready rows with the keys :data:`ROW_FIELDS`."""
    frame = coverage_frame(store, by=by, now=now, leader=leader, lang=lang)
    out = pd.DataFrame(index=frame.index)
    for f in ROW_FIELDS:
        if f not in frame.columns or (f == "target_id" and by != "leader") or (
                f == "status" and by == "grid"):
            out[f] = None
        elif f == "last_visit":
            out[f] = _iso(frame[f])
        elif f == "leaders":
            out[f] = [[str(n) for n in names] for names in frame[f]]
        else:
            out[f] = _cell(frame[f])
    return out.to_dict("records")
