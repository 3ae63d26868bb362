"""The shipped real data (see ``data/README.md``): where each file lies, nothing more."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
#: North Bayreuth (OpenStreetMap, ODbL): the demo county.
OSM_BAYREUTH = DATA_DIR / "osm" / "north-bayreuth.osm.gz"
#: Liechtenstein, 2013 (OpenStreetMap, ODbL): real municipal boundaries, mountains.
OSM_LIECHTENSTEIN = DATA_DIR / "osm" / "liechtenstein-2013-08-03.osm.pbf"
#: Global Energy Monitor, Global Coal Mine Tracker, China rows (CC BY 4.0).
GEM_MINES = DATA_DIR / "mines" / "gem_gcmt_china_2025-04.csv"
#: The county's rectification deadlines by topic and severity (days; loadable by admins).
CASE_DEADLINES = DATA_DIR / "case_deadlines.csv"
