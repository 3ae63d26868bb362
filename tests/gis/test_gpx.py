"""GPX 1.1: valid XML in the GPX namespace, escaped names, waypoints and a track."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from gis.gpx import GPX_NS, route_gpx


def test_gpx_document() -> None:
    start = dt.datetime(2025, 4, 3, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    text = route_gpx("2025-04-03 team-1 <A&B>", [(116.4, 39.9), (116.41, 39.91)],
                     [{"site_id": "m1", "name": "煤矿 <一号>", "lon": 116.41, "lat": 39.91,
                       "arrival_s": 600, "kind": "coal_mine"}], start=start)
    root = ET.fromstring(text.encode("utf-8"))
    ns = {"g": GPX_NS}
    assert root.tag == f"{{{GPX_NS}}}gpx" and root.get("version") == "1.1"
    wpt = root.find("g:wpt", ns)
    assert wpt is not None and wpt.find("g:name", ns).text == "1. 煤矿 <一号>"
    assert wpt.find("g:time", ns).text == "2025-04-03T00:10:00Z"
    pts = root.findall("g:trk/g:trkseg/g:trkpt", ns)
    assert [(float(p.get("lon")), float(p.get("lat"))) for p in pts] == [
        (116.4, 39.9), (116.41, 39.91)]
    assert root.find("g:metadata/g:name", ns).text == "2025-04-03 team-1 <A&B>"
