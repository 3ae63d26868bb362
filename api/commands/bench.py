"""``gridpatrol bench balance|routes|maps|service|coverage [--json] [--quick] [--out FILE]``.

Each harness lives in :mod:`api.bench` and runs its anchors side by side in one process,
returning one JSON object (ratios and figures); benchmarks are not tests.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCHES = ("balance", "routes", "maps", "service", "coverage")


def harness(name: str) -> Callable[..., dict[str, Any]]:
    """The ``run(quick=…, out=…)`` of bench *name*, imported when asked for (each harness
    pulls in its own anchors: OR-Tools, GerryChain, Chromium)."""
    if name == "balance":
        from api.bench.balance import run
    elif name == "routes":
        from api.bench.routes import run
    elif name == "maps":
        from api.bench.maps import run
    elif name == "service":
        from api.bench.service import run
    elif name == "coverage":
        from api.bench.coverage import run
    else:
        msg = f"no bench {name!r}: choose one of {', '.join(BENCHES)}"
        raise ValueError(msg)
    return run


def _run(args: argparse.Namespace) -> int:
    result = harness(args.name)(quick=args.quick, out=Path(args.out) if args.out else None)
    text = json.dumps(result, indent=None if args.json else 2, ensure_ascii=False)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    sys.stdout.write(text + "\n")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``bench``."""
    p = sub.add_parser("bench", help="benchmarks against the anchors the issues name")
    p.add_argument("name", choices=BENCHES)
    p.add_argument("--json", action="store_true", help="compact JSON on one line")
    p.add_argument("--quick", action="store_true", help="short smoke run (fewer steps)")
    p.add_argument("--out", help="also write the JSON to this file")
    p.set_defaults(func=_run)
