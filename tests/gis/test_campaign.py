"""Campaign: rates follow risk, hard rules hold, seeds reproduce, observers see through greed."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from gis.campaign import (
    CampaignConfig,
    CampaignError,
    assign_teams,
    entropy_pct,
    run_campaign,
    target_rates,
)
from gis.observers import evaluate, gaps

N = 30
RISK = np.r_[np.full(5, 1.0), np.full(10, 0.4), np.full(15, 0.2)]
COAL = np.arange(N) < 5
DATES = [dt.date(2025, 3, 3) + dt.timedelta(i) for i in range(56)]
DATES = [d for d in DATES if d.weekday() < 5]


def router(capacity: int, teams: int = 2):
    """Visit the drawn sites with the highest prize, up to *capacity*, split among teams."""
    def route(idx: np.ndarray, prize: np.ndarray, seed: int) -> list[list[int]]:
        keep = idx[np.argsort(-prize, kind="stable")[:capacity]]
        return [keep[k::teams].tolist() for k in range(teams)]
    return route


def campaign(policy: str = "mixed", seed: int = 3, **kw: object):
    return run_campaign(DATES, lambda d, f: RISK * np.where(f, 2.0, 1.0), router(8),
                        n_sites=N, teams=2, config=CampaignConfig(capacity=8.0),
                        rng=np.random.default_rng(seed), coal_mine=COAL, policy=policy, **kw)


def test_target_rates_are_risk_proportional_within_bounds() -> None:
    r = target_rates(RISK, 8.0, floor=0.1, cap=0.9)
    assert r.sum() == pytest.approx(8.0)
    assert r.min() >= 0.1 - 1e-12 and r.max() <= 0.9
    assert r[0] / r[10] == pytest.approx(2.5)


def test_entropy_of_uniform_is_100_and_of_certain_is_0() -> None:
    assert entropy_pct(np.full(10, 0.3)) == pytest.approx(100.0)
    assert entropy_pct(np.r_[np.ones(3), np.zeros(7)]) == pytest.approx(0.0, abs=1e-6)


def test_no_team_starts_at_the_same_site_two_days_running() -> None:
    rng = np.random.default_rng(0)
    out = assign_teams([[1, 2], [3, 4]], 2, [1, 3], rng)
    assert [r[0] for r in out] == [3, 1]
    single = assign_teams([[5, 6, 7]], 1, [5], rng)
    assert single == [[7, 6, 5]]
    asked = []
    kept = assign_teams([[5, 6, 7]], 1, [5], rng, fits=lambda r: bool(asked.append(list(r))))
    assert kept == [[5, 6, 7]] and asked == [[7, 6, 5]]  # the reversal would not fit the day
    res = campaign()
    for a, b in zip(res.days[:-1], res.days[1:], strict=True):
        for ra, rb in zip(a.routes, b.routes, strict=True):
            assert not (ra and rb and ra[0] == rb[0])


def test_hard_rules_and_coverage() -> None:
    res = campaign(findings_prob=np.full(N, 0.2))
    v = res.visits()
    assert gaps(v).max() <= 15
    assert gaps(v[:, COAL]).max() <= 15
    m = evaluate(res)
    assert m.never_visited == 0 and m.entropy_pct > 50
    visits = v.sum(axis=0)
    assert visits[:5].mean() > visits[15:].mean()


def test_seed_reproduces_the_campaign_and_is_logged() -> None:
    a, b = campaign(seed=9), campaign(seed=9)
    assert [d.routes for d in a.days] == [d.routes for d in b.days]
    assert [d["seed"] for d in a.log] == [d.seed for d in a.days]
    assert [d.routes for d in campaign(seed=10).days] != [d.routes for d in a.days]


def test_override_is_forced_and_its_cost_reported() -> None:
    day = DATES[3]
    res = campaign(overrides={day: [29]})
    d = res.days[3]
    assert 29 in d.drawn and 29 in d.forced and d.override_bits > 0


def test_greedy_is_predictable_ours_is_not() -> None:
    ours, greedy = evaluate(campaign()), evaluate(campaign("greedy"))
    assert greedy.entropy_pct == 0.0
    assert greedy.observers["overdue"] > ours.observers["overdue"] + 0.2
    assert ours.observer_best <= ours.chance + 0.15


def test_bad_input() -> None:
    with pytest.raises(CampaignError, match="teams"):
        run_campaign(DATES, lambda d, f: RISK, router(8), n_sites=N, teams=0,
                     config=CampaignConfig(capacity=8.0), rng=np.random.default_rng(0))
    with pytest.raises(CampaignError, match="at least one working day"):
        run_campaign([], lambda d, f: RISK, router(8), n_sites=N, teams=1,
                     config=CampaignConfig(capacity=8.0), rng=np.random.default_rng(0))
