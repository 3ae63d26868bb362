"""Campaign metrics and observers: how well a plan covers risk, and how guessable it is.

Observers see the full visit history up to yesterday and each guess ``k`` sites for
today, ``k`` being the number actually visited.  Their hit rate (hits / k, pooled over the
days after a one-week warm-up) is compared with ``chance``: the hit rate of the best guess
that uses **no history** — the ``k`` sites with the highest target rate (what anyone who
knows the risk ranking guesses).  A risk-biased plan cannot be less guessable than that;
anything above it is what history gives away.  ``chance_uniform`` (k / n) is reported too.

* ``overdue``: most overdue × risk (the greedy planner's own rule);
* ``weekday``: the sites visited on the same weekday last week (5 working days ago);
* ``fitted``: a logistic regression (numpy, L2, Newton steps) on history features —
  gap, log risk, visited yesterday, visited 5 days ago, visit rate so far, gap × risk —
  refitted each day on all earlier days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gis.campaign import CampaignResult, entropy_pct

WARM_UP = 5


@dataclass(frozen=True)
class CampaignMetrics:
    """The figures of :func:`evaluate` (see the module docstring)."""

    tv: float
    max_gap_days: int
    never_visited: int
    entropy_pct: float
    observers: dict[str, float]
    observer_best: float
    chance: float
    chance_uniform: float


def gaps(visits: np.ndarray) -> np.ndarray:
    """Longest run of working days without a visit, per site (leading and trailing runs
    count; a site never visited has the campaign's length)."""
    days, n = visits.shape
    out = np.zeros(n, int)
    for i in range(n):
        t = np.flatnonzero(visits[:, i])
        edges = np.r_[-1, t, days]
        out[i] = int(np.max(np.diff(edges) - 1))
    return out


def _features(visits: np.ndarray, t: int, risk: np.ndarray) -> np.ndarray:
    past = visits[:t]
    seen = np.flatnonzero
    last = np.full(visits.shape[1], -1)
    for i in seen(past.any(axis=0)):
        last[i] = seen(past[:, i])[-1]
    gap = (t - last).astype(float)
    gap[last < 0] = t + 1
    yday = past[-1] if t >= 1 else np.zeros(visits.shape[1], bool)
    week = past[t - 5] if t >= 5 else np.zeros(visits.shape[1], bool)
    rate = past.mean(axis=0) if t else np.zeros(visits.shape[1])
    lr = np.log(np.maximum(risk, 1e-6))
    return np.c_[np.ones_like(gap), gap / 10, lr, yday, week, rate * 5, gap * risk / 10]


def _logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 8) -> np.ndarray:
    w = np.zeros(x.shape[1])
    reg = l2 * np.eye(x.shape[1])
    reg[0, 0] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(x @ w, -30, 30)))
        grad = x.T @ (p - y) + reg @ w
        hess = (x * (p * (1 - p))[:, None]).T @ x + reg + 1e-9 * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)
    return w


def _top(score: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(-score, kind="stable")[:k]


def observer_hits(visits: np.ndarray, risk: np.ndarray, target: np.ndarray
                  ) -> tuple[dict[str, float], float, float]:
    """Pooled hit rates per observer, the no-history chance, and the uniform chance."""
    days, n = visits.shape
    hits = {"overdue": 0, "weekday": 0, "fitted": 0}
    static = total = 0
    feats = [_features(visits, t, risk) for t in range(days)]
    for t in range(WARM_UP, days):
        today = visits[t]
        k = int(today.sum())
        if k == 0:
            continue
        total += k
        f = feats[t]
        hits["overdue"] += int(today[_top(f[:, 1] * 10 * risk, k)].sum())
        week = visits[t - 5].astype(float) + 1e-3 * f[:, 1]
        hits["weekday"] += int(today[_top(week, k)].sum())
        x = np.vstack(feats[1:t])
        y = visits[1:t].reshape(-1).astype(float)
        w = _logistic(x, y)
        hits["fitted"] += int(today[_top(f @ w, k)].sum())
        static += int(today[_top(target, k)].sum())
    total = max(total, 1)
    rates = {name: h / total for name, h in hits.items()}
    late = visits[WARM_UP:]
    uniform = float(late.sum() / max(n * len(late), 1))
    return rates, static / total, uniform


def evaluate(result: CampaignResult) -> CampaignMetrics:
    """Coverage and predictability figures of a (simulated) campaign."""
    visits = result.visits()
    share = visits.sum(axis=0) / max(visits.sum(), 1)
    goal = result.target / result.target.sum()
    tv = 0.5 * float(np.abs(share - goal).sum())
    ent = float(np.mean([entropy_pct(d.probs) for d in result.days]))
    rates, chance, uniform = observer_hits(visits, result.risk, result.target)
    return CampaignMetrics(
        tv=round(tv, 4),
        max_gap_days=int(gaps(visits).max()),
        never_visited=int((visits.sum(axis=0) == 0).sum()),
        entropy_pct=round(ent, 2),
        observers={k: round(v, 4) for k, v in rates.items()},
        observer_best=round(max(rates.values()), 4),
        chance=round(chance, 4),
        chance_uniform=round(uniform, 4),
    )
