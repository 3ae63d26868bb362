"""One coverage: how often and how recently each target was visited (pure, vectorised).

A **visit** is a row with ``site_id``, ``site_kind`` (informative only), ``time`` and a point
``geometry`` (the recorded position; may be missing).  Every source of visits (check-ins of
``POST /visits``, records synced from the field app) maps its rows to these columns.

A visit counts for a **target** (grid, mine, fire zone, township, village, …) when

* its ``site_id`` is the target's id (*by site id*);
* its ``site_id`` is an alias of the target, e.g. a fire-zone checkpoint's id for its zone
  (*by checkpoint alias*);
* its position lies in the target's polygon, boundary included (*by area*; polygonal targets
  only: a point target such as a mine is matched by id, never by position).

A visit counts once per target even when several rules match it; a visit on the shared edge of
two polygons counts for both.  A visit later than *now* is not counted (a wrong clock or a
claimed future time must not raise coverage), and a visit whose time cannot be read is
reported by :func:`check_visits` and skipped, never fatal.

Calendar figures (this month, this week from Monday, whole days since the last visit) are
counted in local time, China Standard Time by default: a visit at 07:00 on the 1st in Beijing
counts for the new month although it is still the previous day in UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from gis.crs import metric_crs

#: China has one civil time zone; calendar figures are counted in it unless told otherwise.
LOCAL_TZ = "Asia/Shanghai"
#: The columns :func:`visit_figures` adds, in order.
FIGURES = ("visits_total", "visits_this_month", "visits_this_week", "last_visit",
           "days_since_last_visit")
_POLYGONAL = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class VisitCheck:
    """Visits split into those that count and those that cannot.

    Attributes
    ----------
    visits
        Visits with a readable time not later than *now*; ``time`` as UTC datetimes.
    unreadable
        Rows whose time is missing or cannot be read (their original values).
    future
        Rows dated after *now*.
    """

    visits: pd.DataFrame
    unreadable: pd.DataFrame
    future: pd.DataFrame


def utc(moment: datetime | pd.Timestamp | str) -> pd.Timestamp:
    """*moment* as a UTC timestamp (a naive value is taken as UTC)."""
    ts = pd.Timestamp(moment)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def read_times(values: pd.Series) -> pd.Series:
    """ISO 8601 texts, datetimes or timestamps as UTC datetimes; what cannot be read is NaT."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC")
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return values.dt.tz_localize("UTC")
    text = values.map(lambda v: v if isinstance(v, (str, datetime)) else None)
    return pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")


def check_visits(visits: pd.DataFrame, *, now: datetime | pd.Timestamp) -> VisitCheck:
    """Split *visits* into countable ones, unreadable times and future times."""
    if len(visits) == 0 or "time" not in visits.columns:
        empty = visits.iloc[:0]
        return VisitCheck(empty.assign(time=pd.Series(dtype="datetime64[us, UTC]")), visits,
                          empty)
    times = read_times(visits["time"])
    bad = times.isna().to_numpy()
    late = (times > utc(now)).fillna(False).to_numpy(dtype=bool)
    good = visits[~bad & ~late].copy()
    good["time"] = times[~bad & ~late]
    return VisitCheck(good, visits[bad], visits[late])


def _by_id(site_ids: pd.Series, target_ids: pd.Index,
           aliases: Mapping[str, str] | None) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    ids = site_ids.astype("string").fillna("")
    if aliases:
        ids = ids.map(dict(aliases)).fillna(ids).astype("string")
    hit = target_ids.get_indexer(pd.Index(ids.astype(object)))
    visit = np.flatnonzero(hit >= 0)
    return hit[visit].astype(np.intp), visit.astype(np.intp)


def _by_area(positions: gpd.GeoSeries, targets: gpd.GeoDataFrame
             ) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    polys = targets.geometry
    if positions.crs is not None and polys.crs is not None and positions.crs != polys.crs:
        positions = positions.to_crs(polys.crs)
    keep = polys.notna().to_numpy() & polys.geom_type.isin(_POLYGONAL).to_numpy()
    pts = positions.to_numpy()
    usable = ~(shapely.is_missing(pts) | shapely.is_empty(pts))
    if not keep.any() or not usable.any():
        return np.empty(0, np.intp), np.empty(0, np.intp)
    poly_pos = np.flatnonzero(keep)
    pt_pos = np.flatnonzero(usable)
    tree = shapely.STRtree(polys.to_numpy()[poly_pos])
    pt_i, poly_i = tree.query(pts[pt_pos], predicate="intersects")
    return poly_pos[poly_i].astype(np.intp), pt_pos[pt_i].astype(np.intp)


def match_visits(visits: pd.DataFrame, targets: pd.DataFrame, *, id_field: str,
                 aliases: Mapping[str, str] | None = None
                 ) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """``(target position, visit position)`` pairs, one per visit that counts for a target.

    Parameters
    ----------
    visits
        Visits (``site_id`` and, for matching by area, a point ``geometry``).
    targets
        Targets with their id in *id_field* and, for matching by area, a ``geometry``.
    aliases
        ``{other site id: target id}``, e.g. checkpoint id → fire-zone id.
    """
    target_ids = pd.Index(targets[id_field].astype(str))
    parts = [_by_id(visits["site_id"], target_ids, aliases)]
    if isinstance(targets, gpd.GeoDataFrame) and "geometry" in visits.columns:
        parts.append(_by_area(gpd.GeoSeries(visits["geometry"], crs=getattr(visits, "crs", None)),
                              targets))
    t = np.concatenate([p[0] for p in parts])
    v = np.concatenate([p[1] for p in parts])
    key = np.unique(t.astype(np.int64) * max(len(visits), 1) + v)
    return (key // max(len(visits), 1)).astype(np.intp), (key % max(len(visits), 1)).astype(
        np.intp)


