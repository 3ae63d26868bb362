"""Cases in the store, on GeoPackage and PostGIS: the lifecycle, scope, history, concurrency."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from apidata import USERS, seed_store

from api.errors import ForbiddenError, NotFoundError, StaleVersionError
from api.services import cases as cs
from api.services.case_views import CaseFilters, list_cases
from api.services.users import User
from gis.cases import CaseError, CaseRoleError
from layers.store import Store, open_store

NOW = dt.datetime(2026, 3, 3, 2, tzinfo=dt.UTC)
UNIT = User("mine1", "unit", team="一号煤矿")
OTHER_UNIT = User("mine2", "unit", team="二号煤矿")
FOUND = {"site_id": "M1", "topic": "work_safety", "severity": "general",
         "text": "瓦斯监测仪失效"}


@pytest.fixture(params=["gpkg", "postgis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The API tests' tiny county on each backend."""
    url = str(tmp_path / "s.gpkg") if request.param == "gpkg" else \
        request.getfixturevalue("postgis_url")
    seed_store(url)
    s = open_store(url)
    yield s
    s.close()


def rectifying(store: Store, site: str = "M1") -> dict:
    """A case assigned to 一号煤矿 and being rectified (version 3)."""
    c = cs.open_case(store, USERS["inspector"], {**FOUND, "site_id": site}, now=NOW)
    c = cs.act(store, USERS["admin"], c["case_id"], "assign", {"unit": "一号煤矿"},
               expected=1, now=NOW)
    return cs.act(store, UNIT, c["case_id"], "start", {}, expected=2, now=NOW)


def test_a_case_is_placed_numbered_and_given_its_deadline(store: Store) -> None:
    c = cs.open_case(store, USERS["inspector"], FOUND, now=NOW)
    assert (c["state"], c["version"], c["code"]) == ("open", 1, "AJ20260303-0001")
    assert (c["township"], c["village"], c["grid_id"]) == ("东镇", "一村", "G1")
    assert c["actions"] == ["assign", "supervise"]
    second = cs.open_case(store, USERS["inspector"], FOUND, now=NOW)
    assert second["code"] == "AJ20260303-0002"
    c = cs.act(store, USERS["leader"], c["case_id"], "assign",
               {"unit": "一号煤矿", "person": "王矿长"}, expected=1, now=NOW)
    # work safety, general: 3 days from the local day it was opened (3 March, CST)
    assert c["deadline"] == "2026-03-06T15:59:59+00:00"
    assert (c["state"], c["unit"], c["person"]) == ("assigned", "一号煤矿", "王矿长")


def test_the_history_is_appended_with_the_audit_in_step(store: Store) -> None:
    c = rectifying(store)
    cs.act(store, UNIT, c["case_id"], "progress", {"note": "已更换传感器"}, expected=3, now=NOW)
    c = cs.act(store, UNIT, c["case_id"], "request_recheck", {"note": "整改完毕"}, expected=4,
               now=NOW)
    assert c["state"] == "recheck_requested" and c["rectifiers"] == ["mine1"]
    assert c["recheck_due"] == "2026-03-08T15:59:59+00:00"  # 5 days for work safety
    events = c["events"]
    assert [(e["version"], e["action"], e["to_state"]) for e in events] == [
        (1, "open", "open"), (2, "assign", "assigned"), (3, "start", "rectifying"),
        (4, "progress", "rectifying"), (5, "request_recheck", "recheck_requested")]
    assert [e["user"] for e in events] == ["insp_a", "admin", "mine1", "mine1", "mine1"]
    audit = store.read("audit_log")
    mine = audit[audit["object"] == c["case_id"]]
    assert sorted(mine["action"]) == sorted(["case.open", "case.assign", "case.start",
                                             "case.progress", "case.request_recheck"])
    assert len(store.read("case_events")) == 5  # nothing rewritten in place


def test_refusals_leave_the_store_unchanged(store: Store) -> None:
    c = rectifying(store)
    before = (len(store.read("case_events")), len(store.read("audit_log")))
    with pytest.raises(CaseError, match="needs note"):
        cs.act(store, UNIT, c["case_id"], "progress", {}, expected=3, now=NOW)
    with pytest.raises(CaseRoleError, match="a unit may not park"):
        cs.act(store, UNIT, c["case_id"], "park", {}, expected=3, now=NOW)
    with pytest.raises(StaleVersionError, match="is at version 3, not 2"):
        cs.act(store, UNIT, c["case_id"], "progress", {"note": "x"}, expected=2, now=NOW)
    assert (len(store.read("case_events")), len(store.read("audit_log"))) == before
    assert int(store.get("cases", c["case_id"])["version"]) == 3


