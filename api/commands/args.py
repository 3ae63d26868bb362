"""Arguments that several command groups share."""

from __future__ import annotations

import argparse


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    """``--db``: a .gpkg path or postgresql:// URL (else $GRIDPATROL_DB, else ./gridpatrol.gpkg)."""
    parser.add_argument(
        "--db",
        default=None,
        help="store: a .gpkg path or postgresql:// URL "
        "(default: $GRIDPATROL_DB, else ./gridpatrol.gpkg)",
    )
