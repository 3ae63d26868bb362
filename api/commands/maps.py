"""``gridpatrol map planner|inspector|leader --db … --out FILE.html``."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys

from api.commands.args import add_db_argument

log = logging.getLogger("gridpatrol")
TIANDITU_ENV = "GRIDPATROL_TIANDITU_KEY"
TILE_URL_ENV = "GRIDPATROL_TILE_URL"


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        msg = f"--today {text!r}: give an ISO date, e.g. 2025-04-03"
        raise argparse.ArgumentTypeError(msg) from None


def _map(args: argparse.Namespace) -> int:
    from api.services.maps import write_map
    from layers.store import open_store
    from maps.errors import MapError

    store = open_store(args.db, create=False)
    try:
        path = write_map(
            store, args.kind, out=args.out, basemap=args.basemap, lang=args.lang,
            team=args.team, date=args.date, self_contained=args.self_contained,
            tianditu_key=os.environ.get(TIANDITU_ENV) or None,
            tile_url=os.environ.get(TILE_URL_ENV) or None, today=args.today,
        )
    except MapError as exc:
        log.error("error: %s", exc)
        return 2
    finally:
        store.close()
    sys.stdout.write(f"{args.kind} map: {path}\n")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``map`` to the command line."""
    p = sub.add_parser(
        "map",
        help="write an interactive map (planner, inspector or leader) as HTML",
        description="Write an interactive map that opens with no internet. Basemap keys: "
        f"${TIANDITU_ENV} (Tianditu), ${TILE_URL_ENV} (an intranet XYZ tile server).",
    )
    p.add_argument("kind", choices=("planner", "inspector", "leader"))
    add_db_argument(p)
    p.add_argument("--out", required=True, help="the HTML file to write")
    p.add_argument("--basemap", choices=("none", "osm", "tianditu", "gaode"), default="none",
                   help="none (offline, default), osm, tianditu (CGCS2000) or gaode (GCJ-02)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="labels (default zh)")
    p.add_argument("--team", default=None, help="inspector map: the team")
    p.add_argument("--date", default=None, help="inspector map: the plan's date (ISO)")
    p.add_argument("--today", type=_date, default=None,
                   help="leader map: count days to this date (default: the latest visit)")
    p.add_argument("--single-file", "--self-contained", dest="self_contained",
                   action="store_true",
                   help="inline every asset and the offline basemap: one file to send, which "
                   "opens offline with nothing beside it (else a static/ folder is written "
                   "beside the page)")
    p.set_defaults(func=_map)
