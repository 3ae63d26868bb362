"""Site risk that changes with time and status (the weight behind every visit rate).

A site's risk on a date is ``base(kind, status) × season × findings × weak``:

* **base**: producing coal mines highest (each has a named leader, 挂牌); suspended mines
  next; closed and abandoned mines stay on the list with their own risk, for illegal
  digging (私挖盗采); fire zones by their risk class; villages and grids lowest.
* **season** (fire zones only): :attr:`RiskConfig.fire_seasons`, by default the weeks
  around Qingming (清明, 5 April ± 14 days, ×2.0) and the dry season (1 Nov – 15 Mar,
  ×1.5); elsewhere ×1.0.  The largest factor that applies wins.
* **findings**: a site whose most recent visit had findings weighs ×2.0 until a clean
  revisit.
* **weak**: a village flagged weak and lax (软弱涣散, column ``weak``) weighs ×2.0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MonthDay = tuple[int, int]

DEFAULT_BASE: dict[str, float] = {
    "coal_mine:producing": 1.0,
    "coal_mine:suspended": 0.7,
    "coal_mine:closed": 0.6,
    "coal_mine:abandoned": 0.6,
    "mine:producing": 0.6,
    "mine:closed": 0.45,
    "mine:abandoned": 0.45,
    "mine": 0.4,
    "fire_zone:1": 0.25,
    "fire_zone:2": 0.4,
    "fire_zone:3": 0.6,
    "fire_zone": 0.3,
    "village": 0.2,
    "grid": 0.2,
}


@dataclass(frozen=True)
class RiskConfig:
    """Risk weights; every field may be overridden.

    Attributes
    ----------
    base
        ``"kind:status"`` (or ``"kind:risk_class"`` for fire zones, or ``"kind"``) → weight.
    fire_seasons
        ``(start (month, day), end (month, day), factor)``; an interval may wrap the year.
    findings_factor, weak_factor
        Multipliers for open findings and for weak villages.
    """

    base: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_BASE))
    fire_seasons: tuple[tuple[MonthDay, MonthDay, float], ...] = (
        ((3, 22), (4, 19), 2.0),  # Qingming (5 April) ± 14 days
        ((11, 1), (3, 15), 1.5),  # dry season
    )
    findings_factor: float = 2.0
    weak_factor: float = 2.0


def _in_season(day: dt.date, start: MonthDay, end: MonthDay) -> bool:
    md = (day.month, day.day)
    return start <= md <= end if start <= end else (md >= start or md <= end)


def season_factor(day: dt.date, config: RiskConfig | None = None) -> float:
    """The fire-season multiplier on *day* (1.0 outside every season)."""
    cfg = config or RiskConfig()
    factors = [f for s, e, f in cfg.fire_seasons if _in_season(day, s, e)]
    return max(factors, default=1.0)


def base_risk(kind: str, status: str | None, config: RiskConfig | None = None) -> float:
    """Base weight of a site of *kind* with *status* (a mine) or risk class (a fire zone)."""
    cfg = config or RiskConfig()
    family = "coal_mine" if kind == "coal_mine" else (
        "mine" if kind in {"quarry", "other_mine", "enterprise", "mine"} else kind)
    for key in (f"{family}:{status}", family):
        if key in cfg.base:
            return float(cfg.base[key])
    return 0.2


def open_findings(inspections: pd.DataFrame) -> set[str]:
    """Site ids whose most recent visit had findings (not yet cleared by a clean revisit)."""
    if inspections is None or inspections.empty:
        return set()
    last = inspections.sort_values("time").groupby("site_id").tail(1)
    flag = last["has_findings"].fillna(False).astype(bool)
    return set(last.loc[flag.to_numpy(), "site_id"].astype(str))


def site_risk(
    sites: pd.DataFrame,
    day: dt.date,
    *,
    findings: set[str] | None = None,
    config: RiskConfig | None = None,
) -> np.ndarray:
    """Risk of every site on *day*.

    Parameters
    ----------
    sites
        Columns ``site_id, kind, status`` (status holds a fire zone's risk class), and
        optionally ``weak`` (bool).
    findings
        Site ids with open findings (:func:`open_findings`).

    Returns
    -------
    Positive weights, one per row.
    """
    cfg = config or RiskConfig()
    season = season_factor(day, cfg)
    status = sites["status"] if "status" in sites else pd.Series(None, index=sites.index)
    risk = np.array([base_risk(str(k), None if pd.isna(s) else str(s), cfg)
                     for k, s in zip(sites["kind"], status, strict=True)])
    risk = np.where(sites["kind"].to_numpy() == "fire_zone", risk * season, risk)
    if findings:
        risk = np.where(sites["site_id"].astype(str).isin(findings), risk * cfg.findings_factor,
                        risk)
    if "weak" in sites:
        risk = np.where(sites["weak"].fillna(False).astype(bool), risk * cfg.weak_factor, risk)
    return risk
