"""The ``gridpatrol`` command line: a thin argparse shell over the service functions.

Each command group lives in :mod:`api.commands` and registers itself with
``register(subparsers)``; :data:`COMMANDS` lists them, imported by name.  A command's handler
takes the parsed arguments and returns an exit code.  Domain errors are reported as one clear
message on stderr with exit code 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from api.commands import bench, demo, grids, maps, routes, service, store
from gis.errors import GisError
from layers.errors import LayerError
from maps.errors import MapError

log = logging.getLogger("gridpatrol")

#: Command groups, in the order ``gridpatrol --help`` lists them.
COMMANDS = (store, grids, routes, maps, service, demo, bench)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    parser = argparse.ArgumentParser(
        prog="gridpatrol",
        description="GridPatrol (网格巡查): grids, unannounced-inspection routes and coverage "
        "maps for a county.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in COMMANDS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.func(args) or 0)
    except (LayerError, GisError, MapError) as exc:
        log.error("error: %s", exc)
        for problem in getattr(exc, "problems", [])[:50]:
            log.error("  - %s", problem)
        return 2
    except KeyboardInterrupt:
        log.error("interrupted: nothing was written by the step that was running")
        return 130


if __name__ == "__main__":
    sys.exit(main())
