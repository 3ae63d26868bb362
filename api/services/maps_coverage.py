"""Coverage columns for the leader map: last visit, visit counts, responsible leaders.

* a grid's visits: visits whose ``site_id`` is the grid, or whose point lies in the grid;
* a mine's visits: visits whose ``site_id`` is the mine;
* a fire zone's visits: visits to the zone, to one of its checkpoints, or inside it;
* leaders: 包联 townships (``leader_assignments`` kind ``township``, also ``village``) reach the
  grids, mines and fire zones in them; 挂牌 mines (kind ``mine``, and ``mine_sites.leader``).

Member counts stay counts: residences are counted per grid only when the grid has no
``members`` figure, and no residence point leaves this module.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import geopandas as gpd
import pandas as pd

from layers.store import Reader


def _geo(frame: pd.DataFrame) -> gpd.GeoDataFrame | None:
    if frame is None or len(frame) == 0 or "geometry" not in frame.columns:
        return None
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=getattr(frame, "crs", None) or 4326)


def _stats(ids: pd.Series, times: pd.Series) -> tuple[dict[str, pd.Timestamp], dict[str, int]]:
    df = pd.DataFrame({"id": ids.astype(str).to_numpy(), "time": times.to_numpy()})
    df = df.dropna(subset=["id"])
    last = df.groupby("id")["time"].max().to_dict()
    count = df.groupby("id")["time"].size().to_dict()
    return last, count


def _within(visits: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, id_field: str) -> pd.DataFrame:
    """``(area id, visit index)`` for each visit point inside an area."""
    pts = visits[["geometry"]].copy()
    pts = pts[pts.geometry.notna() & ~pts.geometry.is_empty]
    if pts.empty:
        return pd.DataFrame({"id": [], "visit": []})
    joined = gpd.sjoin(pts, areas[[id_field, "geometry"]], predicate="within", how="inner")
    return pd.DataFrame({"id": joined[id_field].astype(str).to_numpy(),
                         "visit": joined.index.to_numpy()})


def add_coverage(frame: gpd.GeoDataFrame, visits: gpd.GeoDataFrame | None, id_field: str, *,
                 spatial: bool, aliases: dict[str, str] | None = None) -> gpd.GeoDataFrame:
    """*frame* with ``last_visit`` and ``visits`` from *visits*.

    Parameters
    ----------
    spatial
        Also count visits whose point lies inside the feature (polygons).
    aliases
        Other site ids that count as the feature (checkpoint id -> zone id).
    """
    out = frame.copy()
    out["last_visit"] = pd.NaT
    out["visits"] = 0
    if visits is None or visits.empty:
        return out
    visits = visits.reset_index(drop=True)
    times = pd.to_datetime(visits["time"], utc=True, errors="coerce")
    site = visits["site_id"].astype(str).map(lambda s: (aliases or {}).get(s, s))
    pairs = pd.DataFrame({"id": site.to_numpy(), "visit": visits.index.to_numpy()})
    if spatial:
        pairs = pd.concat([pairs, _within(visits, out, id_field)], ignore_index=True)
    pairs = pairs.drop_duplicates()
    last, count = _stats(pairs["id"], times.iloc[pairs["visit"].to_numpy()].reset_index(
        drop=True))
    ids = out[id_field].astype(str)
    out["last_visit"] = pd.to_datetime(ids.map(last), utc=True)
    out["visits"] = ids.map(count).fillna(0).astype(int)
    return out


def _township_of_village(admin: pd.DataFrame) -> dict[str, str]:
    if admin is None or admin.empty:
        return {}
    villages = admin[admin["level"] == "village"]
    return dict(zip(villages["area_id"].astype(str), villages["parent_id"].astype(str),
                    strict=False))


def _leaders_by_target(assignments: pd.DataFrame) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for row in assignments.itertuples():
        out[str(row.target_id)].add(str(row.leader))
    return out


def _areas_leaders(frame: gpd.GeoDataFrame, id_field: str, townships: gpd.GeoDataFrame | None,
                   by_target: dict[str, set[str]]) -> dict[str, set[str]]:
    """Leaders of the townships each feature intersects."""
    out: dict[str, set[str]] = defaultdict(set)
    if townships is None or townships.empty or frame.empty:
        return out
    joined = gpd.sjoin(frame[[id_field, "geometry"]], townships[["area_id", "geometry"]],
                       predicate="intersects", how="inner")
    for fid, area in zip(joined[id_field].astype(str), joined["area_id"].astype(str),
                         strict=True):
        out[fid] |= by_target.get(area, set())
    return out


def _member_counts(grids: gpd.GeoDataFrame, store: Reader) -> gpd.GeoDataFrame:
    if "members" in grids.columns and grids["members"].notna().any():
        return grids
    residences = _geo(store.read("member_residences"))
    out = grids.copy()
    out["members"] = 0
    if residences is None:
        return out
    joined = gpd.sjoin(residences[["geometry"]], out[["grid_id", "geometry"]],
                       predicate="within", how="inner")
    counts = joined["grid_id"].astype(str).value_counts()
    out["members"] = out["grid_id"].astype(str).map(counts).fillna(0).astype(int)
    return out


def leader_layers(store: Reader, *, leader: str | None = None) -> dict[str, Any]:
    """Keyword arguments for :func:`maps.leader.leader_map`, read and computed from *store*.

    With *leader*, only the grids, mines and fire zones that leader answers for are kept.
    """
    admin = _geo(store.read("admin_areas"))
    visits = _geo(store.read("inspections"))
    assignments = store.read("leader_assignments")
    by_target = _leaders_by_target(assignments)
    for area, township in _township_of_village(admin).items():
        by_target[area] |= by_target.get(township, set())
    townships = admin[admin["level"] == "township"] if admin is not None else None
    checkpoints = store.read("checkpoints")
    zone_alias = dict(zip(checkpoints.get("checkpoint_id", pd.Series(dtype=str)).astype(str),
                          checkpoints.get("zone_id", pd.Series(dtype=str)).astype(str),
                          strict=False))
    out: dict[str, Any] = {"admin_areas": admin, "visits": visits}
    grids = _geo(store.read("grids"))
    if grids is not None:
        grids = _member_counts(add_coverage(grids, visits, "grid_id", spatial=True), store)
        grids["leaders"] = [sorted(by_target.get(str(v), set()))
                            for v in grids["village_id"].astype(str)]
    mines = _geo(store.read("mine_sites"))
    if mines is not None:
        mines = add_coverage(mines, visits, "site_id", spatial=False)
        area = _areas_leaders(mines, "site_id", townships, by_target)
        named = mines["leader"] if "leader" in mines.columns else [None] * len(mines)
        mines["leaders"] = [
            sorted(by_target.get(str(sid), set()) | area.get(str(sid), set())
                   | ({str(n)} if isinstance(n, str) and n else set()))
            for sid, n in zip(mines["site_id"].astype(str), named, strict=True)]
    zones = _geo(store.read("fire_zones"))
    if zones is not None:
        zones = add_coverage(zones, visits, "zone_id", spatial=True, aliases=zone_alias)
        area = _areas_leaders(zones, "zone_id", townships, by_target)
        zones["leaders"] = [sorted(area.get(str(z), set())) for z in zones["zone_id"]]
    names = sorted({n for f in (grids, mines, zones) if f is not None for ls in f["leaders"]
                    for n in ls})
    if leader is not None:
        keep = lambda f: None if f is None else f[[leader in ls for ls in f["leaders"]]]  # noqa: E731
        grids, mines, zones = keep(grids), keep(mines), keep(zones)
        names = [leader]
    out.update(grids=grids, mine_sites=mines, fire_zones=zones, leaders=names)
    return out
