"""Household registers (户籍台账): matching their rows to villages, spreading their figures.

Matching (:func:`match_rows`), per row, first hit wins:

1. the 12-digit village code (统计用区划代码) equals a village's code;
2. the name equals a village's name exactly;
3. the *normalised* names are equal (:func:`normalise_name`: full-width characters made
   half-width, spaces dropped, the suffixes 村民委员会 / 居民委员会 / 村委会 / 居委会 / 社区 / 村
   taken off).

When the register names a township too, only that township's villages are candidates.  A name
that fits several villages is *ambiguous*; one that fits none gets the closest names as
candidates (:mod:`difflib`).

Spreading: :func:`load_points` puts each village's register households on weighted points —
its residential buildings by floor area (footprint × levels) where the map holds enough floor
for them (:data:`MIN_FLOOR_M2_PER_HOUSEHOLD`), else any buildings, else a regular sample of
its residential land, else of its whole area — and :func:`spread` splits every figure over
the units in proportion to the points' load inside them, with largest-remainder rounding, so
the integer total per village equals the register exactly.  ``units build`` splits heavy
units along the same points, so the register's households decide which units are heavy.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

SUFFIXES = ("村民委员会", "居民委员会", "村委会", "居委会", "社区", "村")
TOWNSHIP_SUFFIXES = ("人民政府", "街道办事处", "办事处", "街道", "镇", "乡")
#: Rows whose name is one of these are totals, not villages.
TOTAL_NAMES = frozenset({"合计", "总计", "小计", "共计", "total", "sum", "subtotal"})
CANDIDATES = 3
#: Mapped floor area (m²) needed per register household before buildings carry them.
MIN_FLOOR_M2_PER_HOUSEHOLD = 30.0
#: Spacing (m) of the points that sample residential land or a village without buildings.
SAMPLE_SPACING_M = 25.0
MAX_SAMPLES = 2_000
How = Literal["code", "name", "normalised", "ambiguous", "unmatched", "total"]


def _fold(text: object) -> str:
    s = unicodedata.normalize("NFKC", str(text))
    return re.sub(r"\s+", "", s).lower()


def normalise_name(text: object, suffixes: Sequence[str] = SUFFIXES) -> str:
    """*text* half-width, without spaces, lower-case, without the village suffixes."""
    s = _fold(text)
    changed = True
    while changed:
        changed = False
        for suf in suffixes:
            if s.endswith(suf) and len(s) > len(suf):
                s = s[: -len(suf)]
                changed = True
                break
    return s


def is_total(name: object) -> bool:
    """Whether a row named *name* is a total line (合计, 总计 …)."""
    return isinstance(name, str) and _fold(name) in TOTAL_NAMES


@dataclass(frozen=True)
class Match:
    """The village a register row names, and how it was found."""

    village_id: str | None
    how: How
    candidates: tuple[str, ...] = ()


def _label(villages: pd.DataFrame, ids: Sequence[str]) -> tuple[str, ...]:
    v = villages.set_index("area_id")
    out = []
    for i in ids:
        town = v.loc[i, "township"] if "township" in v.columns else None
        out.append(f"{v.loc[i, 'name']}" + (f" ({town})" if isinstance(town, str) else ""))
    return tuple(out)


def _match_one(code: object, name: object, township: object, villages: pd.DataFrame,
               keys: dict[str, pd.Series]) -> Match:
    if is_total(name) and not (isinstance(code, str) and code):
        return Match(None, "total")
    pool = villages
    if isinstance(township, str) and township.strip() and "township" in villages.columns:
        want = normalise_name(township, TOWNSHIP_SUFFIXES)
        pool = villages[keys["township"] == want]
    if isinstance(code, str) and code:
        hit = pool.index[pool["code"].astype(str) == code]
        if len(hit) == 1:
            return Match(str(pool.loc[hit[0], "area_id"]), "code")
    if not (isinstance(name, str) and name.strip()):
        return Match(None, "unmatched")
    for how, key, value in (("name", "exact", name.strip()),
                            ("normalised", "norm", normalise_name(name))):
        hit = pool.index[keys[key].loc[pool.index] == value]
        if len(hit) == 1:
            return Match(str(pool.loc[hit[0], "area_id"]), how)  # type: ignore[arg-type]
        if len(hit) > 1:
            return Match(None, "ambiguous", _label(villages, list(pool.loc[hit, "area_id"])))
    names = list(dict.fromkeys(keys["norm"].loc[pool.index]))
    close = difflib.get_close_matches(normalise_name(name), names, n=CANDIDATES, cutoff=0.4)
    ids = [str(pool.loc[keys["norm"].loc[pool.index] == c, "area_id"].iloc[0]) for c in close]
    return Match(None, "unmatched", _label(villages, ids))


def match_rows(codes: Sequence[object], names: Sequence[object],
               townships: Sequence[object] | None, villages: pd.DataFrame) -> list[Match]:
    """The village of every register row (see the module docstring).

    *villages* has ``area_id``, ``name``, ``code`` and optionally ``township`` (its
    township's name).
    """
    villages = villages.reset_index(drop=True)
    keys = {"exact": villages["name"].astype(str).str.strip(),
            "norm": villages["name"].map(normalise_name)}
    if "township" in villages.columns:
        keys["township"] = villages["township"].map(
            lambda t: normalise_name(t, TOWNSHIP_SUFFIXES) if isinstance(t, str) else "")
    towns = townships if townships is not None else [None] * len(codes)
    return [_match_one(c, n, t, villages, keys) for c, n, t in zip(codes, names, towns,
                                                                     strict=True)]


def largest_remainder(total: int, weights: NDArray[np.float64]) -> NDArray[np.int64]:
    """Integers ≥ 0 proportional to *weights* summing exactly to *total* (ties: first)."""
    w = np.asarray(weights, dtype=np.float64)
    if len(w) == 0:
        return np.zeros(0, dtype=np.int64)
    if not np.isfinite(w).all() or w.sum() <= 0:
        w = np.ones(len(w))
    quota = total * w / w.sum()
    out = np.floor(quota).astype(np.int64)
    left = int(total - out.sum())
    order = np.argsort(-(quota - out), kind="stable")
    out[order[:left]] += 1
    return out


def spread_weights(village: NDArray[np.object_], candidates: Sequence[NDArray[np.float64]]
                   ) -> NDArray[np.float64]:
    """Per unit, the first weight in *candidates* that is positive over the unit's village."""
    out = np.zeros(len(village), dtype=np.float64)
    for vid in pd.unique(village):
        rows = village == vid
        for weight in candidates:
            if np.nansum(weight[rows]) > 0:
                out[rows] = np.nan_to_num(weight[rows])
                break
        else:
            out[rows] = 1.0
    return out


def spread(totals: Mapping[str, float], village: NDArray[np.object_],
           weight: NDArray[np.float64], *, integer: bool = True) -> NDArray[np.float64]:
    """Each village's total split over its units by *weight*; NaN for villages not given.

    With *integer*, largest-remainder rounding keeps every village's sum equal to its total.
    """
    out = np.full(len(village), np.nan)
    for vid, total in totals.items():
        rows = np.flatnonzero(village == vid)
        if not len(rows):
            continue
        w = weight[rows]
        if integer:
            out[rows] = largest_remainder(int(round(total)), w)
        else:
            share = w / w.sum() if w.sum() > 0 else np.full(len(rows), 1.0 / len(rows))
            out[rows] = total * share
    return out


def sample_points(geom: shapely.Geometry, *, spacing: float = SAMPLE_SPACING_M,
                  max_points: int = MAX_SAMPLES) -> NDArray[np.float64]:
    """A regular grid of points inside *geom* (metric CRS), coarser for big areas so that at
    most about *max_points* come out; at least the representative point."""
    if geom is None or geom.is_empty:
        return np.zeros((0, 2))
    spacing = max(spacing, float(np.sqrt(geom.area / max_points)))
    minx, miny, maxx, maxy = geom.bounds
    xs = np.arange(minx + spacing / 2, maxx, spacing)
    ys = np.arange(miny + spacing / 2, maxy, spacing)
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    inside = shapely.contains_xy(geom, gx, gy)
    if not inside.any():
        p = geom.representative_point()
        return np.array([[p.x, p.y]])
    return np.column_stack([gx[inside], gy[inside]])


def _village_points(geom: shapely.Geometry, total: float, floor: tuple[NDArray, NDArray],
                    xy: NDArray, land: shapely.Geometry | None) -> tuple[NDArray, NDArray]:
    for weight in floor:
        if weight.sum() >= MIN_FLOOR_M2_PER_HOUSEHOLD * total and weight.sum() > 0:
            keep = weight > 0
            return xy[keep], weight[keep]
    region = shapely.intersection(land, geom) if land is not None else None
    pts = sample_points(region) if region is not None and region.area > 0 else np.zeros((0, 2))
    if not len(pts):
        pts = sample_points(geom)
    return pts, np.ones(len(pts))


def load_points(villages: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame,
                estimate: NDArray, totals: Mapping[str, float],
                land: gpd.GeoDataFrame | None = None) -> tuple[gpd.GeoSeries, NDArray]:
    """Points carrying households and their loads (metric CRS; see the module docstring).

    Buildings outside the villages in *totals* keep their *estimate*; each village in
    *totals* gets points whose loads sum to its total.
    """
    pts = buildings.geometry.representative_point()
    xy = shapely.get_coordinates(pts.values)
    village = np.full(len(buildings), None, dtype=object)
    if len(buildings) and len(villages):
        hit_b, hit_v = villages.sindex.query(pts.values, predicate="within")
        village[hit_b] = villages["area_id"].to_numpy(dtype=object)[hit_v]
    levels = pd.to_numeric(buildings.get("levels"), errors="coerce").fillna(1).clip(1, 40)
    floor = buildings.geometry.area.to_numpy() * levels.to_numpy(dtype=float)
    resid = buildings["residential"].fillna(False).to_numpy(dtype=bool)
    land_all = shapely.union_all(land.geometry.values) if land is not None and len(land) \
        else None
    keep = ~np.isin(village, list(totals))
    out_xy, out_load = [xy[keep]], [np.asarray(estimate, dtype=float)[keep]]
    geoms = dict(zip(villages["area_id"], villages.geometry, strict=True))
    for vid, total in totals.items():
        if vid not in geoms:
            continue
        mine = village == vid
        v_xy, w = _village_points(geoms[vid], total, (np.where(resid, floor, 0.0)[mine],
                                                       floor[mine]), xy[mine], land_all)
        out_xy.append(v_xy)
        out_load.append(total * w / w.sum())
    all_xy = np.concatenate(out_xy) if out_xy else np.zeros((0, 2))
    return (gpd.GeoSeries(shapely.points(all_xy), crs=villages.crs),
            np.concatenate(out_load) if out_load else np.zeros(0))
