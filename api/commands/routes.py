"""``gridpatrol plan`` and ``gridpatrol campaign``: unannounced-inspection routes."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from api.commands.args import add_db_argument

if TYPE_CHECKING:
    from api.services.planning import PlanOptions
    from gis.access import SkippedSite

log = logging.getLogger("gridpatrol")


def _lonlat(text: str) -> tuple[float, float]:
    try:
        lon, lat = (float(v) for v in text.split(","))
    except ValueError:
        msg = f"--depot {text!r}: give lon,lat in degrees, e.g. 116.40,39.91"
        raise argparse.ArgumentTypeError(msg) from None
    return lon, lat


def _window(text: str) -> tuple[str, tuple[str, str]]:
    try:
        site, span = text.split("=", 1)
        a, b = span.split("-")
    except ValueError:
        msg = f"--window {text!r}: give SITE=HH:MM-HH:MM"
        raise argparse.ArgumentTypeError(msg) from None
    return site, (a, b)


def _common(p: argparse.ArgumentParser) -> None:
    add_db_argument(p)
    p.add_argument("--teams", type=int, required=True, help="number of teams (K >= 1)")
    p.add_argument("--hours", type=float, default=8.0, help="working day, hours (default 8)")
    p.add_argument("--seed", type=int, default=None, help="seed (default: random, stored)")
    p.add_argument("--depot", type=_lonlat, default=None,
                   help="start/end office lon,lat (default: town hall nearest the centre)")
    p.add_argument("--out", required=True, help="folder for GPX and HTML sheets")
    p.add_argument("--max-snap-m", type=float, default=None,
                   help="skip sites whose access point lies farther than this from any road "
                   "(m, default 2000)")
    p.add_argument("--day-start", default="08:00", help="local time the day starts (HH:MM)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="sheet language")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``plan`` and ``campaign``."""
    p = sub.add_parser("plan", help="plan one day of unannounced inspections (四不两直)")
    _common(p)
    p.add_argument("--date", required=True, help="ISO date, e.g. 2025-04-03")
    p.add_argument("--must", nargs="*", default=[], metavar="SITE", help="must-visit site ids")
    p.add_argument("--window", type=_window, action="append", default=[],
                   help="visit window SITE=HH:MM-HH:MM (repeatable)")
    p.add_argument("--iterations", type=int, default=None,
                   help="route-search budget (default 4000, ~5 s on one core; the same seed "
                   "gives the same plan)")
    p.add_argument("--seconds", type=float, default=60.0,
                   help="wall-clock safety limit of the search (s, default 60)")
    p.set_defaults(func=_plan)
    c = sub.add_parser("campaign", help="plan N weeks of unpredictable, risk-weighted days")
    _common(c)
    c.add_argument("--start", required=True, help="ISO date of the first day")
    c.add_argument("--weeks", type=int, default=8, help="number of weeks (default 8)")
    c.add_argument("--iterations-per-day", type=int, default=None,
                   help="route-search budget per day (default 800)")
    c.add_argument("--seconds-per-day", type=float, default=10.0,
                   help="wall-clock safety limit per day (s, default 10)")
    c.add_argument("--max-gap-days", type=int, default=15,
                   help="no site unvisited longer than this many working days")
    c.add_argument("--override", action="append", default=[], metavar="DATE=SITE[,SITE]",
                   help="a leader insists on sites on a date (repeatable)")
    c.set_defaults(func=_campaign)


def _open(args: argparse.Namespace):  # noqa: ANN202
    from layers.store import open_store

    return open_store(args.db, create=False)


def _options(args: argparse.Namespace, iterations: int | None, seconds: float,
             workers: int = 1) -> PlanOptions:
    from api.services.planning import DAY_ITERATIONS, PlanOptions
    from gis.sites import DEFAULT_MAX_SNAP_M

    return PlanOptions(teams=args.teams, hours=args.hours, seed=args.seed, depot=args.depot,
                       iterations=iterations or DAY_ITERATIONS, seconds=seconds,
                       day_start=args.day_start, max_snap_m=args.max_snap_m or DEFAULT_MAX_SNAP_M,
                       out=Path(args.out), lang=args.lang, workers=workers)


def _report_skipped(skipped: Sequence[SkippedSite]) -> None:
    if skipped:
        log.warning("%d site(s) skipped (off the road network), kept in the plans' record:",
                    len(skipped))
        for s in skipped:
            log.warning("  - %s", s)


def _plan(args: argparse.Namespace) -> int:
    from api.services.routes import plan_day

    store = _open(args)
    try:
        with tqdm(total=1, desc="planning", unit="day", file=sys.stderr,
                  disable=args.quiet) as bar:
            res = plan_day(store, _options(args, args.iterations, args.seconds,
                                             os.cpu_count() or 1),
                           date=args.date, must=args.must, windows=dict(args.window))
            bar.update()
    finally:
        store.close()
    _report_skipped(res.skipped)
    if args.json:
        _json({"date": res.date, "seed": res.seed, "plans": [
            {"plan_id": pid, "stops": len(stops)} for pid, stops in
            zip(res.plan_ids, res.stops, strict=True)], "prize": res.routes.prize,
            "drive_s": res.routes.drive_s, "files": list(res.files),
            "skipped": [s.as_dict() for s in res.skipped]})
        return 0
    for pid, stops in zip(res.plan_ids, res.stops, strict=True):
        sys.stdout.write(f"{pid}\t{len(stops)} stops\n")
    sys.stdout.write(f"prize {res.routes.prize:.2f}, drive {res.routes.drive_s / 60:.0f} min, "
                     f"{len(res.files)} files in {args.out}\n")
    return 0


def _json(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")


def _overrides(items: list[str]) -> dict[str, list[str]]:
    from gis.patrol import PatrolError

    out: dict[str, list[str]] = {}
    for item in items:
        if "=" not in item:
            msg = f"--override {item!r}: give DATE=SITE[,SITE]"
            raise PatrolError(msg)
        date, sites = item.split("=", 1)
        out.setdefault(date, []).extend(s for s in sites.split(",") if s)
    return out


def _campaign(args: argparse.Namespace) -> int:
    from api.services.campaign import plan_campaign
    from api.services.planning import CAMPAIGN_DAY_ITERATIONS

    store = _open(args)
    try:
        with tqdm(total=5 * args.weeks, desc="campaign", unit="day", file=sys.stderr,
                  disable=args.quiet) as bar:
            res = plan_campaign(store, _options(args, args.iterations_per_day
                                                     or CAMPAIGN_DAY_ITERATIONS,
                                                     args.seconds_per_day), start=args.start,
                                weeks=args.weeks, overrides=_overrides(args.override),
                                max_gap_days=args.max_gap_days, progress=bar.update)
    finally:
        store.close()
    _report_skipped(res.skipped)
    if args.json:
        _json({"metrics": res.metrics, "dates": list(res.dates), "plans": len(res.plan_ids),
               "files": len(res.files), "skipped": [s.as_dict() for s in res.skipped]})
        return 0
    sys.stdout.write(json.dumps(res.metrics, ensure_ascii=False) + "\n")
    sys.stdout.write(f"{len(res.plan_ids)} plans, {len(res.files)} files in {args.out}\n")
    return 0
