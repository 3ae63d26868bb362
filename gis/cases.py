"""The rectification case (问题清单 → 整改 → 复查 → 销号) as a pure state machine.

A hazard found on an inspection becomes a **case**.  Its life, as county offices run a
数字化城管 case (立案 → 派遣 → 处置 → 核查 → 结案):

=====================  ==========================================  ======================
action                 from → to                                   who
=====================  ==========================================  ======================
``assign`` 派遣         open / assigned / rectifying → assigned     inspector, leader, admin
``start`` 开始整改       assigned → rectifying                       unit, admin
``progress`` 整改进展    rectifying → rectifying                     unit, admin
``plan`` 五落实方案      assigned / rectifying → (same)              unit, admin
``request_recheck``    rectifying → recheck_requested              unit, admin
``close`` 销号          recheck_requested → closed                  inspector, leader, admin
``send_back`` 退回      recheck_requested → rectifying              inspector, leader, admin
``park`` 挂账           any active state → parked                   leader, admin
``resume`` 恢复         parked → the state it was parked from       leader, admin
``extend`` 延期         any active state → (same)                   leader, admin
``supervise`` 督办      any state but closed → (same)               inspector, leader, admin
=====================  ==========================================  ======================

Rules beyond the table (each refusal says what is missing and how to get it):

* a **major** hazard (重大隐患) starts rectifying, and asks for its re-check, only with the
  five-in-place plan (五落实: measures, money, deadline, person in charge, contingency);
* **closing** needs an on-site re-check: a check-in at the case's site, by the person
  closing, after the re-check was asked for, within the site's radius, with a photo; and the
  re-checker is never one of the people who rectified (who started, reported progress or
  asked for the re-check).  Sending back is a re-check outcome too: not by a rectifier;
* **parking** (挂账) needs a written reason and a review date after today;
* a responsible unit acts only on its own cases.

Whether a leader may touch a case (their townships and mines) needs the store: the service
checks it before calling :func:`apply`.  Nothing here reads a clock: *now* is passed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gis.errors import GisError

STATES: tuple[str, ...] = ("open", "assigned", "rectifying", "recheck_requested", "closed",
                           "parked")
#: States in which the case still waits for someone (and may become overdue).
ACTIVE: tuple[str, ...] = ("open", "assigned", "rectifying", "recheck_requested")
SEVERITIES: tuple[str, ...] = ("general", "serious", "major")
#: The eight topics of the inspection programme (names in maps/i18n.py).
TOPICS: tuple[str, ...] = ("epidemic", "forest_fire", "work_safety", "illegal_mining",
                           "weak_branches", "environment", "service_visits", "party_building")
#: The five-in-place plan of a major hazard (五落实).
PLAN_FIELDS: tuple[str, ...] = ("measures", "money", "deadline", "person", "contingency")
ROLES: tuple[str, ...] = ("admin", "leader", "inspector", "unit")


class CaseError(GisError, ValueError):
    """A case action refused by the rules (what is missing, and how to get it)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class CaseRoleError(CaseError):
    """The actor's role (or unit) may not take this action on this case."""


class CaseStateError(CaseError):
    """The action does not apply to the case's current state."""


@dataclass(frozen=True)
class Rule:
    """One action: the states it applies from, the state it leads to (``None``: unchanged),
    and the roles that may take it."""

    sources: frozenset[str]
    target: str | None
    roles: frozenset[str]


def _r(sources: tuple[str, ...], target: str | None, roles: tuple[str, ...]) -> Rule:
    return Rule(frozenset(sources), target, frozenset(roles))


