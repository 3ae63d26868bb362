"""Balancing grids over the store: ``gridpatrol balance`` and the demo call :func:`balance_store`.

Every village that can be balanced is; a village that cannot (units in several pieces, a
unit heavier than the target, …) is listed with its reasons in :attr:`BalanceReport.skipped`,
and the run fails (:class:`gis.balance.BalanceError`, exit 2) only when it balanced nothing.
What it draws is written by :mod:`api.services.partition_writer` in ONE transaction, checked
there (complete, contiguous, inside the village, exclusive grids kept).

Grid ids are grid codes: the village's 12-digit division code (``admin_areas.code``; derived
from the village id when unknown) + a 3-digit sequence numbered west→east, north→south
(:mod:`gis.numbering`).  Search budgets are steps (deterministic for a seed); the wall-clock
*safety_s* only guards the run and is reported in :attr:`BalanceReport.safety_limit` when it
bites.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from api.services.partition_writer import (
    AUTHOR,
    begin,
    pinned_units,
    village_codes,
    write_partition,
)
from gis.adjacency import build_graph, to_metric
from gis.balance import BalanceError, balance, triage
from gis.budget import SafetyLimit
from gis.numbering import number_grids
from gis.partition import Partition
from gis.workload import compute_workload, parse_weights, travel_minutes
from layers.store import Store

log = logging.getLogger(__name__)
#: Wall-clock safety limit of one balance run (seconds); budgets are steps, not seconds.
BALANCE_SAFETY_S = 1800.0


@dataclass(frozen=True)
class BalanceReport:
    """What :func:`balance_store` wrote.

    Attributes
    ----------
    villages
        The villages balanced and written.
    skipped
        ``{village: [reasons]}`` of the villages that could not be balanced (left as they
        were).
    safety_limit
        ``{"seconds", "hit", "events"}``: whether the wall-clock guard cut a search short.
    """

    villages: tuple[str, ...]
    grids: int
    versions: dict[str, int]
    summary: dict[str, float | int]
    moved_units: int
    per_village: dict[str, dict[str, float | int]] = field(default_factory=dict)
    skipped: dict[str, list[str]] = field(default_factory=dict)
    safety_limit: dict[str, object] = field(default_factory=dict)


def _unit_weights(units: gpd.GeoDataFrame, weights: Mapping[str, float]) -> np.ndarray:
    frame = pd.DataFrame(units.drop(columns="geometry"))
    if weights.get("travel_min"):
        area = to_metric(units).geometry.area.to_numpy()
        frame["travel_min"] = travel_minutes(area, units["kind"].to_numpy(dtype=object))
    return compute_workload(frame, weights)


def _scope(store: Store, units: gpd.GeoDataFrame, villages: Sequence[str] | None) -> list[str]:
    have = sorted(set(units["village_id"].astype(str)))
    if villages is None:
        if not have:
            raise BalanceError("the store has no units: build them first (`gridpatrol demo` or "
                               "`gridpatrol units`)")
        return have
    admin = store.read("admin_areas", ids=list(villages))
    known = set(admin["area_id"].astype(str)) | set(have)
    problems = [f"village {v} is not in admin_areas: check the id" for v in villages
                if v not in known]
    problems += [f"village {v} has no units: build units for it or leave it out"
                 for v in villages if v in known and v not in have]
    if problems:
        raise BalanceError("cannot balance: " + "; ".join(problems), problems)
    return list(dict.fromkeys(villages))


def _nothing_balanced(skipped: Mapping[str, list[str]]) -> BalanceError:
    problems = [p for v in sorted(skipped) for p in skipped[v]]
    msg = (f"cannot balance any of the {len(skipped)} village(s): "
           + "; ".join(problems[:3]))
    return BalanceError(msg, problems)


def balance_store(
    store: Store, *, target: float = 300.0, tolerance: float = 0.05,
    weights: str | Mapping[str, float] | None = None, villages: Sequence[str] | None = None,
    count: int | None = None, author: str = AUTHOR, reason: str = "balance", seed: int = 0,
    keep_existing: bool = True, oversize: Literal["error", "pin"] = "error",
    islands: Literal["error", "separate"] = "error", effort: float = 1.0,
    safety_s: float | None = BALANCE_SAFETY_S, progress: Callable[[str], None] | None = None,
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
        ``"pin"`` turns units heavier than the target into exclusive grids instead of
        skipping their village.
    islands
        ``"separate"`` gives each connected piece of a disconnected village its own grids
        instead of skipping the village (the reason names the island units).
    seed
        Seeds the only random generator: the same seed gives the same grids anywhere.
    effort
        Multiplies the search budgets (steps; see :func:`gis.balance.balance`).
    safety_s
        Wall-clock safety limit of the run (reported in the result when it bites).
    progress
        Called with each village id once it is done.

    Returns a :class:`BalanceReport`.  Villages that cannot be balanced are skipped with their
    reasons; :class:`BalanceError` (nothing written) when none can be, or on bad input.
    """
    w_map = parse_weights(weights)
    units = store.read("units")
    scope = _scope(store, units, villages)
    work = _unit_weights(units, w_map)
    in_scope = units["village_id"].astype(str).isin(scope).to_numpy()
    sub = units[in_scope].reset_index(drop=True)
    graph = build_graph(sub)
    opts = {"target": target, "tolerance": tolerance, "count": count, "oversize": oversize,
            "islands": islands}
    skipped = triage(graph, work[in_scope], villages=scope, pinned=pinned_units(sub), **opts)
    for v, why in skipped.items():
        log.warning("village %s not balanced: %s", v, "; ".join(why))
    ok = [v for v in scope if v not in skipped]
    if not ok:
        raise _nothing_balanced(skipped)
    keep = sub["village_id"].astype(str).isin(ok).to_numpy()
    sub = sub[keep].reset_index(drop=True)
    graph = graph.subgraph(np.flatnonzero(keep))
    w = work[in_scope][keep]
    limit = SafetyLimit(safety_s)
    part = balance(graph, w, rng=np.random.default_rng(seed), villages=ok,
                   pinned=pinned_units(sub), effort=effort, limit=limit,
                   initial=sub["grid_id"].to_numpy(dtype=object) if keep_existing else None,
                   progress=progress, **opts)
    part = number_grids(part, village_codes(store, ok))
    new_ids = np.asarray(part.labels, dtype=object)[part.assignment]
    moved = int(np.sum(new_ids != sub["grid_id"].astype(object).to_numpy()))
    with store.transaction() as tx:
        versions = begin(tx, ok)
        write_partition(tx, part, sub.assign(workload=w), versions=versions, author=author,
                        reason=reason, pinned=part.pinned[part.assignment])
    return BalanceReport(villages=tuple(ok), grids=int(part["summary"]["grids"]),
                         versions=versions, summary=dict(part["summary"]), moved_units=moved,
                         per_village={v: _village_summary(part, v) for v in ok},
                         skipped=skipped, safety_limit=limit.report())


def _village_summary(part: Partition, village: str) -> dict[str, float | int]:
    slots = [s for s in part.active if part.villages[s] == village]
    free = [s for s in slots if not part.pinned[s]]
    dev = np.abs(part["deviation"][free]) if free else np.zeros(0)
    return {"grids": len(slots), "pinned": len(slots) - len(free),
            "max_dev": float(dev.max()) if len(dev) else 0.0,
            "workload": float(part["workload"][slots].sum())}
