"""Build units, village territories, fire-zone risk and the units' figures from the store.

``gridpatrol units build`` and ``gridpatrol demo`` call :func:`build_units`; it reads whatever
the store holds (roads, admin areas, places, buildings, barriers, fire zones, mine sites,
member residences), runs the pure steps in :mod:`gis`, and writes ``admin_areas``, ``units``
and ``fire_zones`` in one transaction.  New units start a new plan: the grids and grid history
of the previous units are cleared (their unit ids no longer exist); run ``gridpatrol balance``
next.  Unnamed fire zones are named after the nearest settlement ("<place> 林区 N").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from tqdm import tqdm

from api.services.figures import estimated_counts
from api.services.register import village_loads
from api.services.register_apply import reapply, reapply_codes, reapply_figures
from gis.contiguity import PieceMove, connect_villages
from gis.crs import metric_crs
from gis.errors import UnitsError
from gis.figures import (
    area_in,
    count_in,
    fire_risk,
    pinned_units,
)
from gis.nesting import LEVELS, crossings
from gis.register import spread, spread_weights
from gis.territories import derive_villages
from gis.units import MIN_UNIT_M2, build_blocks, number_units, split_lines
from gis.validate import repair
from layers.codec import empty_frame
from layers.errors import InputFileError
from layers.importers.sources import detect_encoding, require_file
from layers.schemas import SCHEMAS
from layers.store import Store

log = logging.getLogger(__name__)
SPLIT_CAP_HOUSEHOLDS = 25
SPLIT_PASSES = 2
SPLIT_MIN_M2 = 2_000.0


@dataclass(frozen=True)
class UnitsResult:
    """What :func:`build_units` wrote."""

    townships: int
    villages: int
    units: int
    households: int
    members: int
    pinned: int
    fire_zones: int
    #: ``{level: (real, derived)}`` for county, township, village.
    levels: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: Derived areas lying partly outside the real area they should nest in (0 expected).
    crossing: int = 0
    #: What became of the island pieces of villages.
    moves: tuple[PieceMove, ...] = ()

    def lines(self) -> list[str]:
        """The build report, one line per figure, then the levels and the moves."""
        out = [f"{k:<12} {getattr(self, k):>7}" for k in (
            "townships", "villages", "units", "households", "members", "pinned", "fire_zones")]
        out += [f"{lv:<12} {real:>7} real, {der} derived" for lv, (real, der) in
                self.levels.items()]
        out.append(f"{'crossing':<12} {self.crossing:>7} derived areas crossing a real boundary")
        out.append(f"{'pieces':<12} {len(self.moves):>7} island pieces of villages fixed")
        out += ["  " + m.describe() for m in self.moves]
        return out


def _study_area(roads: gpd.GeoDataFrame, real: gpd.GeoDataFrame) -> shapely.Geometry:
    """Where units are built: the real townships and villages when the store has village
    boundaries (the user's boundaries define the county), else also the roads' extent."""
    known = real[real["level"].isin(["township", "village"])]
    if (real["level"] == "village").any():
        return shapely.union_all(known.geometry.values)
    return shapely.union_all([shapely.box(*roads.total_bounds), *known.geometry.values])


def _admin(store: Store, crs, roads: gpd.GeoDataFrame, rng: np.random.Generator  # noqa: ANN001
           ) -> gpd.GeoDataFrame:
    """Real admin areas plus the townships and villages derived inside them."""
    admin = store.read("admin_areas")
    real = admin[~admin["derived"].fillna(False).astype(bool)].to_crs(crs)
    real = real[real["level"].isin(LEVELS)].reset_index(drop=True)
    places = store.read("places").to_crs(crs)
    return derive_villages(real, places, _study_area(roads, real), rng=rng)


def _units(villages: gpd.GeoDataFrame, roads: gpd.GeoDataFrame, barriers: gpd.GeoDataFrame,
           points: gpd.GeoSeries, households: np.ndarray, rng: np.random.Generator
           ) -> gpd.GeoDataFrame:
    units = build_blocks(villages, roads, barriers, min_area_m2=MIN_UNIT_M2)
    cuts: list = []
    for _ in range(SPLIT_PASSES):
        load = count_in(units, points, households)
        new = split_lines(units, load, points, households, cap=SPLIT_CAP_HOUSEHOLDS, rng=rng)
        if not new:
            break
        cuts += new
        units = build_blocks(villages, roads, barriers, min_area_m2=SPLIT_MIN_M2,
                             extra_lines=cuts)
    return units


def _villages_from_units(admin: gpd.GeoDataFrame, units: gpd.GeoDataFrame
                         ) -> gpd.GeoDataFrame:
    """Redraw each village as the union of its units, so villages and units share exact edges
    (clipping and noding move a village edge by at most a few centimetres), and each derived
    township as the union of its villages."""
    unions = {vid: shapely.union_all(g.geometry.values) for vid, g in units.groupby("village_id")}
    admin = admin[(admin["level"] != "village") | admin["area_id"].isin(list(unions))].copy()
    rows = admin["area_id"].isin(list(unions))
    admin.loc[rows, "geometry"] = [unions[v] for v in admin.loc[rows, "area_id"]]
    villages = admin[admin["level"] == "village"]
    towns = {t: shapely.union_all(g.geometry.values) for t, g in villages.groupby("parent_id")}
    rows = (admin["level"] == "township") & admin["derived"].fillna(False).astype(bool)
    admin = admin[~rows | admin["area_id"].isin(list(towns))].copy()
    rows = (admin["level"] == "township") & admin["derived"].fillna(False).astype(bool)
    admin.loc[rows, "geometry"] = [towns[t] for t in admin.loc[rows, "area_id"]]
    return admin.reset_index(drop=True)


def read_census(path: str | Path, *, encoding: str | None = None) -> pd.DataFrame:
    """A census CSV: ``unit_id`` or ``village_id``, ``households`` [, ``population``]."""
    p = require_file(path)
    enc = detect_encoding(p, declared=encoding)
    frame = pd.read_csv(p, encoding=enc, dtype={"unit_id": str, "village_id": str})
    key = next((k for k in ("unit_id", "village_id") if k in frame.columns), None)
    if key is None or "households" not in frame.columns:
        msg = (f"{p}: a census CSV needs a unit_id or village_id column and a households "
               f"column (found: {', '.join(frame.columns)})")
        raise InputFileError(msg)
    hh = pd.to_numeric(frame["households"], errors="coerce")
    if hh.isna().any() or (hh < 0).any():
        rows = ", ".join(str(frame[key][i]) for i in frame.index[hh.isna() | (hh < 0)][:10])
        msg = f"{p}: field 'households' must be a number ≥ 0 (bad at {key} {rows})"
        raise InputFileError(msg)
    return frame.assign(households=hh)


def apply_census(units: pd.DataFrame, census: pd.DataFrame) -> pd.DataFrame:
    """Override estimated households (and population) by a census, per unit or village (a
    village's total spread over its units by the estimate, summing exactly)."""
    units = units.copy()
    if "unit_id" in census.columns:
        known = census.set_index("unit_id")
        hit = units["unit_id"].isin(known.index)
        units.loc[hit, "households"] = units.loc[hit, "unit_id"].map(known["households"])
        if "population" in known.columns:
            units.loc[hit, "population"] = units.loc[hit, "unit_id"].map(known["population"])
        return units
    village = units["village_id"].astype(str).to_numpy(dtype=object)
    est = pd.to_numeric(units["households"], errors="coerce").fillna(0).to_numpy(float)
    totals = dict(zip(census["village_id"].astype(str), census["households"], strict=True))
    new = spread(totals, village, spread_weights(village, [est]))
    given = ~np.isnan(new)
    units.loc[given, "households"] = new[given].astype(int)
    return units


def build_units(store: Store, *, census: str | Path | None = None, seed: int = 0,
                progress: bool = True, register: pd.DataFrame | None = None) -> UnitsResult:
    """Build villages (where missing), units and their figures; write them in one go.

    The stored household register (or *register*, the ``registers`` rows of an import that
    this build then stores too) gives the villages' codes and figures, and its households
    decide which units are heavy enough to split (:func:`gis.register.load_points`).
    """
    rng = np.random.default_rng(seed)
    steps = tqdm(total=4, desc="units build", disable=not progress, unit="step")
    roads = store.read("roads")
    if roads.empty:
        msg = "the store has no roads: run `gridpatrol import osm FILE` first"
        raise UnitsError(msg)
    crs = metric_crs(roads)
    roads = roads.to_crs(crs)
    admin = _admin(store, crs, roads, rng)
    reg_rows, reg_matches = reapply(store, admin, stored=register)
    steps.update()
    villages = admin[admin["level"] == "village"]
    points, loads = village_loads(store, villages, reg_rows, reg_matches)
    units = _units(villages, roads, store.read("barriers").to_crs(crs), points, loads, rng)
    units, admin, moves = connect_villages(units, admin, store.read("places").to_crs(crs))
    for move in moves:
        log.debug("%s", move.describe())
    steps.update()
    admin = _villages_from_units(reapply_codes(admin, reg_rows, reg_matches), units)
    units = number_units(units, admin)
    units = _figures(store, units, crs)
    if census is not None:
        units = apply_census(units, read_census(census))
    units = reapply_figures(units, reg_rows, reg_matches, points, loads)
    zones = _zone_risk(store, roads, crs)
    steps.update()
    with store.transaction() as tx:
        tx.replace("admin_areas", admin.drop(columns="cover").to_crs(4326))
        tx.replace("units", to_lonlat(units))
        tx.replace("fire_zones", zones.to_crs(4326))
        tx.replace("grids", empty_frame(SCHEMAS["grids"]))
        tx.replace("grid_history", empty_frame(SCHEMAS["grid_history"]))
        if register is not None:
            tx.replace("registers", register)
    steps.update()
    steps.close()
    return _result(admin, units, zones, moves)


def _result(admin: gpd.GeoDataFrame, units: gpd.GeoDataFrame, zones: gpd.GeoDataFrame,
            moves: list[PieceMove]) -> UnitsResult:
    derived = admin["derived"].fillna(False).astype(bool)
    levels = {lv: (int(((admin["level"] == lv) & ~derived).sum()),
                   int(((admin["level"] == lv) & derived).sum())) for lv in LEVELS}
    return UnitsResult(
        townships=int((admin["level"] == "township").sum()),
        villages=int((admin["level"] == "village").sum()),
        units=len(units), households=int(units["households"].sum()),
        members=int(units["members"].sum()), pinned=int(units["pinned"].sum()),
        fire_zones=len(zones), levels=levels,
        crossing=len({d for d, _, _ in crossings(admin[derived], admin[~derived])}),
        moves=tuple(moves))


def to_lonlat(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """EPSG:4326; a polygon that reprojection left self-touching (near-coincident vertices a
    few nanodegrees apart) is rebuilt with ``make_valid`` — vertices unchanged, so the
    coverage stays clean.  These are our own derived units, not user input."""
    out = frame.to_crs(4326)
    geoms = np.asarray(out.geometry.values, dtype=object)
    bad = np.flatnonzero(~shapely.is_valid(geoms))
    for i in bad:
        geoms[i] = repair(geoms[i], "MultiPolygon")
    if len(bad):
        log.debug("rebuilt %d unit polygon(s) after reprojection", len(bad))
    return out.set_geometry(gpd.GeoSeries(geoms, crs=4326, index=out.index))


def _figures(store: Store, units: gpd.GeoDataFrame, crs) -> gpd.GeoDataFrame:  # noqa: ANN001
    counts = estimated_counts(store, units)
    mines = store.read("mine_sites").to_crs(crs)
    zones = store.read("fire_zones").to_crs(crs)
    pinned, kind = pinned_units(units, mines)
    return units.assign(
        kind=kind, **counts, mines=count_in(units, mines.geometry).astype(int),
        fire_area_m2=area_in(units, zones).round(1),
        workload=counts["households"].astype(float), grid_id=None, pinned=pinned, figures=None)


def _zone_risk(store: Store, roads: gpd.GeoDataFrame, crs) -> gpd.GeoDataFrame:  # noqa: ANN001
    zones = store.read("fire_zones").to_crs(crs)
    places = store.read("places").to_crs(crs).geometry
    residential = store.read("residential_areas").to_crs(crs).geometry
    settlements = gpd.GeoSeries(pd.concat([places, residential], ignore_index=True), crs=crs)
    score, klass = fire_risk(zones, settlements, roads.geometry)
    return zones.assign(risk_score=score, risk_class=klass, area_m2=zones.geometry.area.round(1),
                        name=_zone_names(zones, store.read("places").to_crs(crs)))


def _zone_names(zones: gpd.GeoDataFrame, places: gpd.GeoDataFrame) -> list[str | None]:
    """Unnamed fire zones are called after the nearest named settlement: "<place> 林区 N"."""
    named = places[places["name"].notna()]
    if named.empty or zones.empty:
        return list(zones["name"])
    _, nearest = named.sindex.nearest(zones.geometry.representative_point().values,
                                      return_all=False)
    counts: dict[str, int] = {}
    names = []
    for own, j in zip(zones["name"], nearest, strict=True):
        if isinstance(own, str) and own.strip():
            names.append(own)
            continue
        place = str(named["name"].iloc[j])
        counts[place] = counts.get(place, 0) + 1
        names.append(f"{place} 林区 {counts[place]}")
    return names