_SUPERVISORS = ("inspector", "leader", "admin")
_UNIT = ("unit", "admin")
RULES: dict[str, Rule] = {
    "assign": _r(("open", "assigned", "rectifying"), "assigned", _SUPERVISORS),
    "start": _r(("assigned",), "rectifying", _UNIT),
    "progress": _r(("rectifying",), None, _UNIT),
    "plan": _r(("assigned", "rectifying"), None, _UNIT),
    "request_recheck": _r(("rectifying",), "recheck_requested", _UNIT),
    "close": _r(("recheck_requested",), "closed", _SUPERVISORS),
    "send_back": _r(("recheck_requested",), "rectifying", _SUPERVISORS),
    "park": _r(ACTIVE, "parked", ("leader", "admin")),
    "resume": _r(("parked",), None, ("leader", "admin")),
    "extend": _r(ACTIVE, None, ("leader", "admin")),
    "supervise": _r((*ACTIVE, "parked"), None, _SUPERVISORS),
}
ACTIONS: tuple[str, ...] = tuple(RULES)
#: Actions whose actor counts as a rectifier (never the re-checker).
RECTIFYING_ACTIONS = frozenset({"start", "progress", "plan", "request_recheck"})


@dataclass(frozen=True)
class Actor:
    """Who acts: user name, role, and for role ``unit`` the responsible unit they speak for."""

    username: str
    role: str
    unit: str | None = None


@dataclass(frozen=True)
class Recheck:
    """An on-site re-check: the check-in the re-checker made at the site.

    Attributes
    ----------
    checkin_id, site_id, inspector, time
        The check-in (``inspections`` row): where, by whom, when (UTC).
    distance_m, radius_m
        How far from the site it was made, and the site's radius (metres).
    photos
        Photos taken with the check-in (or sent with the re-check).
    """

    checkin_id: str
    site_id: str
    inspector: str
    time: dt.datetime
    distance_m: float
    radius_m: float
    photos: int


@dataclass(frozen=True)
class Case:
    """What the rules read of a case."""

    case_id: str
    state: str
    severity: str
    site_id: str
    unit: str | None = None
    rectifiers: tuple[str, ...] = ()
    plan: Mapping[str, Any] | None = None
    deadline: dt.datetime | None = None
    recheck_requested_at: dt.datetime | None = None
    parked_from: str | None = None


@dataclass(frozen=True)
class Step:
    """The outcome of :func:`apply`: the new state, the fields that change, and the event."""

    state: str
    changes: dict[str, Any]
    event: dict[str, Any] = field(default_factory=dict)


def plan_problems(plan: Mapping[str, Any] | None) -> list[str]:
    """What a five-in-place plan lacks (empty when complete)."""
    plan = plan or {}
    out = [f"plan.{k} is missing" for k in PLAN_FIELDS
           if plan.get(k) is None or str(plan.get(k)).strip() == ""]
    money = plan.get("money")
    if money is not None and str(money).strip() != "":
        try:
            if float(money) < 0:
                out.append("plan.money must be 0 or more (yuan)")
        except (TypeError, ValueError):
            out.append(f"plan.money {money!r} is not a number (yuan)")
    when = plan.get("deadline")
    if when is not None and str(when).strip() != "":
        try:
            dt.date.fromisoformat(str(when)[:10])
        except ValueError:
            out.append(f"plan.deadline {when!r} is not a date (YYYY-MM-DD)")
    return out


def _need(ok: bool, problems: list[str], text: str) -> None:
    if not ok:
        problems.append(text)


def check_recheck(case: Case, actor: Actor, recheck: Recheck | None) -> list[str]:
    """Why *recheck* does not close *case* (empty when it does)."""
    if recheck is None:
        return ["an on-site re-check: check in at the site (within its radius, with a photo), "
                "then close with that check-in's id (checkin_id)"]
    problems: list[str] = []
    _need(recheck.site_id == case.site_id, problems,
          f"check-in {recheck.checkin_id} was at site {recheck.site_id!r}, not at the case's "
          f"site {case.site_id!r}")
    _need(recheck.inspector == actor.username, problems,
          f"check-in {recheck.checkin_id} was made by {recheck.inspector!r}: the re-checker "
          "closes with their own check-in")
    if case.recheck_requested_at is not None:
        _need(recheck.time >= case.recheck_requested_at, problems,
              f"check-in {recheck.checkin_id} ({recheck.time:%Y-%m-%d %H:%M} UTC) is older than "
              "the re-check request: check in again at the site")
    _need(recheck.distance_m <= recheck.radius_m, problems,
          f"check-in {recheck.checkin_id} was {recheck.distance_m:.0f} m from the site, "
          f"outside its {recheck.radius_m:.0f} m radius: re-check on site")
    _need(recheck.photos >= 1, problems,
          f"check-in {recheck.checkin_id} has no photo: take one at the site")
    return problems


