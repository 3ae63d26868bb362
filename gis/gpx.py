"""GPX 1.1 documents for a team's day: the stops as waypoints, the road path as a track.

Pure string building (no files); coordinates are WGS 84 lon/lat degrees as GPX requires.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from xml.sax.saxutils import escape

GPX_NS = "http://www.topografix.com/GPX/1/1"


def _time(t: dt.datetime | None) -> str:
    return f"<time>{t.astimezone(dt.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}</time>" if t else ""


def route_gpx(
    name: str,
    path: Sequence[tuple[float, float]],
    stops: Sequence[dict],
    *,
    start: dt.datetime | None = None,
) -> str:
    """A GPX 1.1 document for one team's route.

    Parameters
    ----------
    name
        Track name (e.g. ``"2025-04-03 team 1"``).
    path
        The road path as ``(lon, lat)`` pairs in degrees.
    stops
        Ordered stops, each with ``site_id``, ``name``, ``lon``, ``lat``, ``arrival_s``
        (seconds after *start*) and optionally ``kind``.
    start
        The day's start time (timezone-aware); stop times are written when given.

    Returns
    -------
    The XML text (UTF-8 declaration included).
    """
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<gpx version="1.1" creator="GridPatrol" xmlns="{GPX_NS}">',
           f"<metadata><name>{escape(name)}</name>{_time(start)}</metadata>"]
    for k, s in enumerate(stops, 1):
        when = start + dt.timedelta(seconds=int(s["arrival_s"])) if start else None
        label = f"{k}. {s.get('name') or s['site_id']}"
        out.append(f'<wpt lat="{float(s["lat"]):.7f}" lon="{float(s["lon"]):.7f}">'
                   f"{_time(when)}<name>{escape(label)}</name>"
                   f"<desc>{escape(str(s['site_id']))}</desc>"
                   f"<type>{escape(str(s.get('kind', 'site')))}</type></wpt>")
    out.append(f"<trk><name>{escape(name)}</name><trkseg>")
    out.extend(f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"/>' for lon, lat in path)
    out.append("</trkseg></trk></gpx>")
    return "\n".join(out) + "\n"
