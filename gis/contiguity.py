"""Every village in one piece: what ``units build`` does with a village's island units.

A village's units must form one rook-connected piece (the grids are drawn on that graph,
:func:`gis.adjacency.build_graph`).  For every village whose units fall into several pieces,
the largest piece (by area) stays; each other piece

* **joins** the derived village of the same real area (:func:`gis.nesting.finest_cover`) it
  shares the longest boundary with — never a real village, never across a real boundary;
* else **becomes a village of its own**, derived, in the same township, named after the most
  important place inside it, else "<village> 飞地 N" (an exclave).

A real village's further pieces always become villages of their own: a real boundary is not
moved.  The moves are reported (:class:`PieceMove`), so the planner sees what was done.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.adjacency import MIN_SHARED_M, build_graph
from gis.divisions import PLACEHOLDER_COUNTY, next_codes
from gis.territories import place_name
from gis.units import shared_edges

MAX_PASSES = 4


@dataclass(frozen=True)
class PieceMove:
    """One island piece of a village and what became of it."""

    village_id: str
    village: str
    units: int
    area_m2: float
    action: Literal["joined", "new village"]
    target: str

    def describe(self) -> str:
        """One line for the build report."""
        what = "joined village" if self.action == "joined" else "became village"
        return (f"village {self.village} ({self.village_id}): a piece of {self.units} unit(s), "
                f"{self.area_m2 / 10_000:.1f} ha, touching no other unit of it, {what} "
                f"{self.target}")


def _pieces(units: gpd.GeoDataFrame) -> list[tuple[str, np.ndarray]]:
    """``(village_id, unit rows)`` of every piece but each village's largest (by area)."""
    frame = units.assign(_uid=np.arange(len(units)).astype(str))
    graph = build_graph(frame, id_field="_uid")
    area = frame.geometry.area.to_numpy()
    out = []
    for vid in pd.unique(frame["village_id"]):
        comps = graph.components(np.flatnonzero(graph.village == str(vid)))
        comps = sorted(comps, key=lambda c: -area[c].sum())
        out += [(str(vid), c) for c in comps[1:]]
    return out


def _host(rows: np.ndarray, vid: str, units: gpd.GeoDataFrame, admin: pd.DataFrame,
          edges: pd.DataFrame) -> str | None:
    """The derived village of the same real area that the piece shares most boundary with."""
    info = admin.set_index("area_id")
    if not bool(info.loc[vid, "derived"]):
        return None
    inside = np.zeros(len(units), dtype=bool)
    inside[rows] = True
    cross = edges[inside[edges["a"]] ^ inside[edges["b"]]]
    other = np.where(inside[cross["a"]], cross["b"], cross["a"])
    village = units["village_id"].to_numpy()
    lengths = pd.Series(cross["length"].to_numpy()).groupby(village[other]).sum()
    lengths = lengths.drop(vid, errors="ignore").sort_values(ascending=False)
    for host in lengths.index:
        if bool(info.loc[host, "derived"]) and _same(info.loc[host, "cover"],
                                                     info.loc[vid, "cover"]):
            return str(host)
    return None


def _same(a: object, b: object) -> bool:
    return (pd.isna(a) and pd.isna(b)) or a == b


def _new_code(admin: gpd.GeoDataFrame, village_code: object) -> str:
    """The next free village code in the township of *village_code*."""
    pre = str(village_code)[:9] if isinstance(village_code, str) else ""
    pre = pre if len(pre) == 9 and pre.isdigit() else PLACEHOLDER_COUNTY + "999"
    used = [str(c) for c in admin.loc[admin["level"] == "village", "code"] if isinstance(c, str)]
    return next_codes(pre, used, 1)[0]


def connect_villages(units: gpd.GeoDataFrame, admin: gpd.GeoDataFrame,
                     places: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame,
                                                        list[PieceMove]]:
    """Make every village's units one connected piece (metric CRS throughout).

    Parameters
    ----------
    units
        ``village_id`` and geometry.
    admin
        ``area_id``, ``name``, ``level``, ``parent_id``, ``derived``, ``cover`` (the finest
        real area over the village) and geometry.
    places
        Named places (``name``, ``place``), for naming new villages.

    Returns the units (``village_id`` updated), the admin areas (new villages appended, coded
    after their township's other villages) and the moves made.
    """
    units = units.copy()
    admin = admin.reset_index(drop=True)
    moves: list[PieceMove] = []
    for _ in range(MAX_PASSES):
        pieces = _pieces(units)
        if not pieces:
            break
        edges = shared_edges(np.asarray(units.geometry.values))
        edges = edges[edges["length"] > MIN_SHARED_M]
        for vid, rows in sorted(pieces, key=lambda p: -units.geometry.iloc[p[1]].area.sum()):
            moves.append(_move(units, admin, vid, rows, edges, places))
    return units, admin, moves


def _move(units: gpd.GeoDataFrame, admin: gpd.GeoDataFrame, vid: str, rows: np.ndarray,
          edges: pd.DataFrame, places: gpd.GeoDataFrame) -> PieceMove:
    names = dict(zip(admin["area_id"], admin["name"], strict=False))
    geom = shapely.union_all(units.geometry.values[rows])
    host = _host(rows, vid, units, admin, edges)
    col = units.columns.get_loc("village_id")
    if host is not None:
        units.iloc[rows, col] = host
        return PieceMove(vid, str(names[vid]), len(rows), geom.area, "joined", str(names[host]))
    src = admin.loc[admin["area_id"] == vid].iloc[0]
    same = admin["name"].astype(str).str.startswith(f"{src['name']} 飞地 ").sum()
    name = place_name(geom, places) or f"{src['name']} 飞地 {same + 1}"
    code = _new_code(admin, src["code"])
    new_id = f"v{code}"
    admin.loc[len(admin)] = {**src.to_dict(), "area_id": new_id, "name": name, "code": code,
                             "derived": True, "geometry": geom}
    units.iloc[rows, col] = new_id
    return PieceMove(vid, str(src["name"]), len(rows), geom.area, "new village", name)
