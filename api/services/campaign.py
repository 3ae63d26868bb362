"""Campaigns of unannounced inspections over weeks (四不两直), as a service.

Samples each working day's sites from risk-proportional visit rates with catch-up and the
hard rules (:func:`gis.campaign.run_campaign`), routes the day (:mod:`gis.patrol`), and
writes every day's sealed plans like :func:`api.services.routes.plan_day` does, from the
same planning context and options.  A team's route is reversed (so that no team starts
where it did the day before) only when the reversed route still fits the day: on one-way
streets it may not.  Seeds are logged per day, never shown to inspectors.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from api.services.plan_writer import plan_rows, store_plans, write_files
from api.services.planning import (
    PlanningContext,
    PlanOptions,
    check_ids,
    parse_date,
    planning_context,
)
from gis.access import SkippedSite
from gis.campaign import CampaignConfig, CampaignResult, Fits, run_campaign
from gis.observers import evaluate
from gis.patrol import DayPlan, DayProblem, PatrolError, solve_day, timed_route
from gis.risk import site_risk
from layers.store import Store

Progress = Callable[[int], None]


@dataclass(frozen=True)
class CampaignSummary:
    """What :func:`plan_campaign` wrote, its metrics, the per-day log (with seeds) and the
    sites skipped (off the network)."""

    dates: tuple[str, ...]
    plan_ids: tuple[str, ...]
    metrics: dict[str, Any]
    days: tuple[dict, ...]
    files: tuple[str, ...]
    skipped: tuple[SkippedSite, ...]


def working_days(start: dt.date, weeks: int) -> list[dt.date]:
    """Monday–Friday dates in the *weeks* weeks from *start*."""
    return [d for d in (start + dt.timedelta(i) for i in range(7 * weeks)) if d.weekday() < 5]


def make_router(matrix: np.ndarray, service: np.ndarray, site_ids: Sequence[str], *,
                teams: int, hours: float, iterations: int | None, seconds: float
                ) -> Callable[[np.ndarray, np.ndarray, int], list[list[int]]]:
    """A campaign router over the full depot+sites *matrix* (depot = row 0): PyVRP with
    *iterations* per day (*seconds* the safety limit; see :func:`gis.patrol.solve_day`)."""
    def route(idx: np.ndarray, prize: np.ndarray, seed: int) -> list[list[int]]:
        if len(idx) == 0:
            return []
        sub = np.r_[0, idx + 1]
        problem = DayProblem(matrix[np.ix_(sub, sub)], tuple(site_ids[i] for i in idx),
                             service[idx], prize, teams, hours)
        plan = solve_day(problem, iterations=iterations, seconds=seconds, seed=seed)
        return [[int(idx[s.index]) for s in r.stops] for r in plan.routes]
    return route


def route_fits(matrix: np.ndarray, service: np.ndarray, hours: float) -> Fits:
    """``fits(order)``: whether a team driving the sites in this order is back in time."""
    ids = [str(i) for i in range(len(service))]

    def fits(order: Sequence[int]) -> bool:
        return timed_route(matrix, service, ids, order).end_s <= round(hours * 3600)
    return fits


def initial_capacity(matrix: np.ndarray, service: np.ndarray, teams: int, hours: float
                     ) -> float:
    """A first guess of visits per day: the day's minutes over (visit + half a typical drive)."""
    off = matrix[1:, 1:][~np.eye(len(service), dtype=bool)]
    drive = float(np.median(off[np.isfinite(off)])) if off.size else 0.0
    return max(1.0, teams * hours * 3600 / (float(service.mean()) + drive / 2))


def _draw(ctx: PlanningContext, options: PlanOptions, dates: list[dt.date], master: int,
          overrides: Mapping[str, Sequence[str]] | None, max_gap_days: int,
          progress: Progress | None) -> CampaignResult:
    ids = list(ctx.sites["site_id"])
    over = {}
    for d, sids in (overrides or {}).items():
        check_ids(list(sids), ctx, f"override for {d}")
        over[parse_date(d)] = [ids.index(s) for s in sids]
    coal = ((ctx.sites["kind"] == "coal_mine") & (ctx.sites["status"] == "producing")).to_numpy()
    router = make_router(ctx.matrix, ctx.service, ids, teams=options.teams,
                         hours=options.hours, iterations=options.iterations,
                         seconds=options.seconds)

    def routed(idx: np.ndarray, prize: np.ndarray, s: int) -> list[list[int]]:
        result = router(idx, prize, s)
        if progress:
            progress(1)
        return result

    cfg = CampaignConfig(capacity=initial_capacity(ctx.matrix, ctx.service, options.teams,
                                                   options.hours), max_gap_days=max_gap_days)
    return run_campaign(
        dates, lambda d, _f: site_risk(ctx.sites, d, findings=ctx.findings,
                                       config=options.risk_config),
        routed, n_sites=len(ids), teams=options.teams, config=cfg,
        rng=np.random.default_rng(master), coal_mine=coal, overrides=over,
        fits=route_fits(ctx.matrix, ctx.service, options.hours))


def plan_campaign(store: Store, options: PlanOptions, *, start: str | dt.date, weeks: int,
                  overrides: Mapping[str, Sequence[str]] | None = None,
                  max_gap_days: int = 15, progress: Progress | None = None
                  ) -> CampaignSummary:
    """Plan *weeks* weeks of working days and write every day's plans (one transaction).

    Each day's candidates are drawn by :func:`gis.campaign.run_campaign` (risk-proportional
    rates, catch-up, hard rules, no team starting at the same site two days running) and
    routed with PyVRP for ``options.iterations``.  *overrides* maps ISO dates to site ids a
    leader insists on; the summary reports the entropy (bits) each override removed.  The
    metrics assume every planned visit is made.  Seeds are in ``plans.seed`` and in the
    returned day log.
    """
    if weeks <= 0:
        msg = f"weeks must be at least 1 (got {weeks})"
        raise PatrolError(msg)
    dates = working_days(parse_date(start), weeks)
    master = secrets.randbelow(2**31 - 1) if options.seed is None else int(options.seed)
    ctx = planning_context(store, options)
    result = _draw(ctx, options, dates, master, overrides, max_gap_days, progress)
    ids = list(ctx.sites["site_id"])
    frames = []
    for day in result.days:
        routes = tuple(timed_route(ctx.matrix, ctx.service, ids, r, k)
                       for k, r in enumerate(day.routes))
        plan = DayPlan(routes, 0.0, sum(r.drive_s for r in routes))
        frames.append(plan_rows(ctx, plan, options, date=day.date.isoformat(), seed=day.seed))
    store_plans(store, ctx, frames)
    files: list[str] = []
    if options.out:
        for frame in frames:
            files += write_files(options.out, frame, options.lang)
    m = evaluate(result)
    metrics = {"tv": m.tv, "max_gap_days": m.max_gap_days, "never_visited": m.never_visited,
               "entropy_pct": m.entropy_pct, "observers": m.observers,
               "observer_best": m.observer_best, "chance": m.chance,
               "chance_uniform": m.chance_uniform, "master_seed": master}
    plan_ids = tuple(pid for f in frames for pid in f["plan_id"])
    return CampaignSummary(tuple(d.isoformat() for d in dates), plan_ids, metrics,
                           result.log, tuple(files), ctx.skipped)
