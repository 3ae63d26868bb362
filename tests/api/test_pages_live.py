"""The planner page's edit mode against the real service, in a real browser.

The app runs under uvicorn on 127.0.0.1 (a free port, in a background thread) over a copy of
the tiny store of :mod:`apidata` (village V1: units U1–U4 in grids G1 = {U1, U2} and
G2 = {U3, U4}; village V2: grid G3); Debian's ``/usr/bin/chromium`` (Playwright, never
``playwright install``) signs in through ``/login`` as the township-scoped planner, opens
``/planner`` with every non-loopback request blocked, and edits through the page: click a
unit, pick the target grid, read the preview, confirm.  The store is then read directly.
Screenshots go to ``test-output/pages/`` (gitignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from apidata import PASSWORD, SECRET, USERS
from livesrv import serve

from api.auth import create_token
from api.settings import Settings
from layers.store import open_store

pytestmark = pytest.mark.browser
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "pages"
X0, Y0, D = 11.50, 49.90, 0.01  # apidata's origin and cell size (degrees)
CONFLICT_ZH = "其他人刚修改了这个村的网格"
#: Chromium logs every non-2xx fetch as a console error; these are the expected ones.
EXPECTED_STATUS = ("status of 412", "status of 422")


@pytest.fixture
def live(db_path: Path) -> Iterator[str]:
    """The real app under uvicorn on 127.0.0.1:<free port>; yields its base URL."""
    with serve(Settings(db=str(db_path), jwt_secret=SECRET)) as base:
        yield base


class PlannerPage:
    """The planner page, signed in through /login; non-loopback requests blocked and kept."""

    def __init__(self, browser: Any, base: str) -> None:
        self.base, self.errors, self.console, self.blocked = base, [], [], []
        self.context = browser.new_context(viewport={"width": 1280, "height": 860},
                                           locale="zh-CN")
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.console.append(m.text) if m.type == "error"
                     else None)
        self.page.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        if route.request.url.startswith(self.base + "/"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def sign_in_and_open(self) -> None:
        page = self.page
        page.goto(self.base + "/planner")  # no cookie yet: redirected to the login page
        assert "/login" in page.url
        page.fill("input[name=username]", USERS["planner"].username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(self.base + "/planner")
        page.wait_for_function("window.GP && GP.settled === true && gridpatrolMap._loaded")
        page.click("#gp-edit-toggle")

    def click_at(self, lon: float, lat: float) -> None:
        """Click the map at (lon, lat) (WGS 84; the offline basemap has no shift)."""
        xy = self.page.evaluate(
            "([lon,lat])=>{var p=GP.map.latLngToContainerPoint([lat,lon]);"
            "var b=GP.map.getContainer().getBoundingClientRect();return [p.x+b.left,p.y+b.top];}",
            [lon, lat])
        self.page.mouse.click(xy[0], xy[1])

    def preview_move(self, unit_xy: tuple[float, float], target: str) -> str:
        """Select the unit at *unit_xy*, pick *target*, ask for the preview; its text."""
        self.click_at(*unit_xy)
        self.page.select_option("#gp-edit-target", target)
        self.page.click("#gp-edit-move")
        self.page.wait_for_function(
            "()=>{var s=document.getElementById('gp-edit-status').getAttribute('data-state');"
            "return s && s!=='busy';}")
        return self.page.inner_text("#gp-edit")

    def status(self) -> tuple[str, str]:
        self.page.wait_for_function(
            "()=>{var s=document.getElementById('gp-edit-status').getAttribute('data-state');"
            "return s && s!=='busy' && s!=='preview';}")
        el = self.page.locator("#gp-edit-status")
        return el.get_attribute("data-state") or "", el.inner_text()

    def grids(self) -> dict[str, dict[str, Any]]:
        """The grids drawn: id -> properties plus ``on_map``."""
        return {r["grid_id"]: r for r in self.page.evaluate(
            "GP.layers.grids.getLayers().map(l=>Object.assign({on_map:GP.map.hasLayer(l)},"
            "l.feature.properties))")}

    def unit_grids(self) -> dict[str, str]:
        return dict(self.page.evaluate(
            "GP.edit.units.getLayers().map(l=>[l.feature.properties.unit_id,"
            "l.feature.properties.grid_id])"))

    def close(self) -> None:
        self.context.close()
        assert self.errors == [], self.errors
        assert self.blocked == [], self.blocked
        unexpected = [m for m in self.console if not any(s in m for s in EXPECTED_STATUS)]
        assert unexpected == [], unexpected


@pytest.fixture
def planner(browser: Any, live: str) -> Iterator[PlannerPage]:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    p = PlannerPage(browser, live)
    p.sign_in_and_open()
    yield p
    p.close()


def _center(i: int, j: int) -> tuple[float, float]:
    """Centre of apidata's cell (i, j), nudged off the mine marker at U1's centre."""
    return X0 + (i + 0.3) * D, Y0 + (j + 0.7) * D


def _store_state(db_path: Path) -> tuple[dict[str, str], dict[str, Any], Any]:
    store = open_store(str(db_path))
    try:
        units = store.read("units")
        grids = store.read("grids")
        hist = store.read("grid_history")
    finally:
        store.close()
    return (dict(zip(units["unit_id"], units["grid_id"], strict=True)),
            {g.grid_id: g for g in grids.itertuples()}, hist)


def test_unit_move_through_the_page_commits_a_new_version(planner: PlannerPage,
                                                          db_path: Path) -> None:
    page = planner.page
    assert set(planner.grids()) == {"G1", "G2", "G3"}
    assert planner.page.evaluate("GP.villageEtag('V1')") == '"V1:1"'
    text = planner.preview_move(_center(1, 0), "G2")  # U2: G1 -> G2
    assert page.locator("#gp-edit-preview").is_visible()
    rows = page.locator("#gp-edit-figures tbody tr").all_inner_texts()
    assert len(rows) == 2 and "2 → 1" in text and "2 → 3" in text  # units of G1 and G2
    assert "100.0 → 50.0" in text and "100.0 → 150.0" in text  # workload before → after
    page.screenshot(path=str(OUTPUT / "planner-preview.png"))
    assert _store_state(db_path)[0]["U2"] == "G1"  # a preview writes nothing
    page.click("#gp-edit-confirm")
    assert planner.status() == ("ok", "已提交")
    page.screenshot(path=str(OUTPUT / "planner-committed.png"))

    units, grids, hist = _store_state(db_path)
    assert units == {"U1": "G1", "U2": "G2", "U3": "G2", "U4": "G2", "U5": "G3", "U6": "G3"}
    assert (grids["G1"].households, grids["G2"].households) == (50, 150)
    assert grids["G3"].version == 1 and grids["G1"].version == grids["G2"].version == 2
    v1 = hist[hist["village_id"] == "V1"].sort_values("version")
    assert v1["version"].tolist() == [1, 2] and v1["author"].tolist()[-1] == "planner"
    assert hist[hist["village_id"] == "V2"]["version"].tolist() == [1]

    drawn = planner.grids()
    assert set(drawn) == {"G1", "G2", "G3"} and all(g["on_map"] for g in drawn.values())
    assert drawn["G3"]["village_id"] == "V2" and drawn["G3"]["version"] == 1  # untouched
    assert drawn["G1"]["version"] == 2 and drawn["G1"]["deviation_pct"] == "-50%"
    assert drawn["G1"]["_c"] != drawn["G3"]["_c"]  # recoloured on the deviation scale
    assert planner.unit_grids()["U2"] == "G2"
    assert page.evaluate("GP.villageEtag('V1')") == '"V1:2"'

    planner.preview_move(_center(0, 0), "G2")  # U1 would leave G1 empty: refused, with why
    state, why = planner.status()
    assert state == "refused" and "无法执行此编辑" in why and "网格 G1 将没有任何单元" in why
    assert not any("a" <= c.lower() <= "z" for c in why.replace("G1", ""))  # all Chinese
    assert not page.locator("#gp-edit-preview").is_visible()
    assert _store_state(db_path)[0]["U1"] == "G1"


def test_stale_page_reports_the_conflict_and_keeps_the_other_edit(
        planner: PlannerPage, live: str, db_path: Path) -> None:
    page = planner.page
    planner.preview_move(_center(0, 1), "G1")  # U3: G2 -> G1, previewed at version 1
    assert page.locator("#gp-edit-preview").is_visible()
    admin = {"Authorization": "Bearer " + create_token(USERS["admin"], secret=SECRET,
                                                       minutes=5)}
    with httpx.Client(base_url=live, headers=admin, timeout=10) as api:  # behind the page
        tag = api.get("/grids/villages/V1").headers["etag"]
        other = api.post("/grids/edits/move", headers={"If-Match": tag},
                         json={"unit_ids": ["U2"], "target_grid_id": "G2"})
        assert other.status_code == 200, other.text
    page.click("#gp-edit-confirm")
    state, text = planner.status()
    assert state == "conflict" and CONFLICT_ZH in text
    page.screenshot(path=str(OUTPUT / "planner-conflict.png"))

    units, grids, hist = _store_state(db_path)
    assert units["U2"] == "G2" and units["U3"] == "G2"  # the other edit kept, ours not written
    v1 = hist[hist["village_id"] == "V1"].sort_values("version")
    assert v1["version"].tolist() == [1, 2] and v1["author"].tolist()[-1] == "admin"
    # the page reloaded the village: the admin's edit is drawn and the next edit goes through
    assert page.evaluate("GP.villageEtag('V1')") == '"V1:2"'
    assert planner.grids()["G1"]["households"] == 50 and planner.unit_grids()["U2"] == "G2"
    assert planner.grids()["G3"]["on_map"]
    planner.preview_move(_center(0, 1), "G1")
    page.click("#gp-edit-confirm")
    assert planner.status() == ("ok", "已提交")
    units, _, hist = _store_state(db_path)
    assert units["U3"] == "G1"
    v1 = hist[hist["village_id"] == "V1"].sort_values("version")
    assert v1["version"].tolist() == [1, 2, 3] and v1["author"].tolist()[-1] == "planner"


def test_drawn_boundary_redraws_a_grid(planner: PlannerPage, db_path: Path) -> None:
    """The map's other edit: draw a polygon (clockwise, as a hand may draw it) over U2."""
    ring = [(X0 + 1.1 * D, Y0 + 0.1 * D), (X0 + 1.1 * D, Y0 + 0.9 * D),
            (X0 + 1.9 * D, Y0 + 0.9 * D), (X0 + 1.9 * D, Y0 + 0.1 * D)]
    page = planner.page
    page.evaluate("pts=>GP.map.fire('draw:created',{layer:L.polygon(pts.map(c=>[c[1],c[0]]))})",
                  ring)
    page.select_option("#gp-edit-target", "G2")
    page.click("#gp-edit-move")
    page.locator("#gp-edit-preview table").wait_for(state="visible", timeout=5000)
    assert "2 → 3" in page.inner_text("#gp-edit-figures")
    page.click("#gp-edit-confirm")
    assert planner.status() == ("ok", "已提交")
    units, grids, hist = _store_state(db_path)
    assert units["U2"] == "G2" and units["U1"] == "G1" and grids["G2"].households == 150
    assert hist[hist["village_id"] == "V1"]["author"].tolist()[-1] == "planner"
    assert planner.unit_grids()["U2"] == "G2" and planner.grids()["G3"]["on_map"]