def local_days(times: pd.Series | pd.DatetimeIndex, tz: str = LOCAL_TZ) -> NDArray[np.int64]:
    """Whole local calendar days since 1970-01-01 of UTC *times* (meaningless for NaT: mask)."""
    idx = pd.DatetimeIndex(times).tz_convert(tz).tz_localize(None).normalize()
    return np.asarray(idx.as_unit("s").asi8 // 86400, dtype=np.int64)


def days_since(last: pd.Series, now: datetime | pd.Timestamp, tz: str = LOCAL_TZ) -> pd.Series:
    """Whole local calendar days from each *last* visit to *now* (missing: never visited)."""
    last = read_times(pd.Series(last))
    today = local_days(pd.DatetimeIndex([utc(now)]), tz)[0]
    days = pd.array(np.maximum(today - local_days(last, tz), 0), dtype="Int64")
    days[last.isna().to_numpy()] = pd.NA
    return pd.Series(days, index=last.index, name="days_since_last_visit")


def _period_starts(now: pd.Timestamp, tz: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    local = now.tz_convert(tz).normalize()
    month = local.replace(day=1)
    week = local - pd.Timedelta(days=local.day_of_week)
    return month.tz_convert("UTC"), week.tz_convert("UTC")


def visit_figures(visits: pd.DataFrame, targets: pd.DataFrame, *, id_field: str,
                  now: datetime | pd.Timestamp, aliases: Mapping[str, str] | None = None,
                  tz: str = LOCAL_TZ) -> pd.DataFrame:
    """*targets* with the coverage figures :data:`FIGURES` (rows and order kept).

    ``visits_total``, ``visits_this_month`` and ``visits_this_week`` count visits up to *now*
    (month and week from their first local day, weeks from Monday); ``last_visit`` is the
    latest one (UTC, NaT when never visited) and ``days_since_last_visit`` the whole local
    calendar days since it (missing when never visited).  Unreadable and future times are
    not counted (see :func:`check_visits` to report them).
    """
    now_ts = utc(now)
    counted = check_visits(visits, now=now_ts).visits.reset_index(drop=True)
    t, v = match_visits(counted, targets, id_field=id_field, aliases=aliases)
    times = pd.DatetimeIndex(counted["time"]).as_unit("us").asi8[v] if len(v) else np.empty(
        0, np.int64)
    n = len(targets)
    month, week = pd.DatetimeIndex(_period_starts(now_ts, tz)).as_unit("us").asi8
    last = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last, t, times)
    out = targets.copy()
    out["visits_total"] = np.bincount(t, minlength=n).astype(np.int64)
    out["visits_this_month"] = np.bincount(t[times >= month], minlength=n).astype(np.int64)
    out["visits_this_week"] = np.bincount(t[times >= week], minlength=n).astype(np.int64)
    seen = last != np.iinfo(np.int64).min
    stamps = pd.to_datetime(np.where(seen, last, 0), unit="us", utc=True)
    out["last_visit"] = pd.Series(stamps.where(seen), index=out.index)
    out["days_since_last_visit"] = days_since(out["last_visit"], now_ts, tz)
    return out


def neglect_order(frame: pd.DataFrame, *, name_field: str = "name") -> pd.DataFrame:
    """*frame* sorted worst-covered first: never visited, then most days since the last visit.

    Ties go to the older last visit, then to the name (and the original order).
    """
    key = pd.DataFrame({
        "never": frame["last_visit"].isna().to_numpy(),
        "days": frame["days_since_last_visit"].astype("Float64").fillna(np.inf).to_numpy(),
        "last": pd.DatetimeIndex(frame["last_visit"]).as_unit("us").asi8,
        "name": frame[name_field].astype(str).to_numpy() if name_field in frame else "",
    })
    order = key.sort_values(["never", "days", "last", "name"],
                            ascending=[False, False, True, True], kind="stable").index
    return frame.iloc[order.to_numpy()]


def locate(targets: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, *, area_field: str
           ) -> pd.Series:
    """The area each target lies in: the one holding its representative point, else the nearest.

    Distances for "nearest" are measured in the local UTM zone.  Returns *area_field* values
    aligned with *targets* (missing only when *areas* is empty or a target has no geometry).
    """
    out = pd.Series([None] * len(targets), index=targets.index, dtype=object)
    if len(targets) == 0 or len(areas) == 0:
        return out
    crs = metric_crs(areas)
    pts = gpd.GeoDataFrame(geometry=targets.geometry.representative_point().to_crs(crs))
    pts = pts[pts.geometry.notna() & ~pts.geometry.is_empty]
    zones = gpd.GeoDataFrame({"_area": areas[area_field].to_numpy()},
                             geometry=areas.geometry.to_crs(crs).to_numpy(), crs=crs)
    zones = zones[zones.geometry.notna() & ~zones.geometry.is_empty]
    if pts.empty or zones.empty:
        return out
    joined = gpd.sjoin_nearest(pts, zones, how="left")
    first = joined[~joined.index.duplicated(keep="first")]
    out.loc[first.index] = first["_area"].to_numpy()
    return out
