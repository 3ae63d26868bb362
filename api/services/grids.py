"""Grid services over the store: balance, edit preview/commit, history, revert.

The CLI and (later) the web service call these.  Every write — ``units.grid_id`` and
``units.workload``, the ``grids`` layer of the villages concerned and one ``grid_history`` row
per village — happens in ONE store transaction, so an error writes nothing.  Versions are per
village: each commit adds ``version + 1``; a commit names the version it was based on and
raises :class:`layers.errors.ConflictError` when the village moved on meanwhile.

Grid ids are grid codes: the village's 12-digit division code (``admin_areas.code``; derived
from the village id when unknown) + a 3-digit sequence numbered west→east, north→south.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from api.services.grid_frames import grid_frame, number_grids, unit_geoms_metric
from gis.adjacency import build_graph
from gis.balance import BalanceError, balance
from gis.partition import Partition
from gis.workload import compute_workload, parse_weights, travel_minutes
from layers.errors import ConflictError
from layers.store import Store

PINNED_KINDS = ("mine", "enterprise")
AUTHOR = "gridpatrol"


@dataclass(frozen=True)
class BalanceReport:
    """What :func:`balance_store` wrote."""

    villages: tuple[str, ...]
    grids: int
    versions: dict[str, int]
    summary: dict[str, float | int]
    moved_units: int
    per_village: dict[str, dict[str, float | int]] = field(default_factory=dict)


def village_codes(store: Store) -> dict[str, str]:
    """``{village area_id: 12-digit code}`` (derived from the id's CRC when unknown)."""
    admin = store.read("admin_areas")
    out: dict[str, str] = {}
    for _, row in admin.iterrows():
        code = row.get("code")
        code = str(code) if isinstance(code, str) and code.strip() else ""
        out[str(row["area_id"])] = code or derived_code(str(row["area_id"]))
    return out


def derived_code(village_id: str) -> str:
    """A stable 12-digit stand-in code for a village without a division code."""
    return f"{zlib.crc32(village_id.encode()) % 10**12:012d}"


def current_versions(store: Any, villages: Sequence[str]) -> dict[str, int]:
    """Latest committed version per village (0 if none)."""
    hist = store.read("grid_history", where={"village_id": list(villages)}) if villages else None
    out = {v: 0 for v in villages}
    if hist is not None and len(hist):
        for v, ver in hist.groupby("village_id")["version"].max().items():
            out[str(v)] = int(ver)
    return out


def _unit_weights(units: gpd.GeoDataFrame, weights: Mapping[str, float]) -> np.ndarray:
    frame = pd.DataFrame(units.drop(columns="geometry"))
    if weights.get("travel_min"):
        area = unit_geoms_metric(units).area.to_numpy()
        frame["travel_min"] = travel_minutes(area, units["kind"].to_numpy(dtype=object))
    return compute_workload(frame, weights)


def _pinned(units: pd.DataFrame) -> np.ndarray:
    flag = units["pinned"].fillna(False).astype(bool).to_numpy()
    kind = units["kind"].astype(str).isin(PINNED_KINDS).to_numpy()
    return flag | kind


def _scope(store: Store, units: gpd.GeoDataFrame, villages: Sequence[str] | None) -> list[str]:
    have = sorted(set(units["village_id"].astype(str)))
    if villages is None:
        if not have:
            raise BalanceError("the store has no units: build them first (`gridpatrol demo` or "
                               "`gridpatrol units`)")
        return have
    admin = store.read("admin_areas")
    known = set(admin["area_id"].astype(str)) | set(have)
    problems = [f"village {v} is not in admin_areas: check the id" for v in villages
                if v not in known]
    problems += [f"village {v} has no units: build units for it or leave it out"
                 for v in villages if v in known and v not in have]
    if problems:
        raise BalanceError("cannot balance: " + "; ".join(problems), problems)
    return list(dict.fromkeys(villages))


def balance_store(
    store: Store, *, target: float = 300.0, tolerance: float = 0.05,
    weights: str | Mapping[str, float] | None = None, villages: Sequence[str] | None = None,
    count: int | None = None, author: str = AUTHOR, reason: str = "balance", seed: int = 0,
    keep_existing: bool = True, oversize: Literal["error", "pin"] = "error",
    islands: Literal["error", "separate"] = "error",
    seconds: float | None = None, progress: Callable[[str], None] | None = None,
) -> BalanceReport:
    """Draw balanced grids for *villages* (default: every village with units) and store them.

    Parameters
    ----------
    store
        An open store with ``units`` (and ``admin_areas`` for codes).
    target, tolerance
        Target workload per grid; allowed |deviation| (fraction).
    weights
        Workload weights (``"households=1,members=2"`` or a mapping; see
        :mod:`gis.workload`); default households only.
    count
        Fixed number of free grids per village instead of *target*.
    keep_existing
        Start from the current ``units.grid_id`` where it fits (fewest moved units).
    oversize
        ``"pin"`` turns units heavier than the target into exclusive grids instead of failing.
    islands
        ``"separate"`` gives each connected piece of a disconnected village its own grids
        instead of failing (the default names the island units).
    seed
        Seeds the only random generator.

    Returns a :class:`BalanceReport`; raises (writing nothing) on bad input.
    """
    w_map = parse_weights(weights)
    units = store.read("units")
    scope = _scope(store, units, villages)
    in_scope = units["village_id"].astype(str).isin(scope).to_numpy()
    work = _unit_weights(units, w_map)
    sub = units[in_scope].reset_index(drop=True)
    graph = build_graph(sub)
    initial = sub["grid_id"].to_numpy(dtype=object) if keep_existing else None
    part = balance(graph, work[in_scope], rng=np.random.default_rng(seed), target=target,
                   tolerance=tolerance, count=count, pinned=_pinned(sub), villages=scope,
                   initial=initial, oversize=oversize, islands=islands, seconds=seconds,
                   progress=progress)
    codes = village_codes(store)
    part = number_grids(part, {v: codes.get(v, derived_code(v)) for v in scope})
    new_ids = np.asarray(part.labels, dtype=object)[part.assignment]
    old = sub["grid_id"].astype(object).to_numpy()
    moved = int(np.sum(new_ids != old))
    units = units.copy()
    units["workload"] = work
    units.loc[in_scope, "grid_id"] = new_ids
    sub = sub.assign(grid_id=new_ids, workload=work[in_scope])
    versions = _write(store, units, part, sub, scope, author=author, reason=reason,
                      expected=None)
    per = {v: _village_summary(part, v) for v in scope}
    return BalanceReport(villages=tuple(scope), grids=int(part["summary"]["grids"]),
                         versions=versions, summary=dict(part["summary"]), moved_units=moved,
                         per_village=per)


def _village_summary(part: Partition, village: str) -> dict[str, float | int]:
    slots = [s for s in part.active if part.villages[s] == village]
    free = [s for s in slots if not part.pinned[s]]
    dev = np.abs(part["deviation"][free]) if free else np.zeros(0)
    return {"grids": len(slots), "pinned": len(slots) - len(free),
            "max_dev": float(dev.max()) if len(dev) else 0.0,
            "workload": float(part["workload"][slots].sum())}


def _write(store: Store, units: gpd.GeoDataFrame, part: Partition, sub: gpd.GeoDataFrame,
           scope: Sequence[str], *, author: str, reason: str,
           expected: Mapping[str, int] | None,
           after: Callable[[Any, dict[str, int]], None] | None = None) -> dict[str, int]:
    """Write units, the villages' grids and one history row each, in one transaction.

    *after* runs inside that transaction with the new versions (e.g. to write the audit
    event), so the change and its record land together or not at all.
    """
    now = datetime.now(UTC)
    with store.transaction() as tx:
        tx.lock(*(f"village:{v}" for v in scope))
        versions = current_versions(tx, scope)
        if expected is not None:
            stale = {v: versions[v] for v in expected if versions.get(v) != expected[v]}
            if stale:
                msg = (f"village(s) {sorted(stale)} changed since version "
                       f"{[expected[v] for v in stale]} (now {list(stale.values())}): reload "
                       "the plan and redo the edit")
                raise ConflictError(msg)
        new = {v: versions[v] + 1 for v in scope}
        old_grids = tx.read("grids", where={"village_id": list(scope)})
        workers = dict(zip(old_grids["grid_id"], old_grids["worker"], strict=True))
        grids = grid_frame(part, sub, new, workers)
        tx.upsert("units", units[units["village_id"].astype(str).isin(scope)])
        tx.delete("grids", old_grids["grid_id"].astype(str).tolist())
        tx.upsert("grids", grids)
        by_village = {str(v): dict(zip(f["unit_id"].astype(str), f["grid_id"].astype(str),
                                       strict=True))
                      for v, f in sub.groupby("village_id")}
        hist = pd.DataFrame([{
            "history_id": f"{v}@{new[v]}", "village_id": v, "version": new[v],
            "author": author, "time": now, "reason": reason,
            "assignment": by_village.get(v, {}),
        } for v in scope])
        tx.append("grid_history", hist)
        if after is not None:
            after(tx, new)
    return new

