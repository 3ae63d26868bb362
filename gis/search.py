"""Local search over one connected set of units: flips and swaps that keep grids connected.

The cost of a plan is, summed over its grids (``d`` = workload / ideal - 1)::

    EXCESS × max(0, |d| - tolerance)²  +  d²  -  compact × Polsby–Popper  +  stay × moved

so balance comes first (a grid outside the tolerance costs far more than anything else),
then compactness (Polsby–Popper, from perimeters updated incrementally: a grid's perimeter is
its units' perimeters minus twice their shared boundaries), then — when re-running on an
existing plan — as few moved units as possible.  Plain Python lists: the moves are tiny and
NumPy's per-call overhead would dominate.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from gis.adjacency import UnitGraph
from gis.budget import SafetyLimit

EXCESS = 1000.0


class LocalSearch:
    """Flip/swap descent on a partition of a connected subgraph into ``k`` grids.

    Parameters
    ----------
    graph
        The (sub)graph; nodes are ``0 … n-1``.
    weights
        Workload per node.
    assignment
        Initial grid (``0 … k-1``) per node; every grid must be non-empty and connected.
    ideal
        Ideal workload per grid.
    tolerance
        Allowed |deviation| (fraction).
    origin, stay
        When given, every node not in its ``origin`` grid costs *stay*.
    compact
        Weight of Polsby–Popper in the cost.
    frozen
        Grids whose units may neither leave nor be joined.
    """

    def __init__(self, graph: UnitGraph, weights: NDArray[np.float64],
                 assignment: NDArray[np.int64], ideal: NDArray[np.float64], tolerance: float,
                 *, origin: NDArray[np.int64] | None = None, stay: float = 0.0,
                 compact: float = 0.02, cut: float = 0.0, frozen: set[int] | None = None,
                 rng: np.random.Generator) -> None:
        n = graph.n
        self.n = n
        self.adj = [graph.indices[graph.indptr[i]:graph.indptr[i + 1]].tolist() for i in range(n)]
        self.sh = [graph.shared[graph.indptr[i]:graph.indptr[i + 1]].tolist() for i in range(n)]
        self.w = [float(v) for v in weights]
        self.per = graph.perimeter.tolist()
        self.area = graph.area.tolist()
        self.a = [int(v) for v in assignment]
        self.k = len(ideal)
        self.T = [max(float(t), 1e-9) for t in ideal]
        self.tol = tolerance
        self.origin = None if origin is None else [int(v) for v in origin]
        self.stay = stay
        self.compact = compact
        self.cut = cut
        self.frozen = frozen or set()
        self.rng = rng
        self.members: list[set[int]] = [set() for _ in range(self.k)]
        for i, g in enumerate(self.a):
            self.members[g].add(i)
        self.gw = [0.0] * self.k
        self.ga = [0.0] * self.k
        self.gp = [0.0] * self.k
        for i, g in enumerate(self.a):
            self.gw[g] += self.w[i]
            self.ga[g] += self.area[i]
            self.gp[g] += self.per[i]
            for j, s in zip(self.adj[i], self.sh[i], strict=True):
                if self.a[j] == g:
                    self.gp[g] -= s  # each internal edge seen twice → −2 × shared

    # --- cost -----------------------------------------------------------------------------
    def grid_cost(self, g: int) -> float:
        """Balance and compactness cost of grid *g*."""
        d = self.gw[g] / self.T[g] - 1.0
        ex = abs(d) - self.tol
        c = d * d + (EXCESS * ex * ex if ex > 0 else 0.0)
        if self.compact and self.gp[g] > 0:
            c -= self.compact * 4.0 * math.pi * self.ga[g] / (self.gp[g] * self.gp[g])
        return c

    def dev(self, g: int) -> float:
        """Deviation of grid *g*."""
        return self.gw[g] / self.T[g] - 1.0

    def _cuts(self, nodes: set[int]) -> int:
        """Cut edges incident to *nodes* (each edge counted once)."""
        a = self.a
        return sum(1 for i in nodes for j in self.adj[i]
                   if (j not in nodes or i < j) and a[i] != a[j])

    def _stay(self, i: int, g: int) -> float:
        return 0.0 if self.origin is None or self.origin[i] == g else self.stay

    # --- moves ----------------------------------------------------------------------------
    def _apply(self, i: int, h: int) -> None:
        g = self.a[i]
        sg = sh_ = 0.0
        for j, s in zip(self.adj[i], self.sh[i], strict=True):
            aj = self.a[j]
            if aj == g:
                sg += s
            elif aj == h:
                sh_ += s
        self.gp[g] += -self.per[i] + 2.0 * sg
        self.gp[h] += self.per[i] - 2.0 * sh_
        self.gw[g] -= self.w[i]
        self.gw[h] += self.w[i]
        self.ga[g] -= self.area[i]
        self.ga[h] += self.area[i]
        self.members[g].discard(i)
        self.members[h].add(i)
        self.a[i] = h

    def connected(self, g: int) -> bool:
        """Whether grid *g* is one connected piece (BFS inside the grid)."""
        mem = self.members[g]
        if not mem:
            return False
        start = next(iter(mem))
        seen = {start}
        stack = [start]
        a, adj = self.a, self.adj
        while stack:
            u = stack.pop()
            for v in adj[u]:
                if a[v] == g and v not in seen:
                    seen.add(v)
                    stack.append(v)
        return len(seen) == len(mem)

    def try_moves(self, moves: list[tuple[int, int]], min_gain: float = 1e-12) -> bool:
        """Apply ``[(node, grid), …]`` if it keeps grids connected and lowers the cost."""
        touched = {self.a[i] for i, _ in moves} | {h for _, h in moves}
        if touched & self.frozen:
            return False
        nodes = {i for i, _ in moves}
        before = sum(self.grid_cost(g) for g in touched)
        before += sum(self._stay(i, self.a[i]) for i, _ in moves)
        before += self.cut * self._cuts(nodes) if self.cut else 0.0
        undo = [(i, self.a[i]) for i, _ in moves]
        for i, h in moves:
            self._apply(i, h)
        after = sum(self.grid_cost(g) for g in touched)
        after += sum(self._stay(i, h) for i, h in moves)
        after += self.cut * self._cuts(nodes) if self.cut else 0.0
        if after < before - min_gain and all(self.connected(g) for g in touched):
            return True
        for i, g in reversed(undo):
            self._apply(i, g)
        return False

    def flip_delta(self, i: int, h: int) -> float:
        """Cost change of moving node *i* to grid *h* (connectivity not checked)."""
        g = self.a[i]
        before = self.grid_cost(g) + self.grid_cost(h) + self._stay(i, g)
        if self.cut:
            same = sum(1 for j in self.adj[i] if self.a[j] == g)
            into = sum(1 for j in self.adj[i] if self.a[j] == h)
            before += self.cut * (into - same)  # cut change of the move, as a cost
        self._apply(i, h)
        after = self.grid_cost(g) + self.grid_cost(h) + self._stay(i, h)
        self._apply(i, g)
        return after - before

    def boundary(self) -> list[int]:
        """Nodes with a neighbour in another grid."""
        a = self.a
        return [i for i in range(self.n) if any(a[j] != a[i] for j in self.adj[i])]

    def flip_pass(self) -> int:
        """One sweep of best-improving single-unit flips; returns the number applied."""
        moved = 0
        order = self.boundary()
        self.rng.shuffle(order)
        for i in order:
            g = self.a[i]
            if g in self.frozen or len(self.members[g]) <= 1:
                continue
            cands = sorted({self.a[j] for j in self.adj[i]} - {g} - self.frozen)
            scored = sorted((self.flip_delta(i, h), h) for h in cands)
            for delta, h in scored:
                if delta >= -1e-12:
                    break
                if self.try_moves([(i, h)]):
                    moved += 1
                    break
        return moved

    def swap_pass(self) -> int:
        """Swaps of two units between neighbouring grids, around grids out of tolerance."""
        done = 0
        for g in self.out_of_tolerance():
            pairs = [(i, self.a[j]) for i in self.members[g] for j in self.adj[i]
                     if self.a[j] != g]
            for i, h in sorted(set(pairs)):
                if self.a[i] != g or h in self.frozen:
                    continue
                back = [v for v in self.members[h] if any(self.a[u] == g for u in self.adj[v])]
                for v in back:
                    if v != i and self.try_moves([(i, h), (v, g)]):
                        done += 1
                        break
        return done

    def chain_pass(self, depth: int = 3, beam: int = 4) -> int:
        """Ejection chains from grids out of tolerance; returns the number applied.

        An overweight grid pushes a unit to a neighbour, which may push one on, up to *depth*
        hops (an underweight grid pulls the same way); the chain is kept if the whole of it
        lowers the cost and leaves every grid connected.
        """
        done = 0
        for g in self.out_of_tolerance():
            if self._chain(g, 1 if self.dev(g) > 0 else -1, [], depth, beam, 0.0):
                done += 1
        return done

    def _hops(self, s: int, sign: int, used: set[int]) -> list[tuple[int, int]]:
        """Single flips that push from (sign > 0) or pull into (sign < 0) grid *s*."""
        out = []
        if sign > 0:
            for i in self.members[s]:
                if i in used:
                    continue
                for h in {self.a[j] for j in self.adj[i]} - {s} - self.frozen:
                    out.append((i, h))
        else:
            for i in self.members[s]:
                for j in self.adj[i]:
                    o = self.a[j]
                    if o != s and o not in self.frozen and j not in used:
                        out.append((j, s))
        return list(dict.fromkeys(out))

    def _chain(self, s: int, sign: int, moves: list[tuple[int, int]], depth: int, beam: int,
               acc: float) -> bool:
        used = {i for i, _ in moves}
        scored = []
        for i, h in self._hops(s, sign, used):
            src = self.a[i]
            if len(self.members[src]) <= 1:
                continue
            scored.append((self.flip_delta(i, h), i, h))
        scored.sort()
        for delta, i, h in scored[:beam]:
            src = self.a[i]
            self._apply(i, h)
            if not self.connected(src):
                self._apply(i, src)
                continue
            moves.append((i, src))
            total = acc + delta
            if total < -1e-9 and all(self.connected(self.a[m]) for m, _ in moves):
                return True
            nxt = h if sign > 0 else src
            if depth > 1 and self._chain(nxt, sign, moves, depth - 1, beam, total):
                return True
            moves.pop()
            self._apply(i, src)
        return False

    def out_of_tolerance(self) -> list[int]:
        """Grids (not frozen) whose |deviation| exceeds the tolerance, worst first."""
        bad = [(abs(self.dev(g)), g) for g in range(self.k)
               if g not in self.frozen and abs(self.dev(g)) > self.tol + 1e-12]
        return [g for _, g in sorted(bad, reverse=True)]

    def descend(self, max_sweeps: int = 200, limit: SafetyLimit | None = None) -> None:
        """Flip, swap and chain until no move improves, for at most *max_sweeps* sweeps.

        The budget is in sweeps (deterministic); *limit* is only the outer wall-clock guard.
        """
        for _ in range(max_sweeps):
            if limit is not None and limit.expired("local search"):
                return
            moved = self.flip_pass()
            if moved == 0 and self.out_of_tolerance():
                moved = self.swap_pass()
            if moved == 0 and self.out_of_tolerance():
                moved = self.chain_pass()
            if moved == 0:
                return

    def assignment(self) -> NDArray[np.int64]:
        """The current grid of every node."""
        return np.asarray(self.a, dtype=np.int64)

    def neighbour_grids(self, g: int) -> set[int]:
        """Grids that share a boundary with grid *g*."""
        return {self.a[j] for i in self.members[g] for j in self.adj[i]} - {g}
