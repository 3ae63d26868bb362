"""The maps in a real browser: Debian's /usr/bin/chromium through Playwright, fully offline.

Each page is served on 127.0.0.1 by a small threaded server (which also plays the web service:
it records grid edits and answers bbox reads); every other request is blocked and counted.
Screenshots go to ``test-output/maps/`` (gitignored).  No ``playwright install``: a missing
chromium makes these tests fail, not skip.
"""

from __future__ import annotations

import base64
import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import helpers
import map_frames as mf
import prcoords
import pytest

from maps.assets import copy_static, render_html
from maps.basemaps import BasemapSettings
from maps.geometry import feature_collection
from maps.page import MapOptions
from maps.style import deviation_colour
from maps.vector_basemap import build_basemap

pytestmark = pytest.mark.browser
GRID_CODE_1 = "140101001001001"
TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==")


class _Handler(http.server.SimpleHTTPRequestHandler):
    posts: list[dict[str, Any]]
    units_fc: dict[str, Any]

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        if self.path.split("/")[2:4] == ["collections", "units"]:
            self._json(self.units_fc)
            return
        if self.path == "/api412/grids/villages/V1":  # the village as someone else left it
            self._json({"village": "V1", "version": 5, "etag": '"V1:5"',
                        "grids": self.v1_grids})
            return
        if self.path.startswith("/tiles/"):  # an intranet tile server: one blank tile
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(TILE)))
            self.end_headers()
            self.wfile.write(TILE)
            return
        super().do_GET()

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.posts.append({"path": self.path, "body": body,
                           "auth": self.headers.get("Authorization"),
                           "if_match": self.headers.get("If-Match")})
        grid = body.get("target_grid_id") or body.get("grid_id")
        if self.path.startswith("/api412/") and not self.path.endswith("/preview"):
            self._json({"detail": "village V1 is at version 5, not 1", "status": 412}, 412)
            return
        figures = {"units": 2, "workload": 1.0, "deviation": 0.0}
        # like the service's EditResult (without the grids: the page keeps what it drew)
        self._json({"village": "V1", "version": 1, "kind": self.path.split("/")[4],
                    "touched": [grid], "before": {grid: figures}, "after": {grid: figures},
                    "moved": body.get("unit_ids", []), "etag": '"V1:1"',
                    "committed": not self.path.endswith("/preview")})

    def _json(self, value: Any, status: int = 200) -> None:
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _write(site: Path, name: str, m: Any, asset_base: str | None = None) -> None:
    (site / name).write_text(render_html(m, asset_base=asset_base), encoding="utf-8")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list]]:
    site = tmp_path_factory.mktemp("site")
    served = MapOptions(api_base="/api/")
    _write(site, "planner.html", helpers.planner())
    _write(site, "planner-served.html", helpers.planner(served))
    tiles = BasemapSettings(tile_url="/tiles/{z}/{x}/{y}.png")  # Gaode tiles on the intranet
    _write(site, "planner-gaode.html", helpers.planner(
        MapOptions(basemap="gaode", api_base="/api/", basemap_settings=tiles)))
    _write(site, "planner-live.html", helpers.planner(
        MapOptions(api_base="/api/", live_layers=("units",))))
    _write(site, "planner-en-412.html", helpers.planner(
        MapOptions(api_base="/api412/", lang="en")))
    _write(site, "leader.html", helpers.leader())
    basemap = build_basemap(mf.basemap_layers())
    _write(site, "planner-basemap.html", helpers.planner(MapOptions(basemap_data=basemap)))
    _write(site, "leader-basemap-en.html",
           helpers.leader(MapOptions(basemap_data=basemap, lang="en")))
    copy_static(site / "static")
    _write(site, "inspector.html", helpers.inspector(), asset_base="static/")
    posts: list[dict[str, Any]] = []
    units_fc = feature_collection(mf.units(), columns=["unit_id", "village_id", "grid_id"])
    grids = mf.grids()
    grids = grids[grids["village_id"] == "V1"].assign(version=5, households=[10, 222])
    v1_grids = feature_collection(grids, id_field="grid_id", columns=[
        "grid_id", "village_id", "code", "version", "households", "workload", "deviation"])
    handler = type("Handler", (_Handler,), {"posts": posts, "units_fc": units_fc,
                                            "v1_grids": v1_grids})
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", posts
    httpd.shutdown()
    httpd.server_close()


