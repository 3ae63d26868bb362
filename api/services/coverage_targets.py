"""What coverage is counted for: grids, mines, fire zones, townships and villages, as targets.

Each target carries what a leader reads beside its figures: a ``name`` that is never blank
(an unnamed mine or zone is called by its kind and the nearest village, e.g. "采石场（东关村
附近）"), the ``township`` and ``village`` it lies in (names), and the ``leaders`` who answer
for it:

* 包联 townships (``leader_assignments`` kind ``township``, also ``village``) reach the
  villages, grids, mines and fire zones in them;
* 挂牌 mines: ``leader_assignments`` kind ``mine`` and the mine's own ``leader`` field, both
  shown in the mine's ``leader`` column.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import pandas as pd

from gis.coverage import locate
from layers.store import Reader
from maps.i18n import keys, t

Kind = Literal["grid", "mine", "fire_zone", "township", "village"]
KINDS: tuple[str, ...] = ("grid", "mine", "fire_zone", "township", "village")
#: ``kind → (layer, id field)``.
LAYERS = {"grid": ("grids", "grid_id"), "mine": ("mine_sites", "site_id"),
          "fire_zone": ("fire_zones", "zone_id"), "township": ("admin_areas", "area_id"),
          "village": ("admin_areas", "area_id")}


def geo(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """*frame* as a GeoDataFrame in EPSG:4326 (the store's frames already are)."""
    if isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None:
        return frame
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)


@dataclass(frozen=True)
class Places:
    """The admin areas and leader assignments that every target kind is described with."""

    townships: gpd.GeoDataFrame
    villages: gpd.GeoDataFrame
    names: dict[str, str]
    parent: dict[str, str]
    leaders: dict[str, set[str]] = field(default_factory=dict)
    named_mines: dict[str, set[str]] = field(default_factory=dict)


def read_places(store: Reader) -> Places:
    """Townships, villages, their names and parents, and who answers for what."""
    admin = geo(store.read("admin_areas"))
    names = {str(a): str(n) for a, n in zip(admin["area_id"], admin["name"], strict=True)
             if isinstance(n, str) and n}
    villages = admin[admin["level"] == "village"]
    parent = {str(v): str(p) for v, p in zip(villages["area_id"], villages["parent_id"],
                                             strict=True) if isinstance(p, str)}
    leaders: dict[str, set[str]] = defaultdict(set)
    named: dict[str, set[str]] = defaultdict(set)
    for row in store.read("leader_assignments").itertuples():
        leaders[str(row.target_id)].add(str(row.leader))
        if row.kind == "mine":
            named[str(row.target_id)].add(str(row.leader))
    for village, township in parent.items():
        leaders[village] |= leaders.get(township, set())
    return Places(admin[admin["level"] == "township"], villages, names, parent, dict(leaders),
                  dict(named))


def _in_townships(frame: gpd.GeoDataFrame, places: Places) -> list[set[str]]:
    """Leaders of the townships each feature of *frame* intersects."""
    out: list[set[str]] = [set() for _ in range(len(frame))]
    if places.townships.empty or frame.empty:
        return out
    left = gpd.GeoDataFrame({"_pos": range(len(frame))}, geometry=frame.geometry.to_numpy(),
                            crs=frame.crs)
    joined = gpd.sjoin(left, places.townships[["area_id", "geometry"]],
                       predicate="intersects", how="inner")
    for pos, area in zip(joined["_pos"], joined["area_id"].astype(str), strict=True):
        out[int(pos)] |= places.leaders.get(area, set())
    return out


def _where(frame: gpd.GeoDataFrame, places: Places) -> tuple[pd.Series, pd.Series]:
    """``(village id, township id)`` of each feature (nearest village when outside all)."""
    village = locate(frame, places.villages, area_field="area_id")
    township = village.map(lambda v: places.parent.get(str(v)) if v is not None else None)
    missing = township.isna().to_numpy()
    if missing.any() and not places.townships.empty:
        township[missing] = locate(frame[missing], places.townships, area_field="area_id")
    return village, township