def _check_actor(case: Case, action: str, actor: Actor) -> None:
    rule = RULES[action]
    if actor.role not in rule.roles:
        msg = (f"case {case.case_id}: a {actor.role} may not {action} (allowed: "
               f"{', '.join(sorted(rule.roles))})")
        raise CaseRoleError(msg)
    if actor.role == "unit" and (not actor.unit or actor.unit != case.unit):
        msg = (f"case {case.case_id} is assigned to {case.unit or 'no unit yet'}, not to "
               f"{actor.unit or 'your unit'}: a unit reports only on its own cases")
        raise CaseRoleError(msg)
    if action in ("close", "send_back") and actor.username in case.rectifiers:
        msg = (f"case {case.case_id}: {actor.username} took part in the rectification, so "
               "cannot re-check it; another inspector or leader re-checks on site")
        raise CaseRoleError(msg)


def _check_state(case: Case, action: str) -> None:
    rule = RULES[action]
    if case.state not in rule.sources:
        msg = (f"case {case.case_id} is {case.state!r}: {action} applies only to a case that is "
               f"{' / '.join(s for s in STATES if s in rule.sources)}")
        raise CaseStateError(msg)


def _requirements(case: Case, action: str, payload: Mapping[str, Any], *, now: dt.datetime,
                  actor: Actor, recheck: Recheck | None) -> list[str]:
    p: list[str] = []
    note = str(payload.get("note") or "").strip()
    if action == "assign":
        _need(bool(str(payload.get("unit") or "").strip()), p,
              "unit: the responsible unit (责任单位) to assign the case to")
    if action in ("progress", "request_recheck", "send_back", "supervise"):
        _need(bool(note), p, "note: a written account (what was done, what is wrong)")
    if case.severity == "major" and action in ("start", "request_recheck"):
        plan = {**dict(case.plan or {}), **dict(payload.get("plan") or {})}
        p += [f"{x} (a major hazard needs the 五落实 plan)" for x in plan_problems(plan)]
    if action == "plan":
        _need(case.severity == "major", p, "a major hazard: the 五落实 plan is kept for "
              "major hazards (重大隐患)")
        p += plan_problems(payload.get("plan"))
    if action == "close":
        p += check_recheck(case, actor, recheck)
    if action == "park":
        _need(bool(str(payload.get("reason") or "").strip()), p,
              "reason: why the case cannot be solved now (挂账说明)")
        review = payload.get("review_date")
        _need(isinstance(review, dt.date) and review > now.date(), p,
              "review_date: the day the parked case is looked at again (after today)")
    if action == "extend":
        new = payload.get("deadline")
        _need(isinstance(new, dt.datetime) and new > now, p,
              "deadline: the new deadline (after now)")
        _need(bool(str(payload.get("reason") or note).strip()), p, "reason: why it is extended")
    return p