class Page:
    """A page with every non-loopback request blocked and counted, and page errors kept."""

    def __init__(self, browser: Any, base: str, viewport: tuple[int, int]) -> None:
        self.page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
        self.base, self.errors, self.blocked = base, [], []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error"
                     and "status of 412" not in m.text else None)  # the conflict test's
        self.page.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(self.base + "/"):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def open(self, name: str) -> Any:
        self.page.goto(f"{self.base}/{name}")
        self.page.wait_for_function("window.GP && GP.settled === true && gridpatrolMap._loaded")
        return self.page

    def count(self, role: str) -> int:
        return int(self.page.evaluate(f"GP.layers[{role!r}].getLayers().length"))


@pytest.fixture
def open_page(browser: Any, server: tuple[str, list]) -> Iterator[Any]:
    pages: list[Page] = []

    def make(name: str, viewport: tuple[int, int] = (1200, 800)) -> Page:
        p = Page(browser, server[0], viewport)
        p.open(name)
        pages.append(p)
        return p

    yield make
    for p in pages:
        assert p.errors == [], p.errors
        assert p.blocked == [], p.blocked
        p.page.close()


def _paths(page: Any) -> int:
    return page.locator(".leaflet-overlay-pane path").count()


def _center(page: Any, role: str, index: int) -> tuple[float, float]:
    xy = page.evaluate(
        "([r,i])=>{var l=GP.layers[r].getLayers()[i];var c=l.getBounds?l.getBounds().getCenter()"
        ":l.getLatLng();var p=GP.map.latLngToContainerPoint(c);var b=GP.map.getContainer()"
        ".getBoundingClientRect();return [p.x+b.left,p.y+b.top];}", [role, index])
    return float(xy[0]), float(xy[1])


@pytest.mark.parametrize("name,roles,paths", [
    ("planner.html", {"grids": 4, "units": 8, "fire_zones": 1, "mines": 2}, 18),
    ("leader.html", {"grids": 4, "fire_zones": 1, "mines": 2, "members": 4}, 10),
    ("inspector.html", {"route": 1, "stops": 4}, 1),
])
def test_map_loads_offline_and_draws_every_feature(open_page: Any, output_dir: Path, name: str,
                                                   roles: dict[str, int], paths: int) -> None:
    p = open_page(name)
    assert {role: p.count(role) for role in roles} == roles
    assert _paths(p.page) == paths
    p.page.screenshot(path=str(output_dir / name.replace(".html", ".png")))


def test_tooltip_appears_on_hovering_a_grid(open_page: Any) -> None:
    p = open_page("planner.html")
    x, y = _center(p.page, "grids", 0)
    p.page.mouse.move(x, y)
    tip = p.page.locator(".leaflet-tooltip")
    tip.wait_for(state="visible", timeout=5000)
    assert GRID_CODE_1 in tip.inner_text() and "户数" in tip.inner_text()


def test_a_layer_can_be_switched_off(open_page: Any) -> None:
    p = open_page("planner.html")
    before = _paths(p.page)
    p.page.locator(".leaflet-control-layers-overlays label", has_text="网格").first.click()
    assert p.page.evaluate("GP.map.hasLayer(GP.layers.grids)") is False
    assert _paths(p.page) == before - 4


def test_inspector_shows_the_stops_in_order(open_page: Any, output_dir: Path) -> None:
    p = open_page("inspector.html", viewport=(390, 844))
    labels = p.page.locator(".gp-stop span").all_inner_texts()
    assert labels == ["1", "2", "3", "起终"]
    positions = p.page.evaluate(
        "GP.layers.stops.getLayers().filter(l=>l.feature.properties.role==='stop')"
        ".map(l=>[l.getLatLng().lng,l.getLatLng().lat])")
    expected = [(s["lon"], s["lat"]) for s in mf.plan_stops()[1:-1]]
    assert [tuple(round(v, 6) for v in xy) for xy in positions] == [
        tuple(round(v, 6) for v in xy) for xy in expected]
    items = p.page.locator("#gp-itinerary li b").all_inner_texts()
    assert items == ["红旗煤矿", "南山林区卡口", "老窑沟废弃矿"]
    assert p.page.locator("#gp-panel").is_visible()
    p.page.locator(".gp-stop", has_text="2").click()
    assert "南山林区卡口" in p.page.locator(".leaflet-popup-content").inner_text()
    p.page.screenshot(path=str(output_dir / "inspector-phone.png"))


