"""One day's inspection routes: a prize-collecting VRP with time windows, solved by PyVRP.

Site 0 of the travel-time matrix is the depot (the office); sites ``1..n`` are candidates.
K identical teams leave the depot at time 0 and must be back within ``hours``.  Each site
has a visit duration, an optional time window (seconds after the start of the day), a
prize (its risk) and may be required (must-visit).  PyVRP chooses and orders the visits to
maximise the collected prize; drive time only breaks ties (prizes are scaled by
:data:`PRIZE_SCALE` so that one unit of risk outweighs any day's driving).
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
import pyvrp
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

from gis.errors import GisError
from gis.matrix import check_reachable
from gis.sites import check_duplicates

log = logging.getLogger(__name__)

#: Integer prize per unit of risk (drive time costs 1 per second).
PRIZE_SCALE = 1_000_000
_BIG = 2**40


class PatrolError(GisError, ValueError):
    """A day cannot be planned as asked; the message says what to change."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass(frozen=True)
class DayProblem:
    """One day's planning input.

    Attributes
    ----------
    duration
        ``(n+1, n+1)`` travel times in seconds; row/column 0 is the depot.
    site_ids
        The ``n`` candidate sites, in matrix order 1..n.
    service_s
        Visit duration per site (s).
    prize
        Prize per site (its risk, ≥ 0).
    teams, hours
        Number of teams and the working day (h), depot to depot.
    required
        Must-visit flags (default none).
    windows
        ``(n, 2)`` earliest/latest visit start per site, s after the day's start.
    """

    duration: np.ndarray
    site_ids: tuple[str, ...]
    service_s: np.ndarray
    prize: np.ndarray
    teams: int
    hours: float
    required: np.ndarray | None = None
    windows: np.ndarray | None = None

    @property
    def shift_s(self) -> int:
        """Working day in whole seconds."""
        return int(round(self.hours * 3600))

    @property
    def must(self) -> np.ndarray:
        """Must-visit flags (all false when none were given)."""
        n = len(self.site_ids)
        return np.zeros(n, bool) if self.required is None else np.asarray(self.required, bool)

    def window(self, i: int) -> tuple[int, int]:
        """Time window of site *i* (0-based), clipped to the day."""
        if self.windows is None:
            return 0, self.shift_s
        a, b = self.windows[i]
        return int(max(0, a)), int(min(self.shift_s, b))


@dataclass(frozen=True)
class Stop:
    """A visit: site, arrival, visit start (after any wait) and departure, in s."""

    site_id: str
    index: int
    arrival_s: int
    start_s: int
    departure_s: int


@dataclass(frozen=True)
class TeamRoute:
    """One team's ordered stops, its total drive time and its return time (s)."""

    team: int
    stops: tuple[Stop, ...]
    drive_s: int
    end_s: int


@dataclass(frozen=True)
class DayPlan:
    """The day's routes, the prize collected (risk units) and total drive time (s)."""

    routes: tuple[TeamRoute, ...]
    prize: float
    drive_s: int
    skipped: tuple[str, ...] = field(default=())
    feasible: bool = True
    iterations: int = 0
    time_limited: bool = False


def validate_day(problem: DayProblem) -> None:
    """Raise :class:`PatrolError` for K ≤ 0, hours ≤ 0, duplicates, unreachable sites,
    and must-visit sites that cannot fit the day (each one, and how far over)."""
    if problem.teams <= 0:
        msg = f"teams must be at least 1 (got {problem.teams}): give --teams K with K >= 1"
        raise PatrolError(msg)
    if not problem.hours > 0:
        msg = f"hours must be positive (got {problem.hours}): give the working day, e.g. 8"
        raise PatrolError(msg)
    check_duplicates(problem.site_ids)
    d = problem.duration
    n = len(problem.site_ids)
    if d.shape != (n + 1, n + 1):
        msg = f"duration matrix is {d.shape}, expected {(n + 1, n + 1)} (depot + {n} sites)"
        raise PatrolError(msg)
    check_reachable(d, ["depot", *problem.site_ids])
    problems = []
    for i in np.flatnonzero(problem.must):
        early, late = problem.window(int(i))
        arrive = max(d[0, i + 1], early)
        need = arrive + problem.service_s[i] + d[i + 1, 0]
        if need > problem.shift_s or d[0, i + 1] > late:
            over = max(need - problem.shift_s, d[0, i + 1] - late)
            problems.append(f"{problem.site_ids[i]}: needs {need / 3600:.2f} h alone, "
                            f"{over / 60:.0f} min over")
    if problems:
        msg = (f"must-visit site(s) cannot fit a {problem.hours:g} h day even alone: "
               f"{'; '.join(problems)}; drop them or lengthen the day")
        raise PatrolError(msg, problems)


