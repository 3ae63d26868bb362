"""``gridpatrol demo``: build the demo store and its outputs (:mod:`api.services.demo`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _demo(args: argparse.Namespace) -> int:
    from api.services.demo import run_demo

    report = run_demo(Path(args.out), progress=not args.quiet)
    sys.stdout.write(report + "\n")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``demo``."""
    p = sub.add_parser("demo", help="build the demo store (North Bayreuth) and its outputs")
    p.add_argument("--out", default="demo-out", help="output folder (default ./demo-out)")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=_demo)
