"""The imports' history: every import into the store, recorded in the audit log.

Each record says when, by whom (the signed-in user, or the operating-system account for the
command line), what kind of import, which file (name, size, SHA-256) and how many features
per layer were written.
"""

from __future__ import annotations

import getpass
import hashlib
from pathlib import Path
from typing import Any

import pandas as pd

from api.services import audit
from layers.store import Reader, Store, Transaction

ACTION = "import"


def file_facts(path: str | Path) -> dict[str, Any]:
    """Name, size (bytes) and SHA-256 of *path*."""
    p = Path(path)
    digest = hashlib.sha256()
    with p.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return {"file": p.name, "bytes": p.stat().st_size, "sha256": digest.hexdigest()}


def record(target: Store | Transaction, *, kind: str, path: str | Path,
           counts: dict[str, int], user: str | None = None) -> None:
    """Record one import (*kind*: osm, mines, layer, register, workers …)."""
    who = user or f"{getpass.getuser()} (cli)"
    audit.record(target, user=who, action=ACTION, obj=kind,
                 detail={**file_facts(path), "counts": {k: int(v) for k, v in counts.items()}})


def history(store: Reader, *, limit: int = 500) -> list[dict[str, Any]]:
    """The imports, newest first."""
    rows = audit.events(store, action=ACTION, limit=1_000_000)
    if rows.empty:
        return []
    rows = rows.sort_values("time", ascending=False).head(limit)
    out = []
    for r in rows.itertuples():
        detail = r.detail if isinstance(r.detail, dict) else {}
        out.append({"time": pd.Timestamp(r.time).isoformat(), "user": r.user, "kind": r.object,
                    "file": detail.get("file"), "bytes": detail.get("bytes"),
                    "sha256": detail.get("sha256"), "counts": detail.get("counts") or {}})
    return out
