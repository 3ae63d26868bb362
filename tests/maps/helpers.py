"""Small helpers for the map tests: build the three maps from the tiny frames, read GeoJSON."""

from __future__ import annotations

import json
import re
from typing import Any

import folium
import map_frames as mf

from maps.inspector import inspector_map
from maps.leader import leader_map
from maps.page import MapOptions
from maps.planner import planner_map


def planner(options: MapOptions | None = None) -> folium.Map:
    units = mf.units()
    return planner_map(grids=mf.grids(units), units=units, admin_areas=mf.admin_areas(),
                       mine_sites=mf.mine_sites(), fire_zones=mf.fire_zones(), options=options)


def leader(options: MapOptions | None = None) -> folium.Map:
    import pandas as pd

    grids = mf.grids()
    grids["last_visit"] = [None, pd.Timestamp("2025-03-01T08:00Z"),
                           pd.Timestamp("2025-04-09T08:00Z"), None]
    grids["leaders"] = [["赵市长"], ["赵市长"], ["钱副市长"], []]
    mines = mf.mine_sites()
    mines["last_visit"] = [pd.Timestamp("2025-04-08T09:30Z"), None]
    mines["leaders"] = [["赵市长"], ["钱副市长"]]
    return leader_map(today=mf.today(), grids=grids, mine_sites=mines,
                      fire_zones=mf.fire_zones(), admin_areas=mf.admin_areas(),
                      visits=mf.visits(), leaders=["赵市长", "钱副市长"], options=options)


def inspector(options: MapOptions | None = None) -> folium.Map:
    stops = mf.plan_stops()
    return inspector_map(stops=stops, path=mf.plan_path(stops), team="甲组", date="2025-04-10",
                         drive_s=5400, options=options)


def geojson_layers(m: folium.Map) -> dict[str, dict[str, Any]]:
    """``{layer name: FeatureCollection}`` of the GeoJson layers of *m*."""
    return {child.layer_name: child.data for child in m._children.values()
            if isinstance(child, folium.GeoJson)}


def coordinates(html: str) -> list[str]:
    """Every number written in a GeoJSON ``coordinates`` array of the page."""
    out: list[str] = []
    for block in re.findall(r'"coordinates":\s*(\[[\d\s\.,\-\[\]]*\])', html):
        out.extend(re.findall(r"-?\d+\.?\d*", block))
    return out


def unescape(html: str) -> str:
    """*html* with JSON ``\\uXXXX`` escapes turned back into characters."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda mt: chr(int(mt.group(1), 16)), html)


def settings_block(html: str) -> dict[str, Any]:
    """The page settings JSON block."""
    text = re.search(r'<script id="gridpatrol-settings" type="application/json">(.*?)</script>',
                     html, re.S).group(1)
    return json.loads(text.replace("<\\/", "</"))
