"""``gridpatrol import register``: a county's household register onto its villages and units.

The register's rows are matched to villages (:func:`gis.register.match_rows`), checked as a
whole (a village twice, a name fitting several villages, names that match no village at all
refuse the file; nothing is written), then:

* every matched figure is spread over the village's units so that the integer totals per
  village equal the register exactly (:func:`gis.register.spread`);
* register members replace the residence counts of those villages (they count like
  residences for workload and maps);
* the register's village codes become the villages' codes, and the grids' codes follow (the
  village code + the grid's own 3-digit sequence);
* the rows are kept in the ``registers`` layer, so ``units build`` applies them again to new
  units.

Names that match no village are listed with the closest candidates; the rest is applied.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from gis.figures import HOUSEHOLD_SIZE
from gis.register import Match, match_rows
from layers.errors import ValidationError
from layers.importers.register import COUNTS, Register
from layers.store import Reader

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegisterResult:
    """What :func:`import_register` did."""

    rows: int
    matched: int
    by: dict[str, int]
    unmatched: tuple[str, ...]
    codes: int
    households: tuple[int, int]
    population: tuple[int, int]
    members: tuple[int, int]
    extra: tuple[str, ...] = ()
    totals_skipped: int = 0
    notes: tuple[str, ...] = field(default=())

    def lines(self) -> list[str]:
        """The import report."""
        how = ", ".join(f"{n} by {k}" for k, n in self.by.items() if n)
        out = [f"register rows  {self.rows:>7}",
               f"matched        {self.matched:>7}  ({how})",
               f"village codes  {self.codes:>7}  set from the register",
               f"households     {self.households[0]:>7} → {self.households[1]}",
               f"population     {self.population[0]:>7} → {self.population[1]}",
               f"members        {self.members[0]:>7} → {self.members[1]}"]
        if self.extra:
            out.append(f"other figures  {', '.join(self.extra)}")
        if self.unmatched:
            out.append(f"unmatched      {len(self.unmatched):>7}  (not applied):")
            out += [f"  {u}" for u in self.unmatched]
        return out + list(self.notes)


def village_frame(admin: pd.DataFrame) -> pd.DataFrame:
    """The villages of *admin* with their township's name, for matching."""
    towns = admin[admin["level"] == "township"].set_index("area_id")["name"]
    villages = admin[admin["level"] == "village"][["area_id", "name", "code", "parent_id"]]
    return villages.assign(township=villages["parent_id"].map(towns)).reset_index(drop=True)


def match_register(reg: pd.DataFrame, villages: pd.DataFrame, source: str) -> list[Match]:
    """Matches, refusing the register on duplicates, ambiguity, or when nothing matches."""
    towns = list(reg["township"]) if reg["township"].notna().any() else None
    matches = match_rows(list(reg["code"]), list(reg["name"]), towns, villages)
    problems = []
    seen: dict[str, int] = {}
    for row, m in zip(reg["row"], matches, strict=True):
        if m.how == "ambiguous":
            problems.append(f"{source}:{row}: the name fits several villages "
                            f"({'; '.join(m.candidates)}); add a 乡镇 (township) column or "
                            "the 12-digit village code")
        if m.village_id is not None and m.village_id in seen:
            problems.append(f"{source}:{row}: the village {m.village_id} appears twice (also "
                            f"row {seen[m.village_id]}); keep one row per village")
        elif m.village_id is not None:
            seen[m.village_id] = int(row)
    if problems:
        raise ValidationError(f"{source}: {len(problems)} problem(s) matching the register to "
                              f"villages: {problems[0]}. Nothing was written.", problems)
    if not seen:
        listed = [_unmatched_line(source, r, n, m) for r, n, m in
                  zip(reg["row"], reg["name"], matches, strict=True)][:20]
        raise ValidationError(f"{source}: no row of the register matches a village of the "
                              "store (by code or name); check that it belongs to this county "
                              "and that `gridpatrol units build` has run. Nothing was written.",
                              listed)
    return matches


def _unmatched_line(source: str, row: object, name: object, m: Match) -> str:
    close = f"closest: {', '.join(m.candidates)}" if m.candidates else "no close name"
    return f"{source}:{row}: {name!r} matches no village ({close})"


def register_totals(reg: pd.DataFrame, matches: list[Match]) -> dict[str, float]:
    """Households per matched village (population / 2.62 where only population is given):
    the load the register puts on each village."""
    out = {}
    for m, hh, pop in zip(matches, reg["households"], reg["population"], strict=True):
        if m.village_id and pd.notna(hh):
            out[m.village_id] = float(hh)
        elif m.village_id and pd.notna(pop):
            out[m.village_id] = float(pop) / HOUSEHOLD_SIZE
    return out


