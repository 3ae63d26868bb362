"""The 四不两直 campaign: unpredictable day plans whose long-run coverage follows risk.

A mixed strategy.  Each site ``i`` gets a **target visit rate** ``r_i`` (expected visits per
working day) proportional to its risk, floored so that no site waits much longer than
``max_gap_days`` (:func:`target_rates`).  Each day the candidates are drawn by independent
Bernoulli trials (Poisson sampling) with probabilities ``p_i``:

* ``p_i = r_i + catch_up × deficit_i`` where ``deficit_i`` is the target's cumulative visits
  minus the visits made (sites behind their target come sooner), clipped to
  ``[p_min, p_max]`` so that no site is ever certain or impossible;
* **hard rules** as a hazard, not a date: once a site's gap reaches half its limit
  (``max_gap_days``, and ``coal_mine_days`` for producing coal mines) ``p_i`` is at least
  ``1 / days_left``, so the visit falls uniformly over the remaining window and is forced
  only on the last day;
* manual **overrides** (a leader insists on a site) set ``p_i = 1``; the day reports the
  entropy they removed (:attr:`CampaignDay.override_bits`).

The drawn sites are routed by the caller's router (PyVRP, :func:`gis.patrol.solve_day`),
with the prize ``risk × (1 + deficit)`` (forced sites ×100); sites the router drops stay
behind target and catch up.  Team routes are then permuted among the teams so that no team
starts at the same site two days running.  Each day's seed is drawn from the campaign's
generator and logged in the result (never shown to inspectors).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from gis.errors import GisError

log = logging.getLogger(__name__)

#: ``router(sites, prize, seed) -> routes``: *sites* are site indices; each route is an
#: ordered list of site indices (a subset of *sites*), one list per team.
Router = Callable[[np.ndarray, np.ndarray, int], list[list[int]]]
RiskFn = Callable[[dt.date, np.ndarray], np.ndarray]
#: ``fits(route) -> bool``: whether a team can drive this ordered route within the day.
Fits = Callable[[Sequence[int]], bool]


class CampaignError(GisError, ValueError):
    """A campaign cannot run as configured."""


@dataclass(frozen=True)
class CampaignConfig:
    """Campaign rules (days are working days).

    Attributes
    ----------
    capacity
        Expected visits per day that the teams can make (the sampling budget); the
        campaign adapts it to the visits the router actually fits.
    max_gap_days
        No site may go unvisited longer than this.
    coal_mine_days
        Producing coal mines: at least one visit per this many working days (30 calendar
        days ≈ 21 working days).
    catch_up
        Weight of a site's deficit (visits behind target) in its daily probability.
    p_min, p_max
        Bounds on any unforced daily probability.
    """

    capacity: float
    max_gap_days: int = 15
    coal_mine_days: int = 21
    catch_up: float = 0.3
    p_min: float = 0.02
    p_max: float = 0.9


@dataclass(frozen=True)
class CampaignDay:
    """One planned (and, in a simulation, executed) day."""

    date: dt.date
    seed: int
    probs: np.ndarray
    drawn: tuple[int, ...]
    routes: tuple[tuple[int, ...], ...]
    forced: tuple[int, ...] = ()
    override_bits: float = 0.0

    @property
    def visited(self) -> tuple[int, ...]:
        """Site indices visited this day."""
        return tuple(i for r in self.routes for i in r)


@dataclass(frozen=True)
class CampaignResult:
    """Every day of the campaign and the target rates it followed."""

    days: tuple[CampaignDay, ...]
    target: np.ndarray
    risk: np.ndarray
    log: tuple[dict, ...] = field(default=())

    def visits(self) -> np.ndarray:
        """``(days, sites)`` boolean matrix of visits."""
        out = np.zeros((len(self.days), len(self.target)), bool)
        for t, day in enumerate(self.days):
            out[t, list(day.visited)] = True
        return out


def target_rates(risk: np.ndarray, capacity: float, *, floor: float, cap: float = 0.9
                 ) -> np.ndarray:
    """Rates ∝ *risk* summing to *capacity*, each within ``[floor, cap]`` (water-filling)."""
    risk = np.asarray(risk, float)
    n = len(risk)
    if n == 0:
        return risk
    capacity = float(np.clip(capacity, floor * n, cap * n))
    rate = np.full(n, floor)
    free = np.ones(n, bool)
    for _ in range(n + 1):
        budget = capacity - rate[~free].sum()
        rate[free] = budget * risk[free] / max(risk[free].sum(), 1e-12)
        low, high = free & (rate < floor), free & (rate > cap)
        if not low.any() and not high.any():
            break
        rate[low], rate[high] = floor, cap
        free &= ~(low | high)
    return rate


def binary_entropy(p: np.ndarray) -> np.ndarray:
    """Entropy (bits) of Bernoulli(p), elementwise."""
    p = np.clip(np.asarray(p, float), 1e-12, 1 - 1e-12)
    return -(p * np.log2(p) + (1 - p) * np.log2(1 - p))


def entropy_pct(p: np.ndarray) -> float:
    """A day's sampling entropy as % of a uniform draw of the same expected size."""
    n = len(p)
    if n == 0:
        return 100.0
    uniform = n * float(binary_entropy(np.array([p.sum() / n]))[0])
    return 100.0 * float(binary_entropy(p).sum()) / max(uniform, 1e-12)


