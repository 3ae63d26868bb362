"""The three maps rendered to HTML: layers, counts, labels, edit settings, privacy."""

from __future__ import annotations

import helpers
import map_frames as mf
import pytest

from maps.assets import render_html
from maps.errors import MapInputError
from maps.i18n import keys, t
from maps.inspector import clock, split_stops
from maps.page import MapOptions


def test_label_tables_agree() -> None:
    for key in keys():
        assert t(key, "zh") and t(key, "en")
    with pytest.raises(MapInputError, match="zh"):
        t("grids", "fr")


def test_planner_layers_and_counts() -> None:
    layers = helpers.geojson_layers(helpers.planner())
    counts = {name: len(fc["features"]) for name, fc in layers.items()}
    assert counts == {"网格": 4, "基础单元": 8, "护林防火区": 1, "村/社区边界": 2,
                      "乡镇/街道边界": 1, "矿点": 2}


def test_planner_grid_properties_and_colours() -> None:
    grids = helpers.geojson_layers(helpers.planner())["网格"]["features"]
    first = grids[0]["properties"]
    assert first["code"] == "140101001001001" and first["village"] == "东关村"
    assert first["deviation_pct"] == "+20%"
    colours = {g["properties"]["code"][-1]: g["properties"]["_c"] for g in grids}
    assert colours["1"] != colours["4"]  # over vs under target
    assert colours["3"] == "#f7f7f7"  # on target: the neutral middle


def test_planner_page_in_chinese_with_legend_search_and_layer_control() -> None:
    html = helpers.unescape(render_html(helpers.planner()))
    for text in ("网格规划图", "工作量偏差", "户数", "党员", "防火区面积(公顷)", "搜索网格编码",
                 "火险等级", "矿点状态"):
        assert text in html
    assert "L.control.layers" in html and "L.Control.Search" in html
    assert '"apiBase":null' in html  # a file: read-only


def test_planner_in_english() -> None:
    html = helpers.unescape(render_html(helpers.planner(MapOptions(lang="en"))))
    assert "Grid planning map" in html and "Households" in html and "网格规划图" not in html


def test_planner_served_settings_are_injectable() -> None:
    opts = MapOptions(api_base="/api/", live_layers=("units",),
                      edit_endpoints={"move": "grids/x/move", "redraw": "grids/x/redraw"})
    m = helpers.planner(opts)
    html = render_html(m)
    settings = helpers.settings_block(html)
    assert settings["apiBase"] == "/api/" and "token" not in settings  # the cookie, never HTML
    assert settings["editEndpoints"]["move"] == "grids/x/move"
    assert settings["liveLayers"] == ["units"]
    assert "L.Control.Draw" in html  # leaflet-draw inlined for edit mode
    assert len(helpers.geojson_layers(m)["基础单元"]["features"]) == 0  # loaded by bbox instead
    assert '"U00"' not in html


def test_file_planner_has_no_draw_code() -> None:
    assert "L.Control.Draw =" not in render_html(helpers.planner())


def test_leader_colours_never_visited_and_counts_members() -> None:
    m = helpers.leader()
    layers = helpers.geojson_layers(m)
    grids = {f["properties"]["code"][-1]: f["properties"] for f in layers["网格"]["features"]}
    assert grids["1"]["_never"] is True and grids["1"]["days_since"] == "从未检查"
    assert grids["2"]["days_since"] == 40 and grids["3"]["days_since"] == 1
    assert grids["2"]["_c"] != grids["3"]["_c"]
    members = layers["党员人数"]["features"]
    assert sorted(f["properties"]["members"] for f in members) == sorted(
        int(x) for x in mf.grids()["members"])
    mines = {f["properties"]["site_id"]: f["properties"] for f in layers["矿点"]["features"]}
    assert mines["M2"]["_never"] is True and mines["M1"]["days_since"] == 2
    html = helpers.unescape(render_html(m))
    assert "L.heatLayer" in html and '"leaders":["赵市长","钱副市长"]' in html
    assert "从未检查" in html and "距上次检查" in html


def test_inspector_stops_in_order_with_times_and_checks() -> None:
    m = helpers.inspector()
    stops = helpers.geojson_layers(m)["巡查点"]["features"]
    numbered = [f["properties"] for f in stops if f["properties"]["role"] == "stop"]
    assert [s["label"] for s in numbered] == ["1", "2", "3"]
    assert [s["site_id"] for s in numbered] == ["M1", "F1", "M2"]
    assert [f["properties"]["label"] for f in stops if f["properties"]["role"] != "stop"] == [
        "起终"]  # start and end at the same office
    assert "08:20" in numbered[0]["_popup"] and "瓦斯" in numbered[0]["_popup"]
    assert "私挖盗采" in numbered[2]["_popup"]  # abandoned mine: illegal digging
    html = render_html(m)
    assert html.index("红旗煤矿") < html.index("南山林区卡口") < html.index("老窑沟废弃矿")
    assert 'id="gp-itinerary"' in html and 'id="gp-print"' in html
    assert "@media print" in html and "max-width: 700px" in html


def test_inspector_times_and_depots() -> None:
    assert clock(3600, "08:00") == "09:00" and clock("2025-04-10T13:05:00+08:00") == "13:05"
    assert clock("07:30") == "07:30" and clock(None) == ""
    first, sites, last = split_stops(mf.plan_stops())
    assert first["kind"] == "depot" and last["kind"] == "depot" and len(sites) == 3
    assert split_stops([{"kind": "coal_mine"}]) == (None, [{"kind": "coal_mine"}], None)


def test_empty_layers_are_simply_absent() -> None:
    from maps.leader import leader_map
    from maps.planner import planner_map

    m = planner_map(grids=mf.grids(), options=MapOptions())
    assert list(helpers.geojson_layers(m)) == ["网格"]
    m = leader_map(today=mf.today())
    assert helpers.geojson_layers(m) == {}
    render_html(m)