def test_file_planner_is_read_only(open_page: Any) -> None:
    p = open_page("planner.html")
    assert p.page.locator(".gp-readonly").is_visible()
    assert p.page.locator("#gp-edit-toggle").count() == 0


def test_edit_mode_posts_a_unit_move(open_page: Any, server: tuple[str, list],
                                     output_dir: Path) -> None:
    p = open_page("planner-served.html")
    p.page.click("#gp-edit-toggle")
    xy = p.page.evaluate(
        "()=>{var l=GP.edit.units.getLayers().find(l=>l.feature.properties.unit_id==='U01');"
        "var p=GP.map.latLngToContainerPoint(l.getBounds().getCenter());"
        "var b=GP.map.getContainer().getBoundingClientRect();return [p.x+b.left,p.y+b.top];}")
    p.page.mouse.click(xy[0], xy[1])  # U01, in grid G1 (no mine on it)
    p.page.select_option("#gp-edit-target", "G2")
    p.page.screenshot(path=str(output_dir / "planner-edit.png"))
    n = len(server[1])
    _preview_and_confirm(p.page)
    preview, post = server[1][n:n + 2]
    assert preview["path"] == "/api/grids/edits/move/preview" and preview["if_match"] is None
    assert post["path"] == "/api/grids/edits/move"
    assert post["auth"] is None  # never a bearer token: the page uses the HttpOnly cookie
    assert post["body"] == {"unit_ids": ["U01"], "target_grid_id": "G2"}
    assert post["if_match"] == '"V1:1"'


def _preview_and_confirm(page: Any) -> None:
    """Click the move button, wait for the preview's figures, confirm."""
    page.click("#gp-edit-move")
    page.locator("#gp-edit-preview table").wait_for(state="visible", timeout=5000)
    page.click("#gp-edit-confirm")
    page.wait_for_function("document.getElementById('gp-edit-status').textContent === '已提交'")


def test_gaode_edits_come_back_in_wgs84(open_page: Any, server: tuple[str, list]) -> None:
    p = open_page("planner-gaode.html")
    wgs = [(mf.X0 + 0.001, mf.Y0 + 0.001), (mf.X0 + 0.009, mf.Y0 + 0.001),
           (mf.X0 + 0.009, mf.Y0 + 0.009)]
    gcj = [prcoords.wgs_gcj(prcoords.Coords(lat, lon)) for lon, lat in wgs]
    back = p.page.evaluate("pts=>pts.map(c=>GP.gcj02ToWgs84(c[0],c[1]))",
                           [[c.lon, c.lat] for c in gcj])
    for (lon, lat), c in zip(back, gcj, strict=True):
        ref = prcoords.gcj_wgs_bored(c)
        assert abs(lon - ref.lon) < 1e-7 and abs(lat - ref.lat) < 1e-7
    p.page.click("#gp-edit-toggle")
    p.page.evaluate("pts=>GP.map.fire('draw:created',{layer:L.polygon(pts.map(c=>[c[1],c[0]]))})",
                    [[c.lon, c.lat] for c in gcj])
    n = len(server[1])
    p.page.select_option("#gp-edit-target", "G1")
    _preview_and_confirm(p.page)
    post = server[1][n + 1]
    assert post["path"] == "/api/grids/edits/redraw" and post["body"]["grid_id"] == "G1"
    assert set(post["body"]) == {"grid_id", "geometry"} and post["if_match"] == '"V1:1"'
    ring = post["body"]["geometry"]["coordinates"][0]
    for (lon, lat), (x, y) in zip(ring, wgs, strict=False):
        assert abs(lon - x) < 1e-6 and abs(lat - y) < 1e-6


def test_live_units_are_loaded_by_bbox(open_page: Any) -> None:
    p = open_page("planner-live.html")
    p.page.wait_for_function("GP.layers.units.getLayers().length === 8")
    assert "bbox=" in p.page.evaluate("GP.requests[0].path")


def test_leader_filter_by_assignment(open_page: Any, output_dir: Path) -> None:
    p = open_page("leader.html")
    p.page.select_option("#gp-leader", "钱副市长")
    assert p.count("grids") == 1 and p.count("mines") == 1 and p.count("members") == 1
    p.page.screenshot(path=str(output_dir / "leader-filtered.png"))
    p.page.select_option("#gp-leader", "")
    assert p.count("grids") == 4
    assert p.page.locator(".gp-count").count() == 4


