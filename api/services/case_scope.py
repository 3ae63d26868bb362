"""Whose cases are whose: a leader's townships, villages and mines; a unit's own cases.

* ``admin`` and ``inspector`` see every case (inspectors re-check anywhere in the county);
* ``leader``: the cases in their 包联 townships and villages and at their 挂牌 mines;
* ``unit`` (a responsible unit, 责任单位, named by the user's ``team``): the cases assigned
  to that unit;
* other roles: none.

Reading a case outside one's scope answers 404 (as every out-of-scope id does); acting on a
site outside it — opening a case there, asking for a plan over it — is refused with 403 and
names the leader's own townships and mines, so the refusal says what *is* theirs.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from api.errors import ForbiddenError, NotFoundError
from api.services.leaders import duties
from api.services.users import User
from layers.store import Reader

READERS = ("admin", "inspector", "leader", "unit")


@dataclass(frozen=True)
class Scope:
    """What a user answers for; ``everything`` for admins and inspectors."""

    everything: bool = False
    townships: frozenset[str] = frozenset()
    villages: frozenset[str] = frozenset()
    mines: frozenset[str] = frozenset()
    unit: str | None = None
    names: tuple[str, ...] = ()

    def where(self) -> list[dict[str, list[str]]] | None:
        """Equality filters on ``cases`` any of which admits a case (``None``: all)."""
        if self.everything:
            return None
        out = [{f: sorted(v)} for f, v in (("township_id", self.townships),
                                            ("village_id", self.villages),
                                            ("site_id", self.mines)) if v]
        if self.unit:
            out.append({"unit": [self.unit]})
        return out

    def admits(self, frame: pd.DataFrame) -> pd.Series:
        """Which rows of a cases frame (or of sites with the same columns) are in scope."""
        if self.everything:
            return pd.Series(True, index=frame.index)
        keep = pd.Series(False, index=frame.index)
        for f, values in (("township_id", self.townships), ("village_id", self.villages),
                          ("site_id", self.mines)):
            if values and f in frame:
                keep |= frame[f].astype(str).isin(values)
        if self.unit and "unit" in frame:
            keep |= frame["unit"].astype(str) == self.unit
        return keep

    def describe(self) -> str:
        """The leader's townships and mines, named, for refusals."""
        return "、".join(self.names) or "none assigned yet (ask an admin: leaders assign)"


def _names(store: Reader, ids: set[str], layer: str, id_field: str) -> list[str]:
    if not ids:
        return []
    frame = store.read(layer, ids=sorted(ids))
    named = dict(zip(frame[id_field].astype(str), frame["name"], strict=True))
    return [str(named.get(i) or i) for i in sorted(ids)]


def scope_of(store: Reader, user: User) -> Scope:
    """The cases *user* may see and act on (see the module docstring)."""
    if user.role in ("admin", "inspector"):
        return Scope(everything=True)
    if user.role == "unit":
        return Scope(unit=user.team or "\0none")
    if user.role != "leader":
        return Scope()
    own = duties(store, user.username)
    by_kind = {k: set(own.loc[own["kind"] == k, "target_id"].astype(str))
               for k in ("township", "village", "mine")}
    names = (_names(store, by_kind["township"] | by_kind["village"], "admin_areas", "area_id")
             + _names(store, by_kind["mine"], "mine_sites", "site_id"))
    return Scope(townships=frozenset(by_kind["township"]),
                 villages=frozenset(by_kind["village"]), mines=frozenset(by_kind["mine"]),
                 names=tuple(names))


def check_readable(scope: Scope, row: pd.Series, case_id: str) -> None:
    """404 unless the case *row* is in *scope*."""
    frame = pd.DataFrame([row])
    if not bool(scope.admits(frame).iloc[0]):
        msg = f"no case {case_id!r} among the cases you may see"
        if scope.names:
            msg += f" (your townships and mines: {scope.describe()})"
        raise NotFoundError(msg)


def check_site(scope: Scope, user: User, place: dict[str, str | None]) -> None:
    """403 unless the site at *place* (``site_id``, ``village_id``, ``township_id``) is the
    leader's: a leader acts only in their own townships and mines."""
    if user.role != "leader":
        return
    frame = pd.DataFrame([place])
    if not bool(scope.admits(frame).iloc[0]):
        msg = (f"site {place.get('site_id')!r} is outside your townships and mines "
               f"({scope.describe()}): a leader acts only on their own; ask the leader of "
               "that township or an admin")
        raise ForbiddenError(msg)
