"""Register matching and spreading on tiny hand-built frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gis.register import (
    is_total,
    largest_remainder,
    match_rows,
    normalise_name,
    spread,
    spread_weights,
)


@pytest.fixture
def villages() -> pd.DataFrame:
    return pd.DataFrame({
        "area_id": ["v1", "v2", "v3", "v4"],
        "name": ["东风村", "Vaduz", "新村", "新村"],
        "code": ["420102001001", "990000004001", "420102002001", "420102003001"],
        "township": ["东风镇", "Vaduz", "城关镇", "河口乡"]})


@pytest.mark.parametrize(("raw", "norm"), [
    ("东风村", "东风"), ("东风 村民委员会", "东风"), ("东风社区居委会", "东风"),
    ("Ｖａｄｕｚ", "vaduz"), ("  Gamprin - Bendern ", "gamprin-bendern"), ("村", "村")])
def test_names_are_normalised_as_offices_spell_them(raw, norm):
    assert normalise_name(raw) == norm


def test_rows_match_by_code_then_name_then_normalised_name(villages):
    got = match_rows(["420102001001", None, None, None, None, None],
                     ["whatever", "Vaduz", "Ｖａｄｕｚ 社区", "新村", "东方红", "合计"],
                     None, villages)
    assert [(m.village_id, m.how) for m in got] == [
        ("v1", "code"), ("v2", "name"), ("v2", "normalised"), (None, "ambiguous"),
        (None, "unmatched"), (None, "total")]
    assert got[3].candidates == ("新村 (城关镇)", "新村 (河口乡)")
    assert got[4].candidates[0] == "东风村 (东风镇)"


def test_a_township_column_settles_a_name_shared_by_two_villages(villages):
    got = match_rows([None, None], ["新村", "新村"], ["河口乡", "城关"], villages)
    assert [m.village_id for m in got] == ["v4", "v3"]


def test_largest_remainder_keeps_the_total_exact():
    out = largest_remainder(10, np.array([1.0, 1.0, 1.0]))
    assert out.sum() == 10 and sorted(out) == [3, 3, 4]
    assert largest_remainder(7, np.zeros(3)).sum() == 7  # no weight: spread evenly
    assert list(largest_remainder(0, np.array([5.0, 1.0]))) == [0, 0]


def test_spread_uses_the_first_weight_with_something_in_the_village():
    village = np.array(["a", "a", "a", "b", "b"], dtype=object)
    floor = np.array([100.0, 300.0, 0.0, 0.0, 0.0])
    area = np.array([1.0, 1.0, 1.0, 3.0, 1.0])
    w = spread_weights(village, [floor, area])
    assert list(w) == [100.0, 300.0, 0.0, 3.0, 1.0]
    out = spread({"a": 1001, "b": 9}, village, w)
    assert out[:3].sum() == 1001 and out[3:].sum() == 9 and out[2] == 0
    assert np.isnan(spread({"a": 5}, village, w)[3])


def test_total_rows():
    assert is_total("合 计") and is_total("Total") and not is_total("合作村")
