"""The demo as a service: build the demo store and its outputs from the shipped data
(``gridpatrol demo``, :mod:`api.commands.demo`; the benchmarks and tests build it too).

North Bayreuth (OpenStreetMap, ODbL) goes through the same path as a user's own county:
``import osm`` → ``import mines`` (the GEM registry, kept to the area's bounding box) →
synthetic member residences (demo only, marked ``synthetic``) → ``units build`` → balanced
grids → a day's inspection plan → the three maps.
"""

from __future__ import annotations

import logging
import os
import resource
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from api.services.grids import balance_store
from api.services.maps import write_map
from api.services.planning import PlanOptions
from api.services.routes import plan_day
from api.services.units import build_units
from data import GEM_MINES, OSM_BAYREUTH
from gis.crs import metric_crs
from gis.figures import estimate_households, synthetic_members
from layers.importers.mines import import_mines
from layers.importers.osm import import_osm
from layers.store import Store, open_store
from layers.summary import layer_table

log = logging.getLogger(__name__)
MEMBER_SEED = 2026
#: Demo grid target (households): the town and the larger villages get several grids each.
DEMO_TARGET = 150.0
DEMO_DATE = "2026-04-02"  # the week before Qingming: fire season
DEMO_TEAMS = 3
DEMO_HOURS = 8.0
DEMO_SEED = 20260402


def add_synthetic_members(store: Store, *, seed: int = MEMBER_SEED) -> int:
    """Generate the demo's synthetic member residences from residential buildings."""
    buildings = store.read("buildings")
    buildings = buildings[buildings["residential"].fillna(False).astype(bool)]
    metric = buildings.to_crs(metric_crs(buildings))
    members = synthetic_members(metric, estimate_households(metric),
                                np.random.default_rng(seed))
    return store.replace("member_residences", members.to_crs(4326))


def demo_steps(store: Store, out: Path, progress: bool) -> list[tuple[str, Callable[[], object]]]:
    """The demo's steps, in order: ``(title, thunk)``; each thunk returns a one-line summary."""
    def osm() -> str:
        counts = import_osm(store, OSM_BAYREUTH, progress=progress)
        return ", ".join(f"{k} {v}" for k, v in counts.items() if k in (
            "roads", "buildings", "places", "fire_zones", "mine_sites"))

    def mines() -> str:
        n = import_mines(store, GEM_MINES, bbox=tuple(store.read("roads").total_bounds))
        return f"{n} registry mines inside the demo area (the registry covers China)"

    def units() -> str:
        r = build_units(store, progress=progress)
        return (f"{r.townships} townships, {r.villages} villages, {r.units} units, "
                f"{r.households} households, {r.members} members, {r.pinned} exclusive")

    def balance() -> str:
        report = balance_store(store, target=DEMO_TARGET, tolerance=0.05, oversize="pin")
        m = report.summary
        return (f"{m['grids']} grids ({m['pinned_grids']} exclusive), max |dev| "
                f"{m['max_dev']:.1%}, mean |dev| {m['mean_dev']:.1%}, contiguous "
                f"{m['contiguous']:.0%}, Polsby-Popper mean {m['pp_mean']:.2f}")

    def plan() -> str:
        options = PlanOptions(teams=DEMO_TEAMS, hours=DEMO_HOURS, seed=DEMO_SEED,
                              out=out / "plans", iterations=2500, seconds=60.0,
                              workers=os.cpu_count() or 1)
        day = plan_day(store, options, date=DEMO_DATE)
        stops = sum(len(team) for team in day.stops)
        return (f"{len(day.plan_ids)} sealed plans, {stops} stops, drive "
                f"{day.routes.drive_s / 3600:.1f} h; GPX + sheets in {out / 'plans'}")

    def maps() -> str:
        written = []
        for kind in ("planner", "inspector", "leader"):
            path = out / f"map-{kind}.html"
            extra = {"team": "team-1", "date": DEMO_DATE} if kind == "inspector" else {}
            write_map(store, kind, out=path, **extra)
            written.append(str(path.resolve()))
        return "\n" + "\n".join(f"{'':58}{p}" for p in written)

    return [
        ("import osm", osm),
        ("import mines (GEM registry)", mines),
        ("synthetic member residences", lambda: f"{add_synthetic_members(store)} points"),
        ("units build", units),
        (f"balance (target {DEMO_TARGET:.0f} households, ±5 %)", balance),
        (f"plan {DEMO_DATE}: {DEMO_TEAMS} teams, {DEMO_HOURS:.0f} h", plan),
        ("maps (planner, inspector, leader)", maps),
    ]


def run_demo(out: Path, *, progress: bool = True) -> str:
    """Build ``out/gridpatrol.gpkg`` from scratch; returns the report to print."""
    out.mkdir(parents=True, exist_ok=True)
    db = out / "gridpatrol.gpkg"
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    store = open_store(db)
    lines = []
    for title, step in demo_steps(store, out, progress):
        t0 = time.perf_counter()
        result = step()
        lines.append(f"  {title:<45} {time.perf_counter() - t0:5.1f} s  {result}")
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table = layer_table(store)
    store.close()
    return "\n".join([
        "GridPatrol demo: North Bayreuth (© OpenStreetMap contributors, ODbL)",
        *lines,
        "",
        table,
        "",
        f"store: {db.resolve()}",
        f"time: {seconds:.1f} s, peak memory: {peak_mb:.0f} MB",
    ])

