"""Importing a household register into the store: :func:`import_register` reads, matches and
writes all or nothing (units' figures, village codes, grid codes, the ``registers`` layer).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from api.services.figures import estimated_counts
from api.services.register import (
    RegisterResult,
    apply_register,
    match_register,
    register_rows,
    village_codes,
    village_frame,
    village_loads,
)
from api.services.units import build_units
from gis.crs import metric_crs
from gis.register import Match
from layers.errors import ValidationError
from layers.importers.register import COUNTS, Register, read_register
from layers.store import Store

log = logging.getLogger(__name__)


def _sum(units: pd.DataFrame, field: str) -> int:
    return int(pd.to_numeric(units[field], errors="coerce").fillna(0).sum())


def _start(store: Store, units: gpd.GeoDataFrame, append: bool) -> gpd.GeoDataFrame:
    """The units to apply a register to: as they are (append), else the build's estimates
    (a new register replaces the last one entirely)."""
    if append:
        return units
    est = estimated_counts(store, units)
    return units.assign(**est, figures=None, workload=est["households"].astype(float))


def _stored(store: Store, rows: pd.DataFrame, append: bool, source: str) -> pd.DataFrame:
    if not append:
        return rows
    old = store.read("registers")
    again = sorted(set(old["village_id"].dropna()) & set(rows["village_id"].dropna()))
    if again:
        problems = [f"{source}: village {v} is already in an imported register "
                    f"({old.loc[old['village_id'] == v, 'register_id'].iloc[0]})" for v in again]
        raise ValidationError(f"{problems[0]}; import without --append to replace the "
                              "register. Nothing was written.", problems)
    return pd.concat([old, rows], ignore_index=True)


def _grid_codes(grids: pd.DataFrame, codes: dict[str, str]) -> pd.DataFrame:
    """Grids of re-coded villages get code = the village's new code + their own sequence."""
    grids = grids.copy()
    hit = grids["village_id"].isin(list(codes)).to_numpy()
    grids.loc[hit, "code"] = [codes[v] + str(c)[-3:] for v, c in zip(
        grids.loc[hit, "village_id"], grids.loc[hit, "code"], strict=True)]
    return grids


def _grid_figures(grids: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    sums = units.groupby("grid_id")[["households", "members"]].sum()
    grids = grids.copy()
    for f in ("households", "members"):
        grids[f] = grids["grid_id"].map(sums[f]).fillna(grids[f])
    return grids


def _spread_onto_grids(store: Store, reg: Register, matches: list[Match], stored: pd.DataFrame,
                       codes: dict[str, str], append: bool) -> None:
    """A store with grids: spread the figures over the units as they are (grids keep their
    units), re-code the grids, in one transaction."""
    units = store.read("units")
    metric = units.to_crs(metric_crs(units))
    villages = store.read("admin_areas", where={"level": "village"}).to_crs(metric.crs)
    new = apply_register(_start(store, metric, append), reg.rows, matches,
                         *village_loads(store, villages, reg.rows, matches))
    new = new.set_geometry(units.geometry.values, crs=units.crs)  # no metric round trip
    admin = store.read("admin_areas")
    admin = admin[admin["area_id"].isin(list(codes))].assign(
        code=lambda a: a["area_id"].map(codes))
    grids = _grid_codes(_grid_figures(store.read("grids"), new), codes)
    with store.transaction() as tx:
        tx.replace("registers", stored)
        tx.upsert("units", new)
        if len(admin):
            tx.upsert("admin_areas", admin)
        tx.upsert("grids", grids)


def write_register(store: Store, reg: Register, matches: list[Match], rows: pd.DataFrame,
                   codes: dict[str, str], *, append: bool) -> RegisterResult:
    """Apply a matched register and store it, all or nothing.

    Before any grids exist the units are built again with the register (so heavy units are
    split by its households); once grids exist the figures are spread over the units as
    they are and the grids keep their units.
    """
    source = reg.table.path.name
    before = {f: _sum(store.read("units"), f) for f in COUNTS}
    stored = _stored(store, rows, append, source)
    has_grids = store.count("grids") > 0
    if has_grids:
        _spread_onto_grids(store, reg, matches, stored, codes, append)
    else:
        build_units(store, register=stored, progress=False)
    after = store.read("units")
    unmatched = tuple(f"{source}:{row}: {name!r} ({', '.join(m.candidates) or 'no close name'})"
                      for row, name, m in zip(reg.rows["row"], reg.rows["name"], matches,
                                              strict=True) if m.how == "unmatched")
    by = {k: sum(m.how == k for m in matches) for k in ("code", "name", "normalised")}
    note = ("grids keep their units; run `gridpatrol balance` to rebalance on the register's "
            "figures") if has_grids else "units built again with the register's households"
    return RegisterResult(
        rows=len(reg.rows), matched=sum(by.values()), by=by, unmatched=unmatched,
        codes=len(codes), households=(before["households"], _sum(after, "households")),
        population=(before["population"], _sum(after, "population")),
        members=(before["members"], _sum(after, "members")), extra=reg.extra, notes=(note,))


def import_register(store: Store, path: str | Path, *, mapping: Mapping[str, str] | None = None,
                    encoding: str | None = None, sheet: str | None = None,
                    append: bool = False) -> RegisterResult:
    """Read, match and apply a register (see :mod:`api.services.register`); all or nothing."""
    reg = read_register(path, mapping=mapping, encoding=encoding, sheet=sheet)
    source = Path(path).name
    admin = store.read("admin_areas")
    villages = village_frame(admin)
    if villages.empty:
        msg = f"{source}: the store has no villages yet: run `gridpatrol units build` first"
        raise ValidationError(msg)
    matches = match_register(reg.rows, villages, source)
    codes = village_codes(reg.rows, matches, admin, source)
    rows = register_rows(reg, matches, source)
    return write_register(store, reg, matches, rows, codes, append=append)