def _fallback_names(frame: gpd.GeoDataFrame, kinds: pd.Series, lang: str) -> list[str]:
    """Kind + nearest village for unnamed features, numbered when one village has several."""
    labels = []
    for kind, place, fid in zip(kinds, frame["village"], frame["id"], strict=True):
        key = f"kind_{kind}"
        label = t(key, lang) if key in keys() else str(kind or t("kind_site", lang))
        labels.append(t("unnamed_near", lang).format(kind=label, place=place) if place
                      else f"{label} {fid}")
    series = pd.Series(labels, index=frame.index)
    dup = series.duplicated(keep=False)
    number = series.groupby(series).cumcount() + 1
    return [f"{s} {n}" if d else s for s, n, d in zip(series, number, dup, strict=True)]


def _fill_names(frame: gpd.GeoDataFrame, kinds: pd.Series, lang: str) -> None:
    blank = frame["name"].isna() | (frame["name"].astype(str).str.strip() == "")
    if blank.any():
        frame.loc[blank, "name"] = _fallback_names(frame[blank], kinds[blank], lang)


def _grids(store: Reader, places: Places, lang: str) -> gpd.GeoDataFrame:
    out = geo(store.read("grids"))
    out["id"] = out["grid_id"].astype(str)
    out["kind"] = "grid"
    vid = out["village_id"].astype(str)
    out["village"] = vid.map(places.names)
    out["township"] = vid.map(places.parent).map(places.names)
    seq = out["code"].astype("string").str[-3:].fillna(out["id"])
    out["name"] = [t("grid_name", lang).format(village=v if isinstance(v, str) else "", seq=s)
                   .strip() for v, s in zip(out["village"], seq, strict=True)]
    out["leaders"] = [sorted(places.leaders.get(v, set())) for v in vid]
    return out


def _sites(store: Reader, kind: Kind, places: Places, lang: str) -> gpd.GeoDataFrame:
    layer, id_field = LAYERS[kind]
    out = geo(store.read(layer))
    out["id"] = out[id_field].astype(str)
    kinds = out["kind"] if kind == "mine" else pd.Series(kind, index=out.index)
    village, township = _where(out, places)
    out["village"] = village.map(places.names.get)
    out["township"] = township.map(places.names.get)
    _fill_names(out, kinds, lang)
    area = _in_townships(out, places)
    if kind == "mine":
        own = out["leader"] if "leader" in out.columns else pd.Series(None, index=out.index)
        named = [places.named_mines.get(i, set()) | ({n} if isinstance(n, str) and n else set())
                 for i, n in zip(out["id"], own, strict=True)]
        out["leader"] = ["、".join(sorted(n)) or None for n in named]
        area = [a | n | places.leaders.get(i, set())
                for a, n, i in zip(area, named, out["id"], strict=True)]
    out["kind"] = kinds
    out["leaders"] = [sorted(a) for a in area]
    return out


def _areas(store: Reader, kind: Kind, places: Places) -> gpd.GeoDataFrame:
    out = geo(store.read("admin_areas", where={"level": kind}))
    out["id"] = out["area_id"].astype(str)
    out["kind"] = kind
    out["name"] = out["name"].fillna(out["id"])
    if kind == "township":
        out["township"], out["village"] = out["name"], None
    else:
        out["village"] = out["name"]
        out["township"] = out["id"].map(places.parent).map(places.names)
    out["leaders"] = [sorted(places.leaders.get(i, set())) for i in out["id"]]
    return out


def read_targets(store: Reader, kind: Kind, places: Places, *, lang: str = "zh"
                 ) -> gpd.GeoDataFrame:
    """The *kind* layer with ``id``, ``name``, ``kind``, ``township``, ``village``, ``leaders``.

    The layer's own columns are kept (``code``, ``status``, ``worker`` …); a mine's
    ``leader`` becomes every leader with its 挂牌 duty, joined by "、".
    """
    if kind == "grid":
        return _grids(store, places, lang)
    if kind in ("township", "village"):
        return _areas(store, kind, places)
    return _sites(store, kind, places, lang)