def _changes(case: Case, action: str, payload: Mapping[str, Any], *, now: dt.datetime,
             actor: Actor, target: str) -> dict[str, Any]:
    ch: dict[str, Any] = {}
    if action == "assign":
        ch["unit"] = str(payload["unit"]).strip()
        ch["person"] = str(payload.get("person") or "").strip() or None
        if payload.get("deadline") is not None:
            ch["deadline"] = payload["deadline"]
    if payload.get("plan") and action in ("plan", "start", "request_recheck"):
        ch["plan"] = {**dict(case.plan or {}), **dict(payload["plan"])}
    if action in RECTIFYING_ACTIONS and actor.username not in case.rectifiers:
        ch["rectifiers"] = (*case.rectifiers, actor.username)
    if action == "request_recheck":
        ch["recheck_requested_at"] = now
    if action == "close":
        ch["closed_at"] = now
        ch["closed_by"] = actor.username
        ch["closed_on_time"] = bool(case.deadline is None or case.recheck_requested_at is None
                                    or case.recheck_requested_at <= case.deadline)
    if action == "park":
        ch.update(parked_from=case.state, parked_reason=str(payload["reason"]).strip(),
                  review_date=payload["review_date"])
    if action == "resume":
        ch.update(parked_from=None, review_date=None)
    if action == "extend":
        ch["deadline"] = payload["deadline"]
    ch["state"] = target
    return ch


def apply(case: Case, action: str, actor: Actor, payload: Mapping[str, Any] | None = None, *,
          now: dt.datetime, recheck: Recheck | None = None) -> Step:
    """Take *action* on *case*: the new state, the changed fields and the event to append.

    Parameters
    ----------
    payload
        ``note``, ``unit``, ``person``, ``deadline`` (datetime, UTC), ``plan`` (五落实
        fields), ``reason``, ``review_date`` (date), ``photo_ids`` — as the action needs.
    now
        The time of the action (UTC).
    recheck
        The on-site re-check (for ``close``).

    Raises
    ------
    CaseRoleError
        The role or unit may not take the action, or a rectifier tries to re-check.
    CaseStateError
        The action does not apply to the case's state.
    CaseError
        Something the action needs is missing; ``problems`` lists every one.
    """
    payload = dict(payload or {})
    if action not in RULES:
        raise CaseStateError(f"unknown action {action!r}: use one of {', '.join(ACTIONS)}")
    _check_state(case, action)
    _check_actor(case, action, actor)
    problems = _requirements(case, action, payload, now=now, actor=actor, recheck=recheck)
    if problems:
        msg = f"cannot {action} case {case.case_id}: needs " + "; ".join(problems)
        raise CaseError(msg, problems)
    rule = RULES[action]
    target = rule.target or case.state
    if action == "resume":
        target = case.parked_from if case.parked_from in ACTIVE else "open"
    changes = _changes(case, action, payload, now=now, actor=actor, target=target)
    event = {"action": action, "from_state": case.state, "to_state": target,
             "user": actor.username, "role": actor.role, "time": now,
             "note": str(payload.get("note") or payload.get("reason") or "").strip() or None,
             "photo_ids": list(payload.get("photo_ids") or []),
             "evidence": _evidence(action, payload, recheck, changes)}
    return Step(target, changes, event)


def _evidence(action: str, payload: Mapping[str, Any], recheck: Recheck | None,
              changes: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if recheck is not None and action == "close":
        out.update(checkin_id=recheck.checkin_id, distance_m=round(recheck.distance_m, 1),
                   radius_m=recheck.radius_m, photos=recheck.photos,
                   checkin_time=recheck.time.isoformat())
    elif payload.get("checkin_id"):
        out["checkin_id"] = str(payload["checkin_id"])
    for key in ("unit", "person", "plan", "parked_reason"):
        if key in changes and changes[key] is not None:
            out[key] = changes[key]
    for key in ("deadline", "review_date"):
        if changes.get(key) is not None:
            out[key] = changes[key].isoformat()
    return out


def allowed_actions(case: Case, actor: Actor) -> list[str]:
    """The actions *actor* may try on *case* now (their requirements not yet checked)."""
    out = []
    for action, rule in RULES.items():
        if case.state not in rule.sources or actor.role not in rule.roles:
            continue
        if actor.role == "unit" and actor.unit != case.unit:
            continue
        if action in ("close", "send_back") and actor.username in case.rectifiers:
            continue
        if action == "plan" and case.severity != "major":
            continue
        out.append(action)
    return out
