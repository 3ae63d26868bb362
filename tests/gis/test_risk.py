"""Risk: status, fire season (Qingming, dry season), open findings, weak villages."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from gis.risk import RiskConfig, base_risk, open_findings, season_factor, site_risk

SITES = pd.DataFrame({
    "site_id": ["m1", "m2", "f1", "v1", "v2"],
    "kind": ["coal_mine", "coal_mine", "fire_zone", "village", "village"],
    "status": ["producing", "closed", 3, None, None],
    "weak": [False, False, False, False, True],
})


def test_closed_mines_stay_on_the_list_below_producing_ones() -> None:
    assert 0 < base_risk("coal_mine", "closed") < base_risk("coal_mine", "producing")
    assert base_risk("quarry", "closed") > 0


@pytest.mark.parametrize(("day", "factor"), [
    (dt.date(2025, 4, 5), 2.0),   # Qingming
    (dt.date(2025, 3, 10), 1.5),  # dry season
    (dt.date(2025, 7, 1), 1.0),
    (dt.date(2025, 12, 31), 1.5),  # a season that wraps the year
])
def test_fire_season(day: dt.date, factor: float) -> None:
    assert season_factor(day) == factor


def test_season_is_configurable_and_only_for_fire_zones() -> None:
    cfg = RiskConfig(fire_seasons=(((7, 1), (7, 31), 3.0),))
    summer = site_risk(SITES, dt.date(2025, 7, 10), config=cfg)
    plain = site_risk(SITES, dt.date(2025, 6, 10), config=cfg)
    assert summer[2] == pytest.approx(3 * plain[2])
    assert list(summer[[0, 1, 3]]) == list(plain[[0, 1, 3]])


def test_findings_raise_risk_until_a_clean_revisit() -> None:
    visits = pd.DataFrame({"site_id": ["m1", "m1", "m2"],
                           "time": pd.to_datetime(["2025-03-01", "2025-03-05", "2025-03-02"]),
                           "has_findings": [True, False, True]})
    assert open_findings(visits) == {"m2"}
    r = site_risk(SITES, dt.date(2025, 6, 1), findings={"m2"})
    assert r[1] == pytest.approx(2 * base_risk("coal_mine", "closed"))


def test_weak_village_weighs_more() -> None:
    r = site_risk(SITES, dt.date(2025, 6, 1))
    assert r[4] == pytest.approx(2 * r[3])