def village_loads(store: Reader, villages: gpd.GeoDataFrame, reg: pd.DataFrame,
                  matches: list[Match]) -> tuple[gpd.GeoSeries, np.ndarray]:
    """Points carrying households, with the register's totals on its villages and the
    buildings' estimate elsewhere (:func:`gis.register.load_points`; metric CRS)."""
    from gis.figures import estimate_households
    from gis.register import load_points

    buildings = store.read("buildings").to_crs(villages.crs)
    land = store.read("residential_areas").to_crs(villages.crs)
    return load_points(villages, buildings, estimate_households(buildings),
                       register_totals(reg, matches), land)


def apply_register(units: gpd.GeoDataFrame, reg: pd.DataFrame, matches: list[Match],
                   points: gpd.GeoSeries, loads: np.ndarray) -> gpd.GeoDataFrame:
    """Spread the matched rows' figures over *units* by the household *loads* at *points*
    (:func:`village_loads`; metric CRS); returns a copy."""
    from gis.figures import count_in
    from gis.register import spread, spread_weights

    units = units.copy()
    village = units["village_id"].astype(str).to_numpy(dtype=object)
    weight = spread_weights(village, [count_in(units, points, loads),
                                      units.geometry.area.to_numpy()])
    vids = [m.village_id for m in matches]
    for fld in COUNTS:
        totals = {v: t for v, t in zip(vids, reg[fld], strict=True) if v and pd.notna(t)}
        if not totals:
            continue
        new = spread(totals, village, weight)
        given = ~np.isnan(new)
        units.loc[given, fld] = new[given].astype(int)
        if fld == "households" and not {v for v, t in zip(vids, reg["population"],
                                                            strict=True) if pd.notna(t)}:
            units.loc[given, "population"] = np.round(new[given] * HOUSEHOLD_SIZE).astype(int)
    units["figures"] = _extra_figures(units, reg, vids, village, weight)
    if "households" in reg and reg["households"].notna().any():
        units["workload"] = pd.to_numeric(units["households"]).astype(float)
    return units


def _extra_figures(units: pd.DataFrame, reg: pd.DataFrame, vids: list[str | None],
                   village: np.ndarray, weight: np.ndarray) -> list[dict | None]:
    from gis.register import spread

    names = sorted({k for figs in reg["figures"] for k in figs})
    old = units["figures"] if "figures" in units else pd.Series([None] * len(units))
    out = [dict(f) if isinstance(f, dict) else {} for f in old]
    for name in names:
        totals = {v: figs[name] for v, figs in zip(vids, reg["figures"], strict=True)
                  if v and name in figs}
        whole = all(float(t).is_integer() for t in totals.values())
        values = spread(totals, village, weight, integer=whole)
        for i in np.flatnonzero(~np.isnan(values)):
            out[i][name] = int(values[i]) if whole else round(float(values[i]), 6)
    return [d or None for d in out]


def register_rows(reg: Register, matches: list[Match], source: str) -> pd.DataFrame:
    """The ``registers`` layer rows of a read register."""
    r = reg.rows
    return pd.DataFrame({
        "register_id": [f"{source}:{row}" for row in r["row"]],
        "village_code": r["code"], "village_name": r["name"], "township": r["township"],
        **{f: r[f].astype("Float64").round().astype("Int64") for f in COUNTS},
        "figures": [f or None for f in r["figures"]],
        "village_id": [m.village_id for m in matches], "source": source, "row": r["row"]})


def village_codes(reg: pd.DataFrame, matches: list[Match], admin: pd.DataFrame,
                  source: str) -> dict[str, str]:
    """``{village area_id: register code}`` where the register gives one; refuses a code
    already held by another village."""
    new = {m.village_id: c for m, c in zip(matches, reg["code"], strict=True)
           if m.village_id and isinstance(c, str)}
    holders = {str(c): str(a) for a, c in zip(admin["area_id"], admin["code"], strict=True)
               if isinstance(c, str) and str(a) not in new}
    clash = [f"{source}: code {c} of village {v} is already the code of {holders[c]}; "
             "correct the code in the register or in admin_areas" for v, c in new.items()
             if c in holders]
    if clash:
        raise ValidationError(f"{clash[0]}. Nothing was written.", clash)
    return new
