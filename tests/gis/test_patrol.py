"""Day planner: prize collecting within the hours, must-visit, windows, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from gis.matrix import UnreachableError
from gis.patrol import DayProblem, PatrolError, greedy_day, solve_day
from gis.sites import SiteError


def line_problem(n: int = 6, *, teams: int = 1, hours: float = 1.0, **kw: object) -> DayProblem:
    """Sites on a line, 10 min apart; the depot at position 0."""
    pos = np.arange(n + 1) * 600.0
    d = np.abs(pos[:, None] - pos[None, :])
    base = {"service_s": np.full(n, 300.0), "prize": np.ones(n)}
    base.update(kw)
    return DayProblem(d, tuple(f"s{i + 1}" for i in range(n)), teams=teams, hours=hours,
                      **base)  # type: ignore[arg-type]


def test_collects_the_most_prize_within_the_day() -> None:
    # 1 h: s1 and s2 (10+5+10+5+20 = 50 min) fit, s3 does not; prize favours the near ones
    plan = solve_day(line_problem(hours=1.0), iterations=300, seed=1)
    r = plan.routes[0]
    assert {s.site_id for s in r.stops} == {"s1", "s2"}
    assert r.end_s <= 3600 and r.drive_s == 2400
    first = r.stops[0]
    assert first.departure_s - first.arrival_s == 300
    assert first.arrival_s == (600 if first.site_id == "s1" else 1200)
    assert plan.prize == 2.0 and set(plan.skipped) == {"s3", "s4", "s5", "s6"}


def test_high_prize_far_site_wins_over_near_ones() -> None:
    prize = np.array([1, 1, 1, 10, 1, 1], float)
    plan = solve_day(line_problem(hours=1.5, prize=prize), iterations=300, seed=1)
    assert "s4" in {s.site_id for r in plan.routes for s in r.stops}


def test_must_visit_and_time_windows() -> None:
    windows = np.array([[0, 10**6]] * 6)
    windows[0] = [2400, 2700]  # s1 only from 40 min on
    p = line_problem(teams=2, hours=2.5, required=np.array([0, 0, 0, 0, 0, 1], bool),
                     windows=windows)
    plan = solve_day(p, iterations=300, seed=1)
    stops = {s.site_id: s for r in plan.routes for s in r.stops}
    assert "s6" in stops
    if "s1" in stops:
        assert 2400 <= stops["s1"].start_s <= 2700


def test_must_visit_that_cannot_fit_says_which_and_by_how_much() -> None:
    p = line_problem(hours=1.0, required=np.array([0, 0, 0, 0, 0, 1], bool))
    with pytest.raises(PatrolError, match=r"s6: needs 2\.08 h alone, 65 min over"):
        solve_day(p, iterations=200)


def test_must_visit_set_too_large_together() -> None:
    # alone: s1 35 min, s2 55 min; together 70 min > 60
    p = line_problem(hours=1.0, required=np.array([1, 1, 0, 0, 0, 0], bool),
                     service_s=np.full(6, 900.0))
    with pytest.raises(PatrolError, match="do not fit 1 team") as err:
        solve_day(p, iterations=300)
    assert "min over" in str(err.value)


@pytest.mark.parametrize(("kw", "match"), [
    ({"teams": 0}, "teams must be at least 1"),
    ({"hours": 0.0}, "hours must be positive"),
    ({"hours": -2.0}, "hours must be positive"),
])
def test_bad_teams_and_hours(kw: dict, match: str) -> None:
    with pytest.raises(PatrolError, match=match):
        solve_day(line_problem(**kw), seconds=0.1)


def test_duplicate_and_unreachable_sites() -> None:
    p = line_problem(3)
    dup = DayProblem(p.duration, ("a", "b", "a"), p.service_s, p.prize, 1, 1.0)
    with pytest.raises(SiteError, match="duplicate site ids a"):
        solve_day(dup, seconds=0.1)
    d = p.duration.copy()
    d[0, 2] = np.inf
    with pytest.raises(UnreachableError, match="cannot be reached.*s2"):
        solve_day(DayProblem(d, p.site_ids, p.service_s, p.prize, 1, 1.0), seconds=0.1)


def test_greedy_nearest_neighbour_stays_within_the_day() -> None:
    plan = greedy_day(line_problem(hours=1.2, teams=2))
    assert [s.site_id for s in plan.routes[0].stops] == ["s1", "s2"]
    assert all(r.end_s <= 1.2 * 3600 for r in plan.routes)
    assert [s.site_id for s in plan.routes[1].stops] == ["s3"]


def test_parallel_searches_return_the_best_valid_plan() -> None:
    plan = solve_day(line_problem(hours=1.0), iterations=300, seed=3, workers=2)
    assert {s.site_id for s in plan.routes[0].stops} == {"s1", "s2"}
    assert plan.prize == 2.0 and plan.feasible


def test_an_iteration_budget_gives_the_same_plan_for_the_same_seed() -> None:
    p = line_problem(teams=2, hours=1.5)
    runs = [solve_day(p, iterations=400, seed=9) for _ in range(3)]
    assert all(r.routes == runs[0].routes and r.iterations == 400 for r in runs)
    assert not runs[0].time_limited
    timed = solve_day(p, seconds=0.2, seed=9)  # a time budget, for equal-time benchmarks
    assert timed.iterations > 0 and not timed.time_limited


def test_the_safety_limit_says_when_it_bit(caplog: pytest.LogCaptureFixture) -> None:
    plan = solve_day(line_problem(hours=1.0), iterations=10**9, seconds=0.2, seed=1)
    assert plan.time_limited and 0 < plan.iterations < 10**9
    assert "safety limit stopped the route search" in caplog.text