def _data(problem: DayProblem) -> pyvrp.ProblemData:
    n = len(problem.site_ids)
    shift = problem.shift_s
    dur = np.where(np.isfinite(problem.duration), np.round(problem.duration), _BIG)
    dur = dur.astype(np.int64)
    locs = [pyvrp.Location(0, 0) for _ in range(n + 1)]
    must = problem.must
    clients = []
    for i in range(n):
        early, late = problem.window(i)
        clients.append(pyvrp.Client(
            location=i + 1, service_duration=int(round(problem.service_s[i])),
            tw_early=early, tw_late=late,
            prize=int(round(problem.prize[i] * PRIZE_SCALE)), required=bool(must[i]),
            name=problem.site_ids[i]))
    depot = pyvrp.Depot(location=0, tw_early=0, tw_late=shift)
    vt = pyvrp.VehicleType(num_available=problem.teams, start_depot=0, end_depot=0,
                           tw_early=0, tw_late=shift, shift_duration=shift,
                           unit_distance_cost=1, unit_duration_cost=0)
    return pyvrp.ProblemData(locs, clients, [depot], [vt], [dur], [dur])  # type: ignore[list-item]


def _routes(problem: DayProblem, solution: pyvrp.Solution) -> list[TeamRoute]:
    out = []
    d = problem.duration
    for team, route in enumerate(solution.routes()):
        stops = []
        for act in route.schedule():
            if not act.is_client():
                continue
            i = int(act.idx)
            start = int(act.start_time)
            stops.append(Stop(problem.site_ids[i], i, start - int(act.wait_duration), start,
                              int(act.end_time)))
        nodes = [0] + [s.index + 1 for s in stops] + [0]
        drive = int(sum(round(d[a, b]) for a, b in zip(nodes[:-1], nodes[1:], strict=True)))
        out.append(TeamRoute(team, tuple(stops), drive, int(route.end_time())))
    return out


def plan_from_routes(problem: DayProblem, routes: list[TeamRoute],
                     *, feasible: bool = True) -> DayPlan:
    """A :class:`DayPlan` (prize, drive, skipped sites) from team routes."""
    seen = {s.index for r in routes for s in r.stops}
    prize = float(sum(problem.prize[i] for i in seen))
    skipped = tuple(problem.site_ids[i] for i in range(len(problem.site_ids)) if i not in seen)
    return DayPlan(tuple(routes), round(prize, 6), int(sum(r.drive_s for r in routes)),
                   skipped, feasible)


@dataclass(frozen=True)
class _Run:
    """One search's outcome (picklable, from worker processes)."""

    feasible: bool
    routes: tuple[TeamRoute, ...]
    time_warp: int
    iterations: int
    time_limited: bool


def _search(problem: DayProblem, iterations: int | None, seconds: float, seed: int) -> _Run:
    """One PyVRP run for *iterations* (the budget), *seconds* being the outer safety limit;
    with no *iterations*, for *seconds* (a time budget: equal-time benchmarks)."""
    stop = MaxRuntime(seconds) if iterations is None else MultipleCriteria(
        [MaxIterations(iterations), MaxRuntime(seconds)])
    result = pyvrp.solve(_data(problem), stop, seed=seed, collect_stats=False, display=False)
    best = result.best
    limited = iterations is not None and result.num_iterations < iterations
    return _Run(best.is_feasible(), tuple(_routes(problem, best)), int(best.time_warp()),
                int(result.num_iterations), limited)


