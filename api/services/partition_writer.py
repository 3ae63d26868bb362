"""The partition writer: the one place grids are written, checked in the writing transaction.

Every path that changes grids — a balance run, an edit commit, a revert — opens a store
transaction, calls :func:`begin` (locks the villages, checks the version it was based on) and
:func:`write_partition`, which re-reads the villages' units *inside the transaction*, refuses a
partition that breaks a constraint (:func:`gis.partition.check_valid`: complete, contiguous,
inside the village, exclusive grids kept — :class:`gis.partition.InvalidPartitionError`, 422
with every reason) and writes ``units.grid_id`` (and workload), the villages' ``grids`` and one
``grid_history`` row per village.  Either all of it lands or none of it.

Versions are per village: each commit adds ``version + 1``; a commit that names a stale
version raises :class:`layers.errors.ConflictError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.grid_shapes import dissolve_grids
from gis.numbering import derived_code
from gis.partition import InvalidPartitionError, Partition, problems
from layers.errors import ConflictError
from layers.store import Reader, Transaction

#: Unit kinds that are always exclusive grids (专属网格).
PINNED_KINDS = ("mine", "enterprise")
#: Author of changes made by the command line when none is given.
AUTHOR = "gridpatrol"


def pinned_units(units: pd.DataFrame) -> np.ndarray:
    """Whether each unit is an exclusive-grid unit (``pinned`` or a mine/enterprise kind)."""
    flag = units["pinned"].fillna(False).astype(bool).to_numpy()
    kind = units["kind"].astype(str).isin(PINNED_KINDS).to_numpy()
    return flag | kind


def current_versions(store: Reader, villages: Sequence[str]) -> dict[str, int]:
    """Latest committed version per village (0 if none)."""
    out = {v: 0 for v in villages}
    if not villages:
        return out
    hist = store.read("grid_history", where={"village_id": list(villages)})
    if len(hist):
        for v, ver in hist.groupby("village_id")["version"].max().items():
            out[str(v)] = int(ver)
    return out


def village_codes(store: Reader, villages: Sequence[str]) -> dict[str, str]:
    """``{village: 12-digit code}`` for *villages* only (derived from the id when unknown)."""
    admin = store.read("admin_areas", ids=list(villages)) if villages else None
    known: dict[str, str] = {}
    if admin is not None:
        for area, code in zip(admin["area_id"].astype(str), admin["code"], strict=True):
            if isinstance(code, str) and code.strip():
                known[area] = code.strip()
    return {v: known.get(v) or derived_code(v) for v in villages}


def begin(tx: Transaction, villages: Sequence[str],
          expected: Mapping[str, int] | None = None) -> dict[str, int]:
    """Lock *villages* for the transaction and return their next versions.

    Raises :class:`ConflictError` when a village is no longer at its *expected* version.
    """
    tx.lock(*(f"village:{v}" for v in villages))
    versions = current_versions(tx, villages)
    if expected is not None:
        stale = {v: versions.get(v) for v in expected if versions.get(v) != expected[v]}
        if stale:
            msg = (f"village(s) {sorted(stale)} changed since version "
                   f"{[expected[v] for v in stale]} (now {list(stale.values())}): reload "
                   "the grids and redo the edit")
            raise ConflictError(msg)
    return {v: versions[v] + 1 for v in villages}


def _check_same_units(tx: Transaction, units: gpd.GeoDataFrame, villages: Sequence[str]) -> None:
    """ConflictError unless the stored units of *villages* are exactly *units* (ids, shapes)."""
    stored = tx.read("units", where={"village_id": list(villages)})
    mine = units.set_index(units["unit_id"].astype(str))
    theirs = stored.set_index(stored["unit_id"].astype(str))
    if set(mine.index) != set(theirs.index):
        gone = sorted(set(mine.index) ^ set(theirs.index))
        msg = (f"the units of village(s) {list(villages)[:5]} changed while the grids were "
               f"drawn (unit(s) {gone[:10]}): draw the grids again")
        raise ConflictError(msg)
    a = shapely.to_wkb(np.asarray(mine.geometry.values))
    b = shapely.to_wkb(np.asarray(theirs.loc[mine.index].geometry.values))
    if np.any(a != b):
        raise ConflictError(f"the units of village(s) {list(villages)[:5]} were rebuilt while "
                            "the grids were drawn: draw the grids again")


def _foreign_ids(tx: Transaction, part: Partition) -> list[str]:
    """Grid ids of *part* that the store already gives to another village."""
    labels = [part.labels[s] for s in part.active]
    stored = tx.read("grids", ids=labels)
    mine = {part.labels[s]: part.villages[s] for s in part.active}
    return [f"grid {g} belongs to village {v}, not {mine[g]}: grids never cross a village "
            "boundary" for g, v in zip(stored["grid_id"].astype(str),
                                       stored["village_id"].astype(str), strict=True)
            if mine.get(g) != v]


def write_partition(tx: Transaction, part: Partition, units: gpd.GeoDataFrame, *,
                    versions: Mapping[str, int], author: str, reason: str,
                    pinned: np.ndarray, before: Partition | None = None,
                    units_from_tx: bool = False) -> None:
    """Check *part* and write it as version ``versions[v]`` of every village it covers.

    Parameters
    ----------
    tx
        The open transaction (after :func:`begin`).
    part
        The partition; every grid has its id.  ``part.graph`` covers exactly the units of
        the villages written, in the order of *units*.
    units
        Those units (the ``units`` layer rows, with ``workload`` as it should be stored).
    versions
        The new version of each village (from :func:`begin`).
    pinned
        The units' exclusive-grid flags (:func:`pinned_units`, plus units a run pinned).
    before
        The partition an edit started from: its exclusive grids must be kept unchanged.
    units_from_tx
        *units* were read inside *tx* (after :func:`begin`), so they are the stored ones;
        otherwise they are compared with the stored units first.

    Raises :class:`gis.partition.InvalidPartitionError` (every reason) or
    :class:`ConflictError` (the units changed meanwhile); nothing is written then.
    """
    scope = sorted(versions)
    if not units_from_tx:
        _check_same_units(tx, units, scope)
    found = problems(part, pinned_units=pinned, before=before) + _foreign_ids(tx, part)
    if found:
        msg = f"the grids cannot be committed ({len(found)} problem(s)): " + "; ".join(found[:3])
        raise InvalidPartitionError(msg, found)
    old_grids = tx.read("grids", where={"village_id": scope})
    workers = dict(zip(old_grids["grid_id"], old_grids["worker"], strict=True))
    ids = np.asarray(part.labels, dtype=object)[part.assignment]
    out = units.assign(grid_id=ids)
    tx.upsert("units", out)
    tx.delete("grids", old_grids["grid_id"].astype(str).tolist())
    tx.upsert("grids", dissolve_grids(part, out, versions, workers))
    now = datetime.now(UTC)
    by_village = {str(v): dict(zip(f["unit_id"].astype(str), f["grid_id"].astype(str),
                                   strict=True))
                  for v, f in out.groupby("village_id")}
    hist = pd.DataFrame([{
        "history_id": f"{v}@{versions[v]}", "village_id": v, "version": versions[v],
        "author": author, "time": now, "reason": reason,
        "assignment": by_village.get(v, {}),
    } for v in scope])
    tx.append("grid_history", hist)

