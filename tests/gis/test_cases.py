"""The case state machine: every (action, state, role) allowed or refused, and each rule."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from gis import cases as gc

NOW = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)
ASKED = NOW - dt.timedelta(days=1)
PLAN = {"measures": "更换瓦斯传感器", "money": 12000, "deadline": "2026-03-20",
        "person": "王矿长", "contingency": "停产撤人"}
ACTORS = {"admin": gc.Actor("ad", "admin"), "leader": gc.Actor("ld", "leader"),
          "inspector": gc.Actor("insp", "inspector"), "unit": gc.Actor("u", "unit", "一号煤矿")}


def case(state: str, **kw: Any) -> gc.Case:
    """A case of the unit 一号煤矿 at site M1, re-check asked yesterday."""
    base = gc.Case("C1", state, "general", "M1", unit="一号煤矿", rectifiers=("someone",),
                   deadline=NOW + dt.timedelta(days=3), recheck_requested_at=ASKED,
                   parked_from="rectifying" if state == "parked" else None)
    return replace(base, **kw)


def good_recheck(actor: gc.Actor) -> gc.Recheck:
    """A check-in at the site, by *actor*, after the request, inside the radius, one photo."""
    return gc.Recheck("V9", "M1", actor.username, NOW - dt.timedelta(hours=1), 40.0, 300.0, 1)


def satisfying(action: str) -> dict[str, Any]:
    """A payload that meets every requirement of *action*."""
    return {"note": "说明", "unit": "一号煤矿", "person": "王", "plan": PLAN,
            "reason": "资金未到位", "review_date": NOW.date() + dt.timedelta(days=30),
            "deadline": NOW + dt.timedelta(days=10)}


@pytest.mark.parametrize("action", gc.ACTIONS)
@pytest.mark.parametrize("state", gc.STATES)
@pytest.mark.parametrize("role", gc.ROLES)
def test_every_action_state_role(action: str, state: str, role: str) -> None:
    actor = ACTORS[role]
    rule = gc.RULES[action]
    c = case(state, severity="major")
    run = lambda: gc.apply(c, action, actor, satisfying(action), now=NOW,  # noqa: E731
                           recheck=good_recheck(actor))
    if state not in rule.sources:
        with pytest.raises(gc.CaseStateError, match=f"is '{state}'"):
            run()
    elif role not in rule.roles:
        with pytest.raises(gc.CaseRoleError, match=f"a {role} may not {action}"):
            run()
    else:
        step = run()
        expected = rule.target or (c.parked_from if action == "resume" else state)
        assert step.state == expected == step.changes["state"]
        assert step.event["from_state"] == state and step.event["to_state"] == expected
        assert step.event["user"] == actor.username and step.event["time"] == NOW
        assert action in gc.allowed_actions(c, actor)


def test_the_whole_path_to_closed() -> None:
    unit, insp = ACTORS["unit"], ACTORS["inspector"]
    c = gc.Case("C1", "open", "major", "M1")
    trail = [("assign", ACTORS["leader"], {"unit": "一号煤矿"}),
             ("start", unit, {"plan": PLAN}), ("progress", unit, {"note": "已停产"}),
             ("request_recheck", unit, {"note": "已整改", "photo_ids": ["P1"]})]
    for action, who, payload in trail:
        step = gc.apply(c, action, who, payload, now=ASKED)
        c = replace(c, **{k: v for k, v in step.changes.items()
                          if k in gc.Case.__dataclass_fields__})
    assert c.state == "recheck_requested" and c.rectifiers == ("u",) and c.plan == PLAN
    done = gc.apply(c, "close", insp, {}, now=NOW, recheck=good_recheck(insp))
    assert done.state == "closed" and done.changes["closed_by"] == "insp"
    assert done.event["evidence"]["checkin_id"] == "V9"
    assert done.event["evidence"]["distance_m"] == 40.0


def test_closing_without_an_on_site_recheck_is_refused() -> None:
    with pytest.raises(gc.CaseError, match="needs an on-site re-check: check in at the site"):
        gc.apply(case("recheck_requested"), "close", ACTORS["inspector"], {}, now=NOW)


@pytest.mark.parametrize(("change", "words"), [
    ({"site_id": "M2"}, "was at site 'M2', not at the case's site 'M1'"),
    ({"inspector": "other"}, "was made by 'other'"),
    ({"time": ASKED - dt.timedelta(hours=2)}, "is older than the re-check request"),
    ({"distance_m": 900.0}, "900 m from the site, outside its 300 m radius"),
    ({"photos": 0}, "has no photo"),
])
def test_a_recheck_that_does_not_count(change: dict[str, Any], words: str) -> None:
    insp = ACTORS["inspector"]
    bad = replace(good_recheck(insp), **change)
    with pytest.raises(gc.CaseError, match=words) as err:
        gc.apply(case("recheck_requested"), "close", insp, {}, now=NOW, recheck=bad)
    assert len(err.value.problems) == 1


@pytest.mark.parametrize("action", ["close", "send_back"])
def test_the_rectifier_cannot_recheck(action: str) -> None:
    leader = ACTORS["leader"]
    c = case("recheck_requested", rectifiers=("ld",))
    with pytest.raises(gc.CaseRoleError, match="took part in the rectification"):
        gc.apply(c, action, leader, {"note": "x"}, now=NOW, recheck=good_recheck(leader))
    assert action not in gc.allowed_actions(c, leader)


def test_a_unit_acts_only_on_its_own_cases() -> None:
    other = gc.Actor("v", "unit", "二号煤矿")
    with pytest.raises(gc.CaseRoleError, match="assigned to 一号煤矿, not to 二号煤矿"):
        gc.apply(case("rectifying"), "progress", other, {"note": "x"}, now=NOW)
    assert gc.allowed_actions(case("rectifying"), other) == []


def test_a_major_hazard_needs_the_five_in_place_plan() -> None:
    c = case("assigned", severity="major")
    with pytest.raises(gc.CaseError) as err:
        gc.apply(c, "start", ACTORS["unit"], {"plan": {"measures": "停产"}}, now=NOW)
    assert sorted(p.split()[0] for p in err.value.problems) == [
        "plan.contingency", "plan.deadline", "plan.money", "plan.person"]
    step = gc.apply(c, "start", ACTORS["unit"], {"plan": PLAN}, now=NOW)
    assert step.changes["plan"] == PLAN


def test_the_plan_is_for_major_hazards_only() -> None:
    with pytest.raises(gc.CaseError, match="kept for major hazards"):
        gc.apply(case("rectifying"), "plan", ACTORS["unit"], {"plan": PLAN}, now=NOW)
    assert "plan" not in gc.allowed_actions(case("rectifying"), ACTORS["unit"])


def test_plan_values_are_checked() -> None:
    assert gc.plan_problems({**PLAN, "money": -5}) == ["plan.money must be 0 or more (yuan)"]
    assert gc.plan_problems({**PLAN, "deadline": "soon"}) == [
        "plan.deadline 'soon' is not a date (YYYY-MM-DD)"]


def test_parking_needs_a_reason_and_a_later_review_date() -> None:
    with pytest.raises(gc.CaseError) as err:
        gc.apply(case("rectifying"), "park", ACTORS["leader"],
                 {"review_date": NOW.date()}, now=NOW)
    assert [p.split(":")[0] for p in err.value.problems] == ["reason", "review_date"]
    step = gc.apply(case("rectifying"), "park", ACTORS["leader"], satisfying("park"), now=NOW)
    assert step.changes["parked_from"] == "rectifying"
    back = gc.apply(case("parked", parked_from="assigned"), "resume", ACTORS["admin"], {},
                    now=NOW)
    assert back.state == "assigned"


def test_notes_are_required_where_a_written_account_is() -> None:
    for action, state, who in (("progress", "rectifying", "unit"),
                               ("send_back", "recheck_requested", "inspector"),
                               ("supervise", "open", "leader")):
        with pytest.raises(gc.CaseError, match="note: a written account"):
            gc.apply(case(state), action, ACTORS[who], {}, now=NOW)


def test_closed_on_time_follows_the_request_date() -> None:
    insp = ACTORS["inspector"]
    late = case("recheck_requested", deadline=ASKED - dt.timedelta(days=1))
    on_time = case("recheck_requested")
    assert not gc.apply(late, "close", insp, {}, now=NOW,
                        recheck=good_recheck(insp)).changes["closed_on_time"]
    assert gc.apply(on_time, "close", insp, {}, now=NOW,
                    recheck=good_recheck(insp)).changes["closed_on_time"]


def test_unknown_action() -> None:
    with pytest.raises(gc.CaseStateError, match="unknown action 'delete'"):
        gc.apply(case("open"), "delete", ACTORS["admin"], {}, now=NOW)
