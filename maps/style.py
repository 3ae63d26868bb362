"""Colours and classes: workload deviation, days since the last visit, fire risk, mine status.

Colour schemes are ColorBrewer's (colour-blind safe where a diverging scale is needed).
"""

from __future__ import annotations

import math

from branca.colormap import LinearColormap

#: Deviation (workload / target - 1) at which the diverging scale saturates.
DEVIATION_LIMIT = 0.3
_DEVIATION = LinearColormap(
    ["#2166ac", "#67a9cf", "#f7f7f7", "#ef8a62", "#b2182b"],
    vmin=-DEVIATION_LIMIT,
    vmax=DEVIATION_LIMIT,
)
NO_DATA = "#bdbdbd"

#: (upper bound in days, label key, colour) for days since the last visit; None = never.
DAY_CLASSES: tuple[tuple[float, str, str], ...] = (
    (7, "days_0_7", "#1a9850"),
    (30, "days_8_30", "#a6d96a"),
    (90, "days_31_90", "#fdae61"),
    (math.inf, "days_90", "#d73027"),
)
NEVER_COLOUR = "#7b3294"

RISK_COLOURS: dict[int, str] = {1: "#fed976", 2: "#fd8d3c", 3: "#bd0026"}

MINE_STATUS_COLOURS: dict[str, str] = {
    "producing": "#d7301f",
    "suspended": "#fc8d59",
    "closed": "#525252",
    "abandoned": "#969696",
    "proposed": "#6a51a3",
    "other": "#3182bd",
}


def deviation_colour(value: float | None) -> str:
    """Fill colour for a workload deviation (``workload / target - 1``; ``None`` = no data)."""
    if value is None or not math.isfinite(value):
        return NO_DATA
    clipped = max(-DEVIATION_LIMIT, min(DEVIATION_LIMIT, float(value)))
    return str(_DEVIATION(clipped))[:7]


def deviation_stops(n: int = 5) -> list[tuple[float, str]]:
    """``(value, colour)`` pairs along the deviation scale, for the legend's gradient."""
    step = 2 * DEVIATION_LIMIT / (n - 1)
    values = [-DEVIATION_LIMIT + i * step for i in range(n)]
    return [(v, deviation_colour(v)) for v in values]


def days_class(days: float | None) -> tuple[str, str]:
    """``(label key, colour)`` for days since the last visit (``None`` = never visited)."""
    if days is None or not math.isfinite(days):
        return "never", NEVER_COLOUR
    for bound, key, colour in DAY_CLASSES:
        if days <= bound:
            return key, colour
    return DAY_CLASSES[-1][1], DAY_CLASSES[-1][2]  # pragma: no cover - inf bound above


def risk_colour(risk_class: int | None) -> str:
    """Fill colour of a fire-risk class (1 low, 2 medium, 3 high; else grey)."""
    if risk_class is None:
        return NO_DATA
    try:
        return RISK_COLOURS.get(int(risk_class), NO_DATA)
    except (TypeError, ValueError):
        return NO_DATA


def mine_colour(status: str | None) -> str:
    """Marker colour of a mine status (unknown statuses share the ``other`` colour)."""
    return MINE_STATUS_COLOURS.get(str(status or "other"), MINE_STATUS_COLOURS["other"])


def mine_status_key(status: str | None) -> str:
    """The label key of a mine status (``status_other`` for unknown ones)."""
    s = str(status or "other")
    return f"status_{s}" if s in MINE_STATUS_COLOURS else "status_other"
