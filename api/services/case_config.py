"""The county's case settings: the deadline table (shipped default, or the one an admin loaded).

``data/case_deadlines.csv`` ships the default; ``gridpatrol cases deadlines FILE`` (or
``PUT /cases/deadlines``) loads a county's own table into the store's ``case_deadlines``
layer, which then wins.  A case keeps the deadline it was given: a new table applies to new
assignments only.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from api.services import audit
from data import CASE_DEADLINES
from gis.deadlines import COLUMNS, DeadlineTable, parse_table
from layers.errors import InputFileError
from layers.importers.sources import detect_encoding, require_file
from layers.store import Reader, Store


def _csv_rows(path: Path) -> list[dict[str, str]]:
    text = path.read_bytes().decode(detect_encoding(path))
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("topic", "severity", "days") if c not in (reader.fieldnames or [])]
    if missing:
        msg = (f"{path.name}:1: the header lacks {', '.join(missing)}; the columns are "
               f"{', '.join(COLUMNS)}")
        raise InputFileError(msg)
    return list(reader)


def read_deadlines(path: str | Path) -> DeadlineTable:
    """A deadline table from a CSV file (UTF-8 or GBK); every bad cell named file:row:column."""
    file = require_file(path)
    if file.suffix.lower() not in (".csv", ".txt"):
        raise InputFileError(f"{file.name}: give the deadline table as CSV ({', '.join(COLUMNS)})")
    return parse_table(_csv_rows(file), source=file.name)


def shipped_deadlines() -> DeadlineTable:
    """The default table shipped in ``data/``."""
    return read_deadlines(CASE_DEADLINES)


def deadline_table(store: Reader) -> DeadlineTable:
    """The table in force: the store's (loaded by an admin), else the shipped one."""
    rows = store.read("case_deadlines")
    if rows.empty:
        return shipped_deadlines()
    source = str(rows["source"].dropna().iloc[0]) if rows["source"].notna().any() else "store"
    return parse_table(rows.to_dict("records"), source=source)


def load_deadlines(store: Store, table: DeadlineTable, *, by: str) -> int:
    """Make *table* the county's (replaces the previous one; audited); returns its rows."""
    now = datetime.now(UTC)
    rows = pd.DataFrame([{**r, "rule_id": f"{r['topic']}:{r['severity']}",
                          "recheck_days": r["recheck_days"], "source": table.source,
                          "loaded_by": by, "loaded_at": now} for r in table.rows()])
    with store.transaction() as tx:
        tx.replace("case_deadlines", rows)
        audit.record(tx, user=by, action="cases.deadlines", obj=table.source,
                     detail={"rows": len(rows)})
    return len(rows)
