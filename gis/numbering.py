"""Grid codes: the village's 12-digit division code + a 3-digit sequence.

One numbering for every path that makes grids (a balance run, a split, a revert): new grids
are numbered after the highest sequence already used in their village, west→east within
bands from north to south, as city grid standards do.  Grids that keep their id keep it.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Mapping

import numpy as np

from gis.partition import Partition


def derived_code(village_id: str) -> str:
    """A stable 12-digit stand-in code for a village without a division code."""
    return f"{zlib.crc32(village_id.encode()) % 10**12:012d}"


def _used(labels: Iterable[str], code: str) -> list[int]:
    return [int(lab[len(code):]) for lab in labels
            if lab.startswith(code) and lab[len(code):].isdigit()]


def next_grid_id(labels: Iterable[str], code: str) -> str:
    """The id of one new grid of the village with *code*, after every id in *labels*."""
    return f"{code}{max(_used(labels, code), default=0) + 1:03d}"


def number_grids(part: Partition, codes: Mapping[str, str]) -> Partition:
    """Give every unlabelled grid of *part* a code: village code + the next sequences.

    *codes* maps village ids to their 12-digit codes (a village missing from it gets
    :func:`derived_code`).  Labels already set are kept, retired slots are left alone.
    """
    g = part.graph
    area = np.bincount(part.assignment, weights=g.area, minlength=part.k)
    with np.errstate(invalid="ignore", divide="ignore"):
        cx = np.bincount(part.assignment, weights=g.area * g.x, minlength=part.k) / area
        cy = np.bincount(part.assignment, weights=g.area * g.y, minlength=part.k) / area
    labels = list(part.labels)
    active = set(part.active.tolist())
    for village in sorted(set(part.villages)):
        slots = [s for s in range(part.k)
                 if part.villages[s] == village and s in active and not part.retired[s]]
        new = [s for s in slots if not labels[s]]
        if not new:
            continue
        code = codes.get(village) or derived_code(village)
        band = math.sqrt(float(np.median(area[slots])) or 1.0)
        new.sort(key=lambda s: (-math.floor(cy[s] / band), cx[s]))
        seq = max(_used(labels, code), default=0)
        for s in new:
            seq += 1
            labels[s] = f"{code}{seq:03d}"
    return part.with_labels(tuple(labels))
