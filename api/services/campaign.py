"""Campaigns of unannounced inspections over weeks (四不两直), as a service.

Samples each working day's sites from risk-proportional visit rates with catch-up and the
hard rules (:mod:`gis.campaign`), routes the day (:mod:`gis.patrol`), and writes every day's
sealed plans like :func:`api.services.routes.plan_day` does.  Seeds are logged per day, never
shown to inspectors.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from api.services.routes import (
    _check_basic,
    _check_ids,
    _Context,
    _context,
    _parse_date,
    _plan_rows,
    _store_plans,
    _write_files,
)
from gis.patrol import DayPlan, DayProblem, PatrolError, TeamRoute, solve_day
from gis.risk import RiskConfig, open_findings, site_risk
from gis.sites import (
    DEFAULT_MAX_SNAP_M,
)
from layers.store import Store

Progress = Callable[[int], None]


@dataclass(frozen=True)
class CampaignSummary:
    """What :func:`run_campaign` wrote, its metrics, and the per-day log (with seeds)."""

    dates: tuple[str, ...]
    plan_ids: tuple[str, ...]
    metrics: dict[str, Any]
    days: tuple[dict, ...]
    files: tuple[str, ...]


def working_days(start: dt.date, weeks: int) -> list[dt.date]:
    """Monday–Friday dates in the *weeks* weeks from *start*."""
    return [d for d in (start + dt.timedelta(i) for i in range(7 * weeks)) if d.weekday() < 5]


def make_router(matrix: np.ndarray, service: np.ndarray, site_ids: Sequence[str], *,
                teams: int, hours: float, seconds: float
                ) -> Callable[[np.ndarray, np.ndarray, int], list[list[int]]]:
    """A campaign router over the full depot+sites *matrix* (depot = row 0)."""
    def route(idx: np.ndarray, prize: np.ndarray, seed: int) -> list[list[int]]:
        if len(idx) == 0:
            return []
        sub = np.r_[0, idx + 1]
        problem = DayProblem(matrix[np.ix_(sub, sub)], tuple(site_ids[i] for i in idx),
                             service[idx], prize, teams, hours)
        plan = solve_day(problem, seconds=seconds, seed=seed)
        return [[int(idx[s.index]) for s in r.stops] for r in plan.routes]
    return route


def initial_capacity(matrix: np.ndarray, service: np.ndarray, teams: int, hours: float
                     ) -> float:
    """A first guess of visits per day: the day's minutes over (visit + half a typical drive)."""
    off = matrix[1:, 1:][~np.eye(len(service), dtype=bool)]
    drive = float(np.median(off[np.isfinite(off)])) if off.size else 0.0
    return max(1.0, teams * hours * 3600 / (float(service.mean()) + drive / 2))


