"""``gridpatrol balance`` and ``gridpatrol grids edit|commit|history|revert``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from api.commands.args import add_db_argument
from layers.store import open_store


def _out(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")


def _balance(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from api.services.grids import balance_store

    store = open_store(args.db, create=False)
    try:
        units = store.read("units")
        total = len(set(units["village_id"])) if args.village is None else len(args.village)
        with tqdm(total=total, unit="village", desc="balancing", file=sys.stderr) as bar:
            report = balance_store(
                store, target=args.target, tolerance=args.tolerance, weights=args.weights,
                villages=args.village, count=args.count, author=args.author,
                reason=args.reason, seed=args.seed, keep_existing=not args.fresh,
                oversize="pin" if args.pin_oversize else "error",
                islands="separate" if args.separate_islands else "error",
                progress=lambda _v: bar.update(1))
    finally:
        store.close()
    for village, reasons in report.skipped.items():
        sys.stderr.write(f"village {village} not balanced: {'; '.join(reasons)}\n")
    _out({"villages": len(report.villages), "grids": report.grids,
          "moved_units": report.moved_units, "summary": report.summary,
          "per_village": report.per_village, "skipped": report.skipped,
          "safety_limit": report.safety_limit})
    return 0


def _params(args: argparse.Namespace) -> dict[str, Any]:
    op = args.op
    if op == "move":
        return {"units": args.units, "to_grid": args.to}
    if op == "split":
        return {"grid": args.grid, "seed": args.seed}
    if op == "merge":
        return {"grid": args.grid, "other": args.other}
    if op == "redraw":
        return {"polygon": args.polygon, "to_grid": args.to}
    return {"grids": args.grids, "seed": args.seed}


def _edit(args: argparse.Namespace) -> int:
    """Preview (``--preview``: prints the token) or preview and commit that preview."""
    from api.services.grid_edits import commit_preview, preview_edit
    from layers.errors import ConflictError

    store = open_store(args.db, create=False)
    try:
        prev = preview_edit(store, kind=args.op, params=_params(args), tolerance=args.tolerance)
        if args.preview:
            _out(prev)
            return 0
        expected = prev["version"] if args.expect_version is None else args.expect_version
        if expected != prev["version"]:
            raise ConflictError(f"village {prev['village']} is at version {prev['version']}, "
                                f"not {expected}: check the grids and redo the edit")
        _out(commit_preview(store, token=prev["token"], author=args.author, reason=args.reason,
                            expected_version=expected, tolerance=args.tolerance))
    finally:
        store.close()
    return 0


def _commit(args: argparse.Namespace) -> int:
    """Write exactly what a preview showed (its token), never re-running the edit."""
    from api.services.grid_edits import commit_preview

    token = sys.stdin.read().strip() if args.token == "-" else args.token
    store = open_store(args.db, create=False)
    try:
        _out(commit_preview(store, token=token, author=args.author, reason=args.reason,
                            expected_version=args.expect_version))
    finally:
        store.close()
    return 0


def _history(args: argparse.Namespace) -> int:
    from api.services.grid_edits import history

    store = open_store(args.db, create=False)
    try:
        _out(history(store, village=args.village))
    finally:
        store.close()
    return 0


def _revert(args: argparse.Namespace) -> int:
    from api.services.grid_edits import revert

    store = open_store(args.db, create=False)
    try:
        _out(revert(store, village=args.village, version=args.version, author=args.author,
                    reason=args.reason, expected_version=args.expect_version))
    finally:
        store.close()
    return 0


def _who(p: argparse.ArgumentParser) -> None:
    add_db_argument(p)
    p.add_argument("--author", default="gridpatrol", help="who makes the change")
    p.add_argument("--reason", default="", help="why (kept in the history)")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``balance`` and ``grids``."""
    b = sub.add_parser("balance", help="draw balanced grids in every village (villages that "
                       "cannot be balanced are listed and left alone; exit 2 only when none "
                       "can be)")
    _who(b)
    b.add_argument("--target", type=float, default=300.0, help="target workload per grid")
    b.add_argument("--tolerance", type=float, default=0.05, help="allowed |deviation|")
    b.add_argument("--weights", default=None,
                   help="workload weights, e.g. households=1,members=2,fire_area_m2=0.0001")
    b.add_argument("--village", action="append", help="only this village (repeatable)")
    b.add_argument("--count", type=int, help="fixed number of grids per village")
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--fresh", action="store_true", help="ignore the current plan")
    b.add_argument("--pin-oversize", action="store_true",
                   help="make units heavier than the target exclusive grids")
    b.add_argument("--separate-islands", action="store_true",
                   help="give each disconnected piece of a village grids of its own")
    b.set_defaults(func=_balance, reason="balance")

    g = sub.add_parser("grids", help="edit grids, history, revert")
    gs = g.add_subparsers(dest="grids_command", required=True)
    e = gs.add_parser("edit", help="move|split|merge|redraw|rebalance (with --preview)")
    es = e.add_subparsers(dest="op", required=True)
    specs = {
        "move": [("units", {"nargs": "+"}), ("--to", {"required": True})],
        "split": [("grid", {})],
        "merge": [("grid", {}), ("other", {})],
        "redraw": [("--polygon", {"required": True, "help": "GeoJSON polygon (lon/lat)"}),
                   ("--to", {"required": True})],
        "rebalance": [("grids", {"nargs": "+"})],
    }
    for op, args in specs.items():
        p = es.add_parser(op)
        _who(p)
        for name, kw in args:
            p.add_argument(name, **kw)
        p.add_argument("--preview", action="store_true",
                       help="show, do not write; prints a token for `grids commit`")
        p.add_argument("--expect-version", type=int, help="fail if the village moved on")
        p.add_argument("--tolerance", type=float, default=0.05)
        p.add_argument("--seed", type=int, default=0)
        p.set_defaults(func=_edit)
    c = gs.add_parser("commit", help="write exactly what a preview showed (its token)")
    _who(c)
    c.add_argument("token", help="the token `grids edit … --preview` printed ('-': stdin)")
    c.add_argument("--expect-version", type=int, help="fail if the village moved on")
    c.set_defaults(func=_commit)
    h = gs.add_parser("history", help="versions of a village's grids")
    add_db_argument(h)
    h.add_argument("village")
    h.set_defaults(func=_history)
    r = gs.add_parser("revert", help="restore a version (as a new version)")
    _who(r)
    r.add_argument("village")
    r.add_argument("version", type=int)
    r.add_argument("--expect-version", type=int)
    r.set_defaults(func=_revert)