def solve_day(problem: DayProblem, *, iterations: int | None = None, seconds: float = 5.0,
              seed: int = 0, workers: int = 1) -> DayPlan:
    """Plan the day with PyVRP's iterated local search.

    The budget is *iterations* (the same seed then gives the same plan on any machine), with
    *seconds* of wall clock as the outer safety limit: when it bites, the plan says so
    (:attr:`DayPlan.time_limited`) and a warning is logged.  Without *iterations* the search
    runs for *seconds* (benchmarks at equal time).  With ``workers > 1``, that many searches
    with seeds ``seed, seed + 1, …`` run at once in forked processes (PyVRP holds the GIL)
    and the best plan wins: more prize, then less driving.  Raises :class:`PatrolError`
    (after :func:`validate_day`) when the must-visit sites cannot all fit, naming those left
    out or the total overrun.
    """
    validate_day(problem)
    seeds = [seed + k for k in range(max(1, workers))]
    if workers > 1:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            runs = list(pool.map(_search, [problem] * workers, [iterations] * workers,
                                 [seconds] * workers, seeds))
    else:
        runs = [_search(problem, iterations, seconds, seed)]
    limited = any(r.time_limited for r in runs)
    if limited:
        log.warning("the %.0f s safety limit stopped the route search before its %d "
                    "iterations (%s done): the plan may differ from a rerun with this seed",
                    seconds, iterations, ", ".join(str(r.iterations) for r in runs))
    plans = [replace(plan_from_routes(problem, list(r.routes)), iterations=r.iterations,
                     time_limited=limited) for r in runs if r.feasible]
    if not plans:
        _explain_infeasible(problem, list(runs[0].routes), runs[0].time_warp)
    return max(plans, key=lambda plan: (plan.prize, -plan.drive_s))


def _explain_infeasible(problem: DayProblem, routes: list[TeamRoute], over: int) -> None:
    seen = {s.index for r in routes for s in r.stops}
    must = [problem.site_ids[i] for i in np.flatnonzero(problem.must)]
    left = [m for i, m in zip(np.flatnonzero(problem.must), must, strict=True) if i not in seen]
    service = float(problem.service_s[problem.must].sum())
    msg = (f"the {len(must)} must-visit site(s) do not fit {problem.teams} team(s) × "
           f"{problem.hours:g} h: about {over / 60:.0f} min over"
           + (f", not placed: {', '.join(left)}" if left else "")
           + f" (visits alone take {service / 3600:.1f} h); drop some must-visit sites, "
           "add a team or lengthen the day")
    raise PatrolError(msg, must)


def timed_route(duration: np.ndarray, service_s: np.ndarray, site_ids: Sequence[str],
                order: Sequence[int], team: int = 0) -> TeamRoute:
    """A team's route along a fixed *order* of sites (0-based; matrix row ``i + 1``, the
    depot row 0): arrival and departure times with no waiting, drive and return times (s)."""
    t, here, drive, stops = 0.0, 0, 0.0, []
    for i in order:
        leg = float(duration[here, i + 1])
        t += leg
        drive += leg
        dep = t + float(service_s[i])
        stops.append(Stop(site_ids[i], int(i), int(round(t)), int(round(t)), int(round(dep))))
        t, here = dep, i + 1
    back = float(duration[here, 0])
    return TeamRoute(team, tuple(stops), int(round(drive + back)), int(round(t + back)))


def greedy_day(problem: DayProblem) -> DayPlan:
    """Nearest-neighbour baseline: each team in turn drives to the nearest unvisited site
    it can still serve and return from within the day (must-visit flags ignored)."""
    validate_day(problem)
    d = problem.duration
    n = len(problem.site_ids)
    free = np.ones(n, bool)
    routes = []
    for team in range(problem.teams):
        t, here, stops, drive = 0.0, 0, [], 0.0
        while True:
            arrive = t + d[here, 1:]
            start = np.maximum(arrive, [problem.window(i)[0] for i in range(n)])
            late = np.array([problem.window(i)[1] for i in range(n)])
            back = start + problem.service_s + d[1:, 0]
            ok = free & (start <= late) & (back <= problem.shift_s)
            if not ok.any():
                break
            i = int(np.argmin(np.where(ok, d[here, 1:], np.inf)))
            stops.append(Stop(problem.site_ids[i], i, int(arrive[i]), int(start[i]),
                              int(start[i] + problem.service_s[i])))
            drive += d[here, i + 1]
            t, here, free[i] = start[i] + problem.service_s[i], i + 1, False
        drive += d[here, 0]
        routes.append(TeamRoute(team, tuple(stops), int(round(drive)), int(t + d[here, 0])))
    return plan_from_routes(problem, routes)
