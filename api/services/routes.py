"""One day of unannounced inspections (四不两直) as a service: :func:`plan_day`.

Reads the planning context (:mod:`api.services.planning`), routes the day with PyVRP
(:mod:`gis.patrol`) and writes the sealed ``plans`` (status ``draft``) in ONE transaction
(:mod:`api.services.plan_writer`); GPX 1.1 and printable HTML sheets go to
``options.out``.  Every check runs before anything is written: on an error nothing is
written.  Sites that cannot be reached are skipped and listed (:attr:`DayResult.skipped`,
and each plan's ``skipped`` record).

The seed of each day is stored in ``plans.seed`` and logged; it is not on any sheet.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from api.services.plan_writer import AfterHook, plan_rows, store_plans, write_files
from api.services.planning import (
    PlanOptions,
    check_ids,
    parse_date,
    planning_context,
    windows_s,
)
from gis.access import SkippedSite
from gis.patrol import DayPlan, DayProblem, PatrolError, solve_day
from gis.risk import site_risk
from layers.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DayResult:
    """What :func:`plan_day` wrote: plan ids per team, the routes, files, seed, depot, the
    stops of each team and the sites skipped (off the network)."""

    date: str
    plan_ids: tuple[str, ...]
    routes: DayPlan
    files: tuple[str, ...]
    seed: int
    depot: dict
    stops: tuple[tuple[dict, ...], ...]
    skipped: tuple[SkippedSite, ...]


def plan_day(store: Store, options: PlanOptions, *, date: str | dt.date,
             must: Sequence[str] = (), windows: Mapping[str, tuple[str, str]] | None = None,
             team_names: Sequence[str] | None = None, after: AfterHook | None = None
             ) -> DayResult:
    """Plan one day for ``options.teams`` teams and write it (plans, checkpoints, files).

    Parameters
    ----------
    date
        ISO date of the day (drives seasonal risk).
    must
        Site ids that must be visited.
    windows
        ``{site_id: ("HH:MM", "HH:MM")}`` visit-start windows.
    team_names
        The teams' names (default ``team-1`` …).
    after
        ``after(tx, plans)`` runs inside the transaction that stores the plans (the web
        service writes its audit event there).

    Raises
    ------
    PatrolError, SiteError
        Bad input (teams ≤ 0, hours ≤ 0, unknown, duplicate or unreachable must-visit
        sites, a depot off the network, must-visit sites that do not fit, no site
        reachable at all); nothing is written.
    """
    day = parse_date(date)
    if team_names is not None and len(team_names) != options.teams:
        msg = f"team_names has {len(team_names)} name(s) for {options.teams} team(s)"
        raise PatrolError(msg)
    seed = secrets.randbelow(2**31 - 1) if options.seed is None else int(options.seed)
    ctx = planning_context(store, options)
    check_ids(list(must), ctx, "--must")
    risk = site_risk(ctx.sites, day, findings=ctx.findings, config=options.risk_config)
    problem = DayProblem(ctx.matrix, tuple(ctx.sites["site_id"]), ctx.service, risk,
                         options.teams, float(options.hours),
                         required=ctx.sites["site_id"].isin(list(must)).to_numpy(),
                         windows=windows_s(ctx.sites, windows, options.day_start))
    plan = solve_day(problem, iterations=options.iterations, seconds=options.seconds, seed=seed,
                     workers=options.workers)
    frame = plan_rows(ctx, plan, options, date=day.isoformat(), seed=seed,
                      team_names=team_names)
    store_plans(store, ctx, [frame], after=after)
    files = write_files(options.out, frame, options.lang) if options.out else []
    stops = tuple(tuple(s) for s in frame["stops"])
    log.info("planned %s: %d team(s), %d stop(s), prize %.2f, seed %d, %d site(s) skipped",
             day, options.teams, sum(len(s) for s in stops), plan.prize, seed,
             len(ctx.skipped))
    return DayResult(day.isoformat(), tuple(frame["plan_id"]), plan, tuple(files), seed,
                     ctx.depot, stops, ctx.skipped)
