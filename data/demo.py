"""Build the demo store from the shipped data: ``gridpatrol demo``.

North Bayreuth (OpenStreetMap, ODbL) goes through the same path as a user's own county:
``import osm`` → ``import mines`` (the GEM registry, kept to the area's bounding box) →
synthetic member residences (demo only, marked ``synthetic``) → ``units build`` → balanced
grids → a day's inspection plan → the three maps.
"""

from __future__ import annotations

import logging
import resource
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from gis.crs import metric_crs
from gis.figures import estimate_households, synthetic_members
from layers.importers.mines import import_mines
from layers.importers.osm import import_osm
from layers.store import Store, open_store
from layers.summary import layer_table

log = logging.getLogger(__name__)
DATA = Path(__file__).resolve().parent
OSM_FILE = DATA / "osm" / "north-bayreuth.osm.gz"
MINES_FILE = DATA / "mines" / "gem_gcmt_china_2025-04.csv"
MEMBER_SEED = 2026
#: Demo grid target (households): the town and the larger villages get several grids each.
DEMO_TARGET = 150.0


def add_synthetic_members(store: Store, *, seed: int = MEMBER_SEED) -> int:
    """Generate the demo's synthetic member residences from residential buildings."""
    buildings = store.read("buildings")
    buildings = buildings[buildings["residential"].fillna(False).astype(bool)]
    metric = buildings.to_crs(metric_crs(buildings))
    members = synthetic_members(metric, estimate_households(metric),
                                np.random.default_rng(seed))
    return store.replace("member_residences", members.to_crs(4326))


def demo_steps(store: Store, out: Path, progress: bool) -> list[tuple[str, Callable[[], object]]]:
    """The demo's steps, in order: ``(title, thunk)``."""
    from api.services.units import build_units

    def mines() -> object:
        roads = store.read("roads")
        return import_mines(store, MINES_FILE, bbox=tuple(roads.total_bounds))

    return [
        ("import osm", lambda: import_osm(store, OSM_FILE, progress=progress)),
        ("import mines (GEM registry, demo area only)", mines),
        ("synthetic member residences", lambda: add_synthetic_members(store)),
        ("units build", lambda: build_units(store, progress=progress)),
        *extra_steps(store, out, progress),
    ]


def extra_steps(store: Store, out: Path, progress: bool
                ) -> list[tuple[str, Callable[[], object]]]:
    """Grids, plans and maps (added by their own modules)."""
    return []


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
        lines.append(f"  {title:<45} {time.perf_counter() - t0:6.1f} s  {_brief(result)}")
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table = layer_table(store)
    store.close()
    return "\n".join([
        f"GridPatrol demo: North Bayreuth (© OpenStreetMap contributors, ODbL)",
        *lines,
        "",
        table,
        "",
        f"store: {db.resolve()}",
        f"time: {seconds:.1f} s, peak memory: {peak_mb:.0f} MB",
    ])


def _brief(result: object) -> str:
    if isinstance(result, dict):
        return ", ".join(f"{k} {v}" for k, v in list(result.items())[:6])
    if hasattr(result, "__dict__"):
        return ", ".join(f"{k} {v}" for k, v in list(vars(result).items())[:7])
    return str(result) if result is not None else ""