def run_campaign(
    store: Store,
    *,
    start: str | dt.date,
    weeks: int,
    teams: int,
    hours: float,
    seed: int | None = None,
    depot: tuple[float, float] | None = None,
    out: str | Path | None = None,
    seconds_per_day: float = 1.0,
    overrides: Mapping[str, Sequence[str]] | None = None,
    max_gap_days: int = 15,
    visit_minutes: Mapping[str, float] | None = None,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    speeds: Mapping[str, float] | None = None,
    risk_config: RiskConfig | None = None,
    created_by: str = "gridpatrol",
    cache_dir: Path | None = None,
    lang: str = "zh",
    progress: Progress | None = None,
) -> CampaignSummary:
    """Plan *weeks* weeks of working days and write every day's plans (one transaction).

    Each day's candidates are drawn by :func:`gis.campaign.run_campaign` (risk-proportional
    rates, catch-up, hard rules, no team starting at the same site two days running) and
    routed with PyVRP.  *overrides* maps ISO dates to site ids a leader insists on; the
    summary reports the entropy (bits) each override removed.  The metrics assume every
    planned visit is made.  Seeds are in ``plans.seed`` and in the returned day log.
    """
    from gis.campaign import CampaignConfig
    from gis.campaign import run_campaign as campaign
    from gis.observers import evaluate

    _check_basic(teams, hours)
    if weeks <= 0:
        msg = f"weeks must be at least 1 (got {weeks})"
        raise PatrolError(msg)
    dates = working_days(_parse_date(start), weeks)
    master = secrets.randbelow(2**31 - 1) if seed is None else int(seed)
    ctx = _context(store, depot=depot, max_snap_m=max_snap_m, speeds=speeds,
                   visit_minutes=visit_minutes, cache_dir=cache_dir)
    ids = list(ctx.sites["site_id"])
    over = {}
    for d, sids in (overrides or {}).items():
        _check_ids(list(sids), ctx.sites, f"override for {d}")
        over[_parse_date(d)] = [ids.index(s) for s in sids]
    findings = open_findings(store.read("inspections"))
    coal = ((ctx.sites["kind"] == "coal_mine") & (ctx.sites["status"] == "producing")).to_numpy()
    router = make_router(ctx.matrix, ctx.service, ids, teams=teams, hours=hours,
                         seconds=seconds_per_day)

    def routed(idx: np.ndarray, prize: np.ndarray, s: int) -> list[list[int]]:
        result = router(idx, prize, s)
        if progress:
            progress(1)
        return result

    cfg = CampaignConfig(capacity=initial_capacity(ctx.matrix, ctx.service, teams, hours),
                         max_gap_days=max_gap_days)
    result = campaign(
        dates, lambda d, _f: site_risk(ctx.sites, d, findings=findings, config=risk_config),
        routed, n_sites=len(ids), teams=teams, config=cfg, rng=np.random.default_rng(master),
        coal_mine=coal, overrides=over)
    frames = []
    for day in result.days:
        routes = [TeamRoute(k, tuple(_stops_for(ctx, r)), 0, 0) for k, r in enumerate(day.routes)]
        routes = [_timed(ctx, r) for r in routes]
        plan = DayPlan(tuple(routes), 0.0, sum(r.drive_s for r in routes))
        frame, _ = _plan_rows(ctx, plan, date=day.date.isoformat(), teams=teams,
                              seed=day.seed, created_by=created_by, start="08:00")
        frames.append(frame)
    _store_plans(store, ctx, frames)
    files: list[str] = []
    if out:
        for frame in frames:
            files += _write_files(Path(out), frame, "08:00", lang)
    m = evaluate(result)
    metrics = {"tv": m.tv, "max_gap_days": m.max_gap_days, "never_visited": m.never_visited,
               "entropy_pct": m.entropy_pct, "observers": m.observers,
               "observer_best": m.observer_best, "chance": m.chance,
               "chance_uniform": m.chance_uniform, "master_seed": master}
    plan_ids = tuple(pid for f in frames for pid in f["plan_id"])
    return CampaignSummary(tuple(d.isoformat() for d in dates), plan_ids, metrics,
                           result.log, tuple(files))


def _stops_for(ctx: _Context, route: Sequence[int]) -> list:
    from gis.patrol import Stop

    return [Stop(ctx.sites.iloc[i]["site_id"], int(i), 0, 0, 0) for i in route]


def _timed(ctx: _Context, route: TeamRoute) -> TeamRoute:
    """Arrival/departure times along a fixed order (no waiting: campaign days have no
    time windows)."""
    from gis.patrol import Stop

    t, here, drive, stops = 0.0, 0, 0.0, []
    for s in route.stops:
        leg = ctx.matrix[here, s.index + 1]
        t += leg
        drive += leg
        dep = t + ctx.service[s.index]
        stops.append(Stop(s.site_id, s.index, int(round(t)), int(round(t)), int(round(dep))))
        t, here = dep, s.index + 1
    drive += ctx.matrix[here, 0]
    end = int(round(t + ctx.matrix[here, 0]))
    return TeamRoute(route.team, tuple(stops), int(round(drive)), end)
