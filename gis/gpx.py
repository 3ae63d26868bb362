"""GPX 1.1 documents for a team's day: the stops as waypoints, the road path as a track.

The one GPX writer: the files ``gridpatrol plan`` writes and ``GET /plans/{id}/gpx`` are
both :func:`day_gpx` of the stored plan, byte for byte.  Pure string building (no files);
coordinates are WGS 84 lon/lat degrees with 6 decimals (~0.1 m), times UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from xml.sax.saxutils import escape

GPX_NS = "http://www.topografix.com/GPX/1/1"
#: The plans' clock times are China Standard Time (UTC+8, the whole country, no DST).
PLAN_TZ = dt.timezone(dt.timedelta(hours=8))


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
        arrival = s.get("arrival_s")
        when = start + dt.timedelta(seconds=int(arrival)) if start and arrival is not None else None
        label = f"{k}. {s.get('name') or s['site_id']}"
        out.append(f'<wpt lat="{float(s["lat"]):.6f}" lon="{float(s["lon"]):.6f}">'
                   f"{_time(when)}<name>{escape(label)}</name>"
                   f"<desc>{escape(str(s['site_id']))}</desc>"
                   f"<type>{escape(str(s.get('kind', 'site')))}</type></wpt>")
    out.append(f"<trk><name>{escape(name)}</name><trkseg>")
    out.extend(f'<trkpt lat="{lat:.6f}" lon="{lon:.6f}"/>' for lon, lat in path)
    out.append("</trkseg></trk></gpx>")
    return "\n".join(out) + "\n"


def day_gpx(*, date: str, team: str, day_start: str | None,
            path: Sequence[tuple[float, float]], stops: Sequence[dict]) -> str:
    """A plan's GPX: track ``"<date> <team>"``, times from *day_start* (``HH:MM``, local
    time :data:`PLAN_TZ`; none when unknown)."""
    start = None
    if day_start:
        h, m = (int(x) for x in day_start.split(":"))
        start = dt.datetime.combine(dt.date.fromisoformat(date), dt.time(h, m), tzinfo=PLAN_TZ)
    return route_gpx(f"{date} {team}", path, stops, start=start)
