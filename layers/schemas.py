"""Layer schemas: every layer's geometry type, id field, fields and storage CRS.

One table of record for every layer that GridPatrol stores.  The two store backends
create tables from it, the importers validate against it, and the other packages use
its column names.  Coordinates are stored in WGS 84 (EPSG:4326); CGCS2000 (EPSG:4490)
is accepted as equal on input (the two agree to within a metre).
"""

from __future__ import annotations

from layers.case_schemas import CASE_SCHEMAS
from layers.errors import UnknownLayerError
from layers.schema_types import (  # noqa: F401 - re-exported: the schema vocabulary
    EQUIVALENT_EPSG,
    STORAGE_EPSG,
    Field,
    FieldType,
    GeometryType,
    LayerSchema,
    _f,
)

_SOURCE = _f("source", "str", doc="where the feature came from (osm, gem, file name, derived)")

SCHEMAS: dict[str, LayerSchema] = {
    s.name: s
    for s in (
        LayerSchema(
            "admin_areas",
            "MultiPolygon",
            "area_id",
            (
                _f("area_id", "str", True, "stable id"),
                _f("name", "str", True, "name"),
                _f("level", "str", True, "county | township | village"),
                _f("parent_id", "str", doc="area_id of the containing area"),
                _f("code", "str", doc="12-digit administrative division code, if known"),
                _f("derived", "bool", doc="true where the polygon was derived (Voronoi territory)"),
                _SOURCE,
            ),
            "Township and village/community boundaries.",
            "行政区划",
        ),
        LayerSchema(
            "units",
            "MultiPolygon",
            "unit_id",
            (
                _f("unit_id", "str", True),
                _f("village_id", "str", True, "area_id of the village the unit tiles"),
                _f("kind", "str", True, "block | territory | mine | enterprise"),
                _f("households", "int", True, "estimated or census households"),
                _f("population", "int", True),
                _f("members", "int", True, "party members living in the unit"),
                _f("mines", "int", True, "mine sites in the unit"),
                _f("fire_area_m2", "float", True, "fire-zone area inside the unit, m²"),
                _f("workload", "float", doc="weighted workload index"),
                _f("grid_id", "str", doc="the grid the unit belongs to"),
                _f("pinned", "bool", doc="an exclusive grid (专属网格) unit: never merged"),
                _f("figures", "json", doc="other register figures {name: value} (e.g. 低保户)"),
            ),
            "The building blocks of grids: polygons that tile each village.",
            "基础单元",
        ),
        LayerSchema(
            "grids",
            "MultiPolygon",
            "grid_id",
            (
                _f("grid_id", "str", True),
                _f("village_id", "str", True),
                _f("code", "str", doc="15 digits: village code + 3-digit sequence"),
                _f("version", "int", doc="the village partition version that drew it"),
                _f("households", "int"),
                _f("members", "int"),
                _f("mines", "int"),
                _f("fire_area_m2", "float"),
                _f("workload", "float"),
                _f("deviation", "float", doc="workload / target - 1"),
                _f("worker", "str", doc="the grid worker (网格员)"),
                _f("pinned", "bool"),
            ),
            "Management grids (网格): the dissolve of their units.",
            "网格",
        ),
        LayerSchema(
            "grid_history",
            "None",
            "history_id",
            (
                _f("history_id", "str", True),
                _f("village_id", "str", True),
                _f("version", "int", True),
                _f("author", "str", True),
                _f("time", "datetime", True),
                _f("reason", "str"),
                _f("assignment", "json", True, "{unit_id: grid_id} after this version"),
            ),
            "Every committed version of each village's partition (for history and revert).",
            "网格历史",
        ),
        LayerSchema(
            "registers",
            "None",
            "register_id",
            (
                _f("register_id", "str", True, "file name and row"),
                _f("village_code", "str", doc="12-digit village code (统计用区划代码)"),
                _f("village_name", "str", doc="the village's name as the register writes it"),
                _f("township", "str", doc="its township's name, if the register gives it"),
                _f("households", "int"),
                _f("population", "int"),
                _f("members", "int", doc="party members (counted like residences)"),
                _f("figures", "json", doc="other numeric columns {header: value}"),
                _f("village_id", "str", doc="the village it matched when imported"),
                _SOURCE,
                _f("row", "int", doc="the row in the source file"),
            ),
            "Household registers (户籍台账): figures per village, spread over its units.",
            "户籍台账",
        ),
        LayerSchema(
            "mine_sites",
            "Point",
            "site_id",
            (
                _f("site_id", "str", True),
                _f("name", "str"),
                _f("kind", "str", True, "coal_mine | quarry | other_mine | enterprise"),
                _f("status", "str", doc="producing | suspended | closed | abandoned | proposed"),
                _f("owner", "str"),
                _f("capacity_mtpa", "float", doc="coal output capacity, Mt per year"),
                _f("mine_type", "str", doc="underground | surface | ..."),
                _f("coal_type", "str"),
                _f("coalfield", "str"),
                _f("area_m2", "float", doc="footprint area when the source was a polygon"),
                _f("leader", "str", doc="the city leader with the named inspection duty (挂牌)"),
                _f("access_lon", "float", doc="where inspectors reach the mine (its gate on "
                   "the haul road), lon; default: the mine's own point"),
                _f("access_lat", "float", doc="the access point's lat"),
                _SOURCE,
                _f("source_id", "str", doc="id in the source (GEM Mine ID, OSM id)"),
            ),
            "Coal mines, other mines, quarries and large enterprises.",
            "矿点",
        ),
        LayerSchema(
            "fire_zones",
            "MultiPolygon",
            "zone_id",
            (
                _f("zone_id", "str", True),
                _f("name", "str"),
                _f("area_m2", "float", True),
                _f("risk_class", "int", doc="1 low, 2 medium, 3 high (documented rule)"),
                _f("risk_score", "float"),
                _SOURCE,
            ),
            "Forest fire-prevention zones (护林防火区), from forests and woods.",
            "护林防火区",
        ),
        LayerSchema(
            "checkpoints",
            "Point",
            "checkpoint_id",
            (
                _f("checkpoint_id", "str", True),
                _f("zone_id", "str", True, "the fire zone the road enters"),
                _f("road_name", "str"),
                _f("node", "str", doc="road-graph node id"),
            ),
            "Fire checkpoints (卡口): where roads enter a fire zone.",
            "卡口",
        ),
        LayerSchema(
            "member_residences",
            "Point",
            "member_id",
            (
                _f("member_id", "str", True),
                _f("synthetic", "bool", True, "true for generated demo data"),
                _SOURCE,
            ),
            "Where party members live (党员住址): personal data, counted per grid.",
            "党员住址",
            personal=True,
        ),
        LayerSchema(
            "roads",
            "LineString",
            "road_id",
            (
                _f("road_id", "str", True),
                _f("highway", "str", True, "OSM highway class"),
                _f("name", "str"),
                _f("name_zh", "str", doc="Chinese name (OSM name:zh), when the data has it"),
                _f("ref", "str"),
                _f("oneway", "bool"),
                _f("maxspeed_kmh", "float"),
                _SOURCE,
            ),
            "The drivable road network, one feature per way.",
            "道路",
        ),
        LayerSchema(
            "places",
            "Point",
            "place_id",
            (
                _f("place_id", "str", True),
                _f("name", "str"),
                _f("name_zh", "str", doc="Chinese name (OSM name:zh), when the data has it"),
                _f("place", "str", True, "town | village | hamlet | ..."),
                _f("population", "int"),
                _SOURCE,
            ),
            "Named settlements (place points).",
            "居民点",
        ),
        LayerSchema(
            "waterways",
            "LineString",
            "waterway_id",
            (
                _f("waterway_id", "str", True),
                _f("kind", "str", True, "river | canal | stream | ditch | drain"),
                _f("name", "str"),
                _f("name_zh", "str", doc="Chinese name (OSM name:zh)"),
                _SOURCE,
            ),
            "Rivers, canals and streams (drawn by the offline basemap).",
            "水系",
        ),
        LayerSchema(
            "water_areas",
            "MultiPolygon",
            "water_id",
            (
                _f("water_id", "str", True),
                _f("kind", "str", True, "lake | reservoir | river | basin | wetland"),
                _f("name", "str"),
                _f("name_zh", "str", doc="Chinese name (OSM name:zh)"),
                _SOURCE,
            ),
            "Lakes, reservoirs, river areas and ponds (drawn by the offline basemap).",
            "水域",
        ),
        LayerSchema(
            "residential_areas",
            "MultiPolygon",
            "area_id",
            (_f("area_id", "str", True), _f("name", "str"), _SOURCE),
            "Residential land use.",
            "居住区",
        ),
        LayerSchema(
            "buildings",
            "MultiPolygon",
            "building_id",
            (
                _f("building_id", "str", True),
                _f("building", "str", doc="OSM building value"),
                _f("levels", "int"),
                _f("residential", "bool", True, "counted for households"),
                _SOURCE,
            ),
            "Buildings (households are estimated from the residential ones).",
            "建筑",
        ),
        LayerSchema(
            "barriers",
            "LineString",
            "barrier_id",
            (_f("barrier_id", "str", True), _f("kind", "str", True, "river | motorway | rail"),
             _f("name", "str"), _SOURCE),
            "Lines a grid may not cross (rivers, expressways, railways).",
            "障碍线",
        ),
        LayerSchema(
            "fire_stations",
            "Point",
            "station_id",
            (_f("station_id", "str", True), _f("name", "str"), _SOURCE),
            "Fire stations.",
            "消防站",
        ),
        LayerSchema(
            "offices",
            "Point",
            "office_id",
            (_f("office_id", "str", True), _f("name", "str"),
             _f("kind", "str", doc="townhall | government"), _SOURCE),
            "Town halls and government offices (default depots).",
            "政府机关",
        ),
        LayerSchema(
            "plans",
            "LineString",
            "plan_id",
            (
                _f("plan_id", "str", True, "unguessable id"),
                _f("date", "str", True, "ISO date"),
                _f("team", "str", True),
                _f("status", "str", True, "draft | dispatched"),
                _f("stops", "json", True, "ordered stops with arrival/departure times"),
                _f("drive_s", "float"),
                _f("seed", "int", doc="never shown to inspectors"),
                _f("start", "str", doc="HH:MM the day starts (local time)"),
                _f("skipped", "json", doc="sites left out that day: site_id, name, kind, "
                   "distance_m, reason"),
                _f("created_by", "str"),
                _f("created_at", "datetime"),
                _f("dispatched_at", "datetime"),
            ),
            "Sealed day plans: team, date, stops and the road path.",
            "巡查计划",
        ),
        LayerSchema(
            "inspections",
            "Point",
            "visit_id",
            (
                _f("visit_id", "str", True),
                _f("plan_id", "str"),
                _f("site_id", "str", True),
                _f("site_kind", "str"),
                _f("inspector", "str", True),
                _f("time", "datetime", True),
                _f("findings", "str"),
                _f("has_findings", "bool"),
            ),
            "Visits actually made (who, when, where, what was found).",
            "检查记录",
        ),
        LayerSchema(
            "users",
            "None",
            "username",
            (
                _f("username", "str", True),
                _f("role", "str", True, "admin | planner | inspector | leader"),
                _f("password_hash", "str", True),
                _f("team", "str", doc="inspector's team"),
                _f("township_id", "str", doc="planner's scope, if any"),
            ),
            "Users and roles.",
            "用户",
        ),
        LayerSchema(
            "leader_assignments",
            "None",
            "assignment_id",
            (
                _f("assignment_id", "str", True),
                _f("leader", "str", True),
                _f("kind", "str", True, "township | mine"),
                _f("target_id", "str", True, "area_id or site_id"),
            ),
            "Leaders' standing responsibilities (包联 townships, 挂牌 coal mines).",
            "包联",
        ),
        LayerSchema(
            "audit_log",
            "None",
            "event_id",
            (
                _f("event_id", "str", True),
                _f("time", "datetime", True),
                _f("user", "str", True),
                _f("action", "str", True),
                _f("object", "str"),
                _f("detail", "json"),
            ),
            "Who did what, when.",
            "审计日志",
        ),
        LayerSchema(
            "service_secrets",
            "None",
            "secret_id",
            (
                _f("secret_id", "str", True, "e.g. jwt"),
                _f("value", "str", True, "the secret (generated once per store)"),
                _f("created_at", "datetime"),
            ),
            "Service keys generated once per store (the token signing key when none is set).",
            "服务密钥",
        ),
    )
}

SCHEMAS.update({s.name: s for s in CASE_SCHEMAS})


def schema_for(layer: str) -> LayerSchema:
    """The schema of *layer*, or :class:`~layers.errors.UnknownLayerError` naming the known
    layers."""
    try:
        return SCHEMAS[layer]
    except KeyError:
        known = ", ".join(sorted(SCHEMAS))
        msg = f"unknown layer {layer!r}: the layers are {known}"
        raise UnknownLayerError(msg) from None