def test_stale_commit_reloads_the_village_and_says_so_in_english(
        open_page: Any, server: tuple[str, list], output_dir: Path) -> None:
    p = open_page("planner-en-412.html")
    p.page.click("#gp-edit-toggle")
    xy = p.page.evaluate(
        "()=>{var l=GP.edit.units.getLayers().find(l=>l.feature.properties.unit_id==='U01');"
        "var p=GP.map.latLngToContainerPoint(l.getBounds().getCenter());"
        "var b=GP.map.getContainer().getBoundingClientRect();return [p.x+b.left,p.y+b.top];}")
    p.page.mouse.click(xy[0], xy[1])
    p.page.select_option("#gp-edit-target", "G2")
    n = len(server[1])
    p.page.click("#gp-edit-move")
    p.page.locator("#gp-edit-preview table").wait_for(state="visible", timeout=5000)
    assert "Workload" in p.page.inner_text("#gp-edit-figures")
    p.page.click("#gp-edit-confirm")
    p.page.wait_for_function(
        "document.getElementById('gp-edit-status').getAttribute('data-state') === 'conflict'")
    assert "Someone else has just changed this village" in p.page.inner_text("#gp-edit-status")
    assert server[1][n + 1]["if_match"] == '"V1:1"'
    assert p.page.evaluate("GP.villageEtag('V1')") == '"V1:5"'
    grids = p.page.evaluate("GP.layers.grids.getLayers().map(l=>l.feature.properties)")
    assert sorted(g["grid_id"] for g in grids) == ["G1", "G2", "G3", "G4"]  # V2 still drawn
    g1 = next(g for g in grids if g["grid_id"] == "G1")
    assert g1["households"] == 10 and g1["version"] == 5 and g1["village"] == "东关村"
    for d in (-0.5, -0.2, -0.1, 0.0, 0.07, 0.2, 0.3, None):  # the legend's scale, as Python
        js = p.page.evaluate("d=>GP.deviationColour(d)", d)
        py = deviation_colour(d)
        assert max(abs(int(js[i:i + 2], 16) - int(py[i:i + 2], 16)) for i in (1, 3, 5)) <= 1
    assert g1["_c"] == p.page.evaluate("GP.deviationColour(0.2)")
    assert not p.page.locator("#gp-edit-preview").is_visible()
    p.page.screenshot(path=str(output_dir / "planner-conflict-en.png"))


_INKED = ("()=>{var c=document.querySelector('.leaflet-gp-basemap-pane canvas');if(!c)return 0;"
          "var d=c.getContext('2d').getImageData(0,0,c.width,c.height).data,n=0;"
          "for(var i=3;i<d.length;i+=4)if(d[i]>0)n++;return n;}")


def test_offline_basemap_is_drawn_under_the_map(open_page: Any, output_dir: Path) -> None:
    p = open_page("planner-basemap.html")
    p.page.wait_for_function("GP.basemapReady === true")
    assert p.page.evaluate(_INKED) > 1000  # roads, water, forest painted on the canvas
    z = p.page.evaluate("GP.map.getZoom()")
    assert p.page.evaluate("GP.basemap.level()") == (0 if z <= 11 else 1 if z <= 13 else 2)
    places = p.page.locator(".gp-place").all_inner_texts()
    assert "城关镇" in places and "Chengguan" not in places  # name:zh where the data has it
    assert "Dongguan" in places  # else the local name
    below = p.page.evaluate("+getComputedStyle(GP.map.getPane('gp-basemap')).zIndex")
    assert below < p.page.evaluate("+getComputedStyle(GP.map.getPane('overlayPane')).zIndex")
    p.page.evaluate("GP.map.setZoom(11,{animate:false})")
    assert p.page.evaluate("GP.basemap.level()") == 0
    assert "Xiaozhuang" not in p.page.locator(".gp-place").all_inner_texts()  # a hamlet
    p.page.evaluate("GP.map.setZoom(15,{animate:false})")
    assert p.page.evaluate("GP.basemap.level()") == 2
    p.page.screenshot(path=str(output_dir / "planner-basemap.png"))
    assert "OpenStreetMap" in p.page.inner_text(".leaflet-control-attribution")


def test_offline_basemap_labels_follow_the_language(open_page: Any) -> None:
    p = open_page("leader-basemap-en.html")
    p.page.wait_for_function("GP.basemapReady === true")
    places = p.page.locator(".gp-place").all_inner_texts()
    assert "Chengguan" in places and "城关镇" not in places
    assert "m" in p.page.inner_text(".leaflet-control-scale") and "mi" not in p.page.inner_text(
        ".leaflet-control-scale")