def _probs(rate: np.ndarray, deficit: np.ndarray, gap: np.ndarray, limit: np.ndarray,
           cfg: CampaignConfig) -> tuple[np.ndarray, np.ndarray]:
    """Daily probabilities and the forced mask (last day before a hard limit)."""
    p = np.clip(rate + cfg.catch_up * deficit, cfg.p_min, cfg.p_max)
    scale = cfg.capacity / max(p.sum(), 1e-12)
    p = np.clip(p * scale, cfg.p_min, cfg.p_max)
    days_left = limit - gap
    urgent = gap >= limit / 2
    p = np.where(urgent, np.maximum(p, 1.0 / np.maximum(days_left, 1)), p)
    forced = days_left <= 1
    return np.where(forced, 1.0, p), forced


def assign_teams(routes: list[list[int]], teams: int, previous: Sequence[int | None],
                 rng: np.random.Generator, fits: Fits | None = None) -> list[list[int]]:
    """Permute (and if need be reverse) routes so that no team starts where it did yesterday.

    *previous* holds each team's first site yesterday (None if it did not go out).  A
    route is reversed only when *fits* accepts the reversed order: on one-way streets the
    way back can take longer than the day, and then the route keeps its order.
    """
    routes = [list(r) for r in routes] + [[] for _ in range(teams - len(routes))]
    for _ in range(200):
        order = rng.permutation(teams)
        cand = [routes[j] for j in order]
        if all(not r or r[0] != previous[k] for k, r in enumerate(cand)):
            return cand
    cand = [routes[j] for j in rng.permutation(teams)]
    out = []
    for k, r in enumerate(cand):
        flip = bool(r) and r[0] == previous[k] and (fits is None or fits(r[::-1]))
        if r and r[0] == previous[k] and not flip:
            log.info("team %d starts where it did yesterday: its reversed route does not "
                     "fit the day", k + 1)
        out.append(r[::-1] if flip else r)
    return out


def _next_capacity(capacity: float, drawn: int, visited: int) -> float:
    """Track what the teams really manage: shrink toward the visits made when the router
    dropped sites, grow by 3 % when everything drawn was visited."""
    if visited < drawn:
        return 0.7 * capacity + 0.3 * visited
    return capacity * 1.03


def _greedy_draw(score: np.ndarray, m: int) -> np.ndarray:
    order = np.argsort(-score, kind="stable")
    out = np.zeros(len(score), bool)
    out[order[:m]] = True
    return out


