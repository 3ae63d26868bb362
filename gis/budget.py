"""Search budgets: deterministic steps inside, wall-clock only as a reported safety limit.

Every search in :mod:`gis` (flips, recombinations, CP-SAT) runs a budget counted in steps,
sweeps or CP-SAT *deterministic* time, so that a seed reproduces a result on any machine and
under any load.  A :class:`SafetyLimit` is the outer wall-clock guard of one run (a balance, an
edit preview): it only stops a search that runs far longer than its budget should take, and
it *reports* when it does (:attr:`SafetyLimit.events`, and a warning in the log), because a
result cut short by the clock is no longer reproducible.
"""

from __future__ import annotations

import logging
import math
import time

log = logging.getLogger(__name__)


class SafetyLimit:
    """An outer wall-clock limit shared by the searches of one run.

    Parameters
    ----------
    seconds
        Wall-clock seconds from creation; ``None`` (default) never bites.

    Notes
    -----
    :meth:`expired` is cheap (one clock read) and may be called on every step.  The first time
    it returns ``True`` for a given place, the place is recorded in :attr:`events` and logged.
    """

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = seconds
        self._end = math.inf if seconds is None else time.perf_counter() + float(seconds)
        self._events: list[str] = []

    def remaining(self) -> float:
        """Seconds left (``inf`` without a limit, never negative)."""
        return max(0.0, self._end - time.perf_counter())

    def expired(self, where: str) -> bool:
        """Whether the limit has passed; records *where* it bit (once per place)."""
        if time.perf_counter() < self._end:
            return False
        self.record(where)
        return True

    def record(self, where: str) -> None:
        """Record that the clock stopped the search at *where* (logged once per place)."""
        if where not in self._events:
            self._events.append(where)
            log.warning("wall-clock safety limit of %s s bit in %s: the result is valid but "
                        "not reproducible from its seed; raise the limit or lower the budget",
                        self.seconds, where)

    @property
    def events(self) -> tuple[str, ...]:
        """Places where the limit stopped a search, in order (empty: fully deterministic)."""
        return tuple(self._events)

    @property
    def hit(self) -> bool:
        """Whether the limit stopped any search."""
        return bool(self._events)

    def report(self) -> dict[str, object]:
        """JSON-able summary for results: ``{"seconds", "hit", "events"}``."""
        return {"seconds": self.seconds, "hit": self.hit, "events": list(self._events)}


#: A limit that never bites (the default of the pure functions).
def unlimited() -> SafetyLimit:
    """A fresh :class:`SafetyLimit` without a wall-clock limit."""
    return SafetyLimit(None)
