"""``gridpatrol bench maps``: page weight and load time of the demo's leader and planner maps.

For each map: the bytes of our self-contained HTML (every asset inlined, geometry simplified
as a coverage and rounded), the bytes of folium's defaults on the same layers (raw
``GeoJson`` of every column, assets from CDNs — so not even counted), and the time until the
map is loaded in headless Chromium (Debian ``/usr/bin/chromium``) served on 127.0.0.1 with every
other request blocked and counted.  Targets: < 3 MB and < 3 s.

The store: ``$GRIDPATROL_BENCH_DB``, else the demo (:mod:`api.services.demo`) in a temp dir.
"""

from __future__ import annotations

import functools
import http.server
import logging
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd

from api.bench.browser import launch_chromium
from api.services.maps import write_map
from layers.store import Reader, open_store

log = logging.getLogger(__name__)
BENCH_DB_ENV = "GRIDPATROL_BENCH_DB"
LAYERS = {"planner": ("grids", "units", "admin_areas", "mine_sites", "fire_zones"),
          "leader": ("grids", "admin_areas", "mine_sites", "fire_zones", "inspections")}


def _store_url(work: Path) -> str:
    env = os.environ.get(BENCH_DB_ENV)
    if env:
        return env
    from api.services.demo import run_demo

    run_demo(work / "demo", progress=False)
    return str(work / "demo" / "gridpatrol.gpkg")


def folium_default_bytes(store: Reader, kind: str) -> int:
    """Bytes of folium's defaults on the same layers: raw GeoJson, every column, CDN assets."""
    m = folium.Map(tiles=None)
    for layer in LAYERS[kind]:
        frame = store.read(layer)
        if len(frame) == 0 or "geometry" not in frame.columns:
            continue
        frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)
        for col in frame.columns:
            if col != "geometry" and frame[col].dtype == object:
                frame[col] = frame[col].astype(str)
        folium.GeoJson(frame.to_json(default=str), name=layer).add_to(m)
    return len(m.get_root().render().encode("utf-8"))


def _serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_port}"


def load_times(folder: Path, names: list[str], repeats: int) -> dict[str, tuple[float, int]]:
    """``{name: (median seconds to loaded, external requests)}`` in headless Chromium."""
    from playwright.sync_api import sync_playwright

    httpd, base = _serve(folder)
    out: dict[str, tuple[float, int]] = {}
    try:
        with sync_playwright() as p:
            browser = launch_chromium(p)
            for name in names:
                times, external = [], 0
                for _ in range(repeats):
                    page = browser.new_page(viewport={"width": 1280, "height": 800})
                    blocked: list[str] = []

                    def route(r: Any, blocked: list[str] = blocked) -> None:
                        if r.request.url.startswith(base + "/"):
                            r.continue_()
                        else:
                            blocked.append(r.request.url)
                            r.abort()

                    page.route("**/*", route)
                    t0 = time.perf_counter()
                    page.goto(f"{base}/{name}", wait_until="commit")
                    page.wait_for_function("window.GP && GP.ready === true && "
                                           "gridpatrolMap._loaded", timeout=60_000)
                    times.append(time.perf_counter() - t0)
                    external = max(external, len(blocked))
                    page.close()
                times.sort()
                out[name] = (times[len(times) // 2], external)
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    return out


def run(*, quick: bool = False, out: Path | None = None) -> dict[str, Any]:
    """Measure the demo's leader and planner maps; returns ``{"maps": [...]}``.

    Parameters
    ----------
    quick
        One page load per map instead of five.
    out
        Unused (the command writes the JSON there itself).
    """
    with tempfile.TemporaryDirectory(prefix="gridpatrol-bench-maps-") as tmp:
        work = Path(tmp)
        store = open_store(_store_url(work), create=False)
        results = []
        try:
            for kind in ("leader", "planner"):
                path = write_map(store, kind, out=work / "pages" / f"{kind}.html",
                                 self_contained=True)
                results.append({"name": kind, "html_bytes": path.stat().st_size,
                                "folium_default_bytes": folium_default_bytes(store, kind)})
        finally:
            store.close()
        loads = load_times(work / "pages", [f"{r['name']}.html" for r in results],
                           repeats=1 if quick else 5)
    for r in results:
        load_s, external = loads[f"{r['name']}.html"]
        r["load_s"] = round(load_s, 3)
        r["external_requests"] = external
    return {"maps": results}
