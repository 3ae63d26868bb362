"""The workload index: a weighted sum of each unit's figures.

Defaults (documented, changeable per run): households weigh 1 and nothing else counts, so a
target of 300 means "about 300 households per grid".  Other figures a user may weigh in:

=================  ===========================================================
field              meaning (unit of the weight)
=================  ===========================================================
``households``     households (per household; default weight 1)
``population``     residents (per person)
``members``        party members living in the unit (per member)
``mines``          mine sites in the unit (per site)
``fire_area_m2``   forest fire-zone area (per m²; 0.0001 = 1 per hectare)
``travel_min``     minutes to cross the unit at 30 km/h (√area / speed), derived
                   from the geometry, counted only for rural ``territory`` units
=================  ===========================================================
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from gis.errors import GisError

DEFAULT_WEIGHTS: dict[str, float] = {"households": 1.0}
FIELDS: tuple[str, ...] = (
    "households", "population", "members", "mines", "fire_area_m2", "travel_min",
)
#: Speed (km/h) used to turn a rural unit's size into crossing time.
RURAL_SPEED_KMH = 30.0


class WorkloadError(GisError, ValueError):
    """Weights or unit figures that cannot make a workload (unknown, negative, missing)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


def parse_weights(text: str | Mapping[str, float] | None) -> dict[str, float]:
    """Parse ``"households=1,members=2"`` (or a mapping) into validated weights.

    Raises :class:`WorkloadError` for an unknown field, a value that is not a number, or a
    negative weight.  ``None`` or an empty string gives :data:`DEFAULT_WEIGHTS`.
    """
    if text is None or (isinstance(text, str) and not text.strip()):
        return dict(DEFAULT_WEIGHTS)
    pairs: dict[str, object]
    if isinstance(text, str):
        pairs = {}
        for part in text.split(","):
            name, sep, value = part.partition("=")
            if not sep:
                msg = f"--weights: {part!r} is not field=number (e.g. households=1,members=2)"
                raise WorkloadError(msg)
            pairs[name.strip()] = value.strip()
    else:
        pairs = dict(text)
    out: dict[str, float] = {}
    problems = []
    for name, value in pairs.items():
        if name not in FIELDS:
            problems.append(f"unknown workload field {name!r}: use one of {', '.join(FIELDS)}")
            continue
        try:
            w = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            problems.append(f"weight of {name} is {value!r}, not a number")
            continue
        if not math.isfinite(w) or w < 0:
            problems.append(f"weight of {name} is {w}: weights must be finite and ≥ 0")
            continue
        out[name] = w
    if problems:
        raise WorkloadError("bad workload weights: " + "; ".join(problems), problems)
    if not any(v > 0 for v in out.values()):
        msg = "bad workload weights: every weight is 0, so every grid would weigh nothing"
        raise WorkloadError(msg)
    return out


def travel_minutes(area_m2: NDArray[np.float64], kind: NDArray[np.object_] | None = None,
                   *, speed_kmh: float = RURAL_SPEED_KMH) -> NDArray[np.float64]:
    """Minutes to cross a unit of *area_m2* (√area at *speed_kmh*); 0 unless ``territory``."""
    minutes = np.sqrt(np.maximum(area_m2, 0.0)) / (speed_kmh * 1000.0 / 60.0)
    if kind is not None:
        minutes = np.where(np.asarray(kind, dtype=object) == "territory", minutes, 0.0)
    return minutes


def compute_workload(units: pd.DataFrame, weights: Mapping[str, float] | None = None,
                     *, id_field: str = "unit_id") -> NDArray[np.float64]:
    """Workload of every unit: ``Σ weight × figure`` over the weighted fields.

    Parameters
    ----------
    units
        Unit figures; a weighted field must be a column (``travel_min`` may be precomputed
        with :func:`travel_minutes`).
    weights
        ``{field: weight}``; default :data:`DEFAULT_WEIGHTS`.

    Raises :class:`WorkloadError` naming every unit with a missing or negative figure.
    """
    weights = parse_weights(weights) if weights is not None else dict(DEFAULT_WEIGHTS)
    total = np.zeros(len(units), dtype=np.float64)
    problems: list[str] = []
    ids = units[id_field].astype(str).to_numpy() if id_field in units else np.arange(len(units))
    for name, w in weights.items():
        if w == 0:
            continue
        if name not in units.columns:
            problems.append(f"units have no {name!r} column (weighted {w})")
            continue
        vals = pd.to_numeric(units[name], errors="coerce").to_numpy(dtype=np.float64,
                                                                     na_value=np.nan)
        bad = ~np.isfinite(vals) | (vals < 0)
        for i in np.flatnonzero(bad)[:20]:
            problems.append(f"unit {ids[i]}: {name} is {units[name].iloc[i]!r} (must be ≥ 0)")
        total += w * np.where(bad, 0.0, vals)
    if problems:
        raise WorkloadError(
            f"cannot compute workload ({len(problems)} problem(s)): " + "; ".join(problems[:5])
            + " — fix the units layer figures", problems)
    return total