def test_a_unit_sees_and_acts_on_its_own_cases_only(store: Store) -> None:
    c = rectifying(store)
    with pytest.raises(NotFoundError, match="among the cases you may see"):
        cs.act(store, OTHER_UNIT, c["case_id"], "progress", {"note": "x"}, expected=3, now=NOW)
    seen = list_cases(store, OTHER_UNIT, filters=CaseFilters(), now=NOW, limit=10, offset=0)
    assert seen["total"] == 0
    assert list_cases(store, UNIT, filters=CaseFilters(), now=NOW, limit=10,
                      offset=0)["total"] == 1


def test_a_leader_outside_their_townships_is_refused(store: Store) -> None:
    leader = USERS["leader"]  # 包联 东镇 (T1), 挂牌 一号煤矿 (M1); M2 lies in 西镇 (T2)
    with pytest.raises(ForbiddenError, match=r"site 'M2' is outside your townships and mines "
                                             r"\(东镇、一号煤矿\)"):
        cs.open_case(store, leader, {**FOUND, "site_id": "M2"}, now=NOW)
    theirs = cs.open_case(store, USERS["inspector"], {**FOUND, "site_id": "M2"}, now=NOW)
    with pytest.raises(NotFoundError, match=r"your townships and mines: 东镇、一号煤矿"):
        cs.act(store, leader, theirs["case_id"], "assign", {"unit": "x"}, expected=1, now=NOW)
    own = cs.open_case(store, leader, FOUND, now=NOW)
    listed = list_cases(store, leader, filters=CaseFilters(), now=NOW, limit=10, offset=0)
    assert [i["case_id"] for i in listed["items"]] == [own["case_id"]]
    assert len(store.read("case_events", where={"case_id": theirs["case_id"]})) == 1


def test_a_finding_opens_one_case(store: Store) -> None:
    first = cs.open_case(store, USERS["inspector"], {**FOUND, "finding_id": "f-1"}, now=NOW)
    again = cs.open_case(store, USERS["inspector"], {**FOUND, "finding_id": "f-1"}, now=NOW)
    assert first["case_id"] == again["case_id"] == "f-1"
    assert len(store.read("cases")) == 1 and len(store.read("case_events")) == 1


def test_overdue_cases_come_first(store: Store) -> None:
    late = rectifying(store)
    fresh = cs.open_case(store, USERS["inspector"], {**FOUND, "severity": "major"},
                         now=NOW + dt.timedelta(days=5))
    later = NOW + dt.timedelta(days=6)
    got = list_cases(store, USERS["admin"], filters=CaseFilters(), now=later, limit=10,
                     offset=0)
    assert [i["case_id"] for i in got["items"]] == [late["case_id"], fresh["case_id"]]
    assert got["overdue"] == 1 and got["items"][0]["days_overdue"] == 3
    only = list_cases(store, USERS["admin"], filters=CaseFilters(overdue=False), now=later,
                      limit=10, offset=0)
    assert [i["case_id"] for i in only["items"]] == [fresh["case_id"]]


def test_concurrent_actions_on_one_case_none_lost(store: Store) -> None:
    c = rectifying(store)
    notes = [f"第{i}次进展" for i in range(8)]
    errors: list[BaseException] = []

    def report(note: str) -> None:
        for _ in range(200):  # read the version, act on it; on 412 read again
            version = int(store.get("cases", c["case_id"])["version"])
            try:
                cs.act(store, UNIT, c["case_id"], "progress", {"note": note}, expected=version)
                return
            except StaleVersionError:
                continue
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                return

    threads = [threading.Thread(target=report, args=(n,)) for n in notes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    events = store.read("case_events", where={"case_id": c["case_id"]})
    assert sorted(events.loc[events["action"] == "progress", "note"]) == sorted(notes)
    assert sorted(events["version"]) == list(range(1, 3 + len(notes) + 1))
    assert int(store.get("cases", c["case_id"])["version"]) == 3 + len(notes)


def test_two_actions_on_the_same_version_one_wins(store: Store) -> None:
    c = rectifying(store)
    results: list[str] = []
    barrier = threading.Barrier(2)

    def act(action: str, body: dict) -> None:
        barrier.wait()
        try:
            cs.act(store, USERS["leader"] if action == "park" else UNIT, c["case_id"], action,
                   body, expected=3)
            results.append(action)
        except StaleVersionError:
            results.append("412")

    park = {"reason": "资金未到位", "review_date": dt.date.today() + dt.timedelta(days=9)}
    threads = [threading.Thread(target=act, args=("progress", {"note": "x"})),
               threading.Thread(target=act, args=("park", park))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results)[0] == "412" and len(results) == 2
    assert int(store.get("cases", c["case_id"])["version"]) == 4