def run_campaign(
    dates: Sequence[dt.date],
    risk_fn: RiskFn,
    router: Router,
    *,
    n_sites: int,
    teams: int,
    config: CampaignConfig,
    rng: np.random.Generator,
    coal_mine: np.ndarray | None = None,
    overrides: Mapping[dt.date, Sequence[int]] | None = None,
    policy: str = "mixed",
    findings_prob: np.ndarray | None = None,
    fits: Fits | None = None,
) -> CampaignResult:
    """Plan (and simulate) the campaign day by day.

    Parameters
    ----------
    dates
        The working days, in order.
    risk_fn
        ``risk_fn(date, open_findings) -> risk per site``.
    router
        Routes one day's drawn sites (see :data:`Router`).
    n_sites, teams
        Number of sites (risk_fn returns that many values) and of teams.
    coal_mine
        Mask of producing coal mines (the ``coal_mine_days`` rule).
    overrides
        Site indices a leader insists on, per date.
    policy
        ``"mixed"`` (this module) or ``"greedy"`` (most overdue × risk, for contrast).
    findings_prob
        Simulation only: the chance that a visit has findings (which raise risk until a
        clean revisit).  ``None`` = no findings.
    fits
        Whether a team can drive an ordered route within the day (checked before a route
        is reversed; ``None``: any order fits, as on two-way roads).
    """
    if teams <= 0:
        msg = f"teams must be at least 1 (got {teams})"
        raise CampaignError(msg)
    if not dates:
        msg = "a campaign needs at least one working day (weeks >= 1)"
        raise CampaignError(msg)
    n = n_sites
    coal = np.zeros(n, bool) if coal_mine is None else np.asarray(coal_mine, bool)
    limit = np.where(coal, min(config.coal_mine_days, config.max_gap_days),
                     config.max_gap_days).astype(float)
    floor = min(2.0 / config.max_gap_days, config.capacity / n)
    open_f = np.zeros(n, bool)
    visits = np.zeros(n)
    expected = np.zeros(n)
    gap = np.zeros(n)
    previous: list[int | None] = [None] * teams
    days, logs, targets = [], [], []
    capacity = config.capacity
    for date in dates:
        cfg = replace(config, capacity=capacity)
        risk = risk_fn(date, open_f)
        rate = target_rates(risk, capacity, floor=floor, cap=config.p_max)
        targets.append(rate)
        seed = int(rng.integers(2**31 - 1))
        day_rng = np.random.default_rng(seed)
        deficit = expected - visits
        p, forced = _probs(rate, deficit, gap, limit, cfg)
        bits = 0.0
        if overrides and date in overrides:
            extra = np.zeros(n, bool)
            extra[list(overrides[date])] = True
            bits = float(binary_entropy(p[extra]).sum())
            forced |= extra
            p = np.where(extra, 1.0, p)
        if policy == "greedy":
            drawn = _greedy_draw((gap + 1) * risk, int(round(capacity)))
            p = drawn.astype(float)
        else:
            drawn = (day_rng.random(n) < p) | forced
        sites = np.flatnonzero(drawn)
        prize = risk[sites] * (1 + np.maximum(deficit[sites], 0)) * np.where(
            forced[sites], 100.0, 1.0)
        routes = router(sites, prize, seed)
        routes = assign_teams(routes, teams, previous, day_rng, fits)
        previous = [r[0] if r else None for r in routes]
        day = CampaignDay(date, seed, p, tuple(sites.tolist()),
                          tuple(tuple(r) for r in routes), tuple(np.flatnonzero(forced).tolist()),
                          bits)
        days.append(day)
        seen = np.zeros(n, bool)
        seen[list(day.visited)] = True
        visits += seen
        expected += rate
        capacity = _next_capacity(capacity, int(drawn.sum()), int(seen.sum()))
        gap = np.where(seen, 0, gap + 1)
        if findings_prob is not None:
            found = seen & (day_rng.random(n) < findings_prob)
            open_f = np.where(seen, found, open_f)
        logs.append({"date": date.isoformat(), "seed": seed, "drawn": int(drawn.sum()),
                     "visited": int(seen.sum()), "forced": int(forced.sum()),
                     "override_bits": round(bits, 3)})
        log.debug("campaign %s: drew %d, visited %d", date, drawn.sum(), seen.sum())
    return CampaignResult(tuple(days), np.mean(targets, axis=0), risk, tuple(logs))
