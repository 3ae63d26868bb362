"""`import register` on a tiny county, on GeoPackage and PostGIS: exact totals per village,
codes that follow the register, and every bad input refused with the store unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from registerdata import seed_county

from api.services.grids import balance_store
from api.services.register_store import import_register
from api.services.units import build_units
from layers.errors import InputFileError, ValidationError

HEADER = "乡镇,村(社区),统计用区划代码,户数,人口,党员,低保户,序号\n"


@pytest.fixture
def county(any_store):  # noqa: ANN001, ANN201
    seed_county(any_store)
    return any_store


def write(tmp_path: Path, text: str, name: str = "台账.csv", encoding: str = "gbk") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def snapshot(store) -> tuple:  # noqa: ANN001
    units = store.read("units").sort_values("unit_id")
    admin = store.read("admin_areas").sort_values("area_id")
    return (tuple(units["unit_id"]), tuple(units["households"]), tuple(units["members"]),
            tuple(admin["code"]), store.count("registers"), store.count("grids"))


def per_village(store, field: str) -> dict[str, int]:  # noqa: ANN001
    units = store.read("units")
    return {k: int(v) for k, v in units.groupby("village_id")[field].sum().items()}


def test_register_spreads_exact_totals_and_gives_the_villages_their_codes(county, tmp_path):
    path = write(tmp_path, HEADER + "东风镇,东风 村,420102001101,301,790,17,3,1\n"
                                    "东风,新河社区居委会,420102001102,122,,5,1,2\n"
                                    ",合计,,423,790,22,4,\n")
    result = import_register(county, path)
    assert result.matched == 2 and result.by["normalised"] == 2
    assert per_village(county, "households") == {"v1": 301, "v2": 122}
    assert per_village(county, "members") == {"v1": 17, "v2": 5}
    assert per_village(county, "population")["v1"] == 790
    admin = county.read("admin_areas").set_index("area_id")
    assert admin.loc["v1", "code"] == "420102001101"
    units = county.read("units")
    assert units.loc[units["village_id"] == "v2", "unit_id"].str.startswith("420102001102").all()
    extra = [f["低保户"] for f in units.loc[units["village_id"] == "v1", "figures"]]
    assert sum(extra) == 3
    build_units(county, progress=False)  # a rebuild applies the stored register again
    assert per_village(county, "households") == {"v1": 301, "v2": 122}


def test_with_grids_the_units_stay_and_grid_codes_follow_the_register(county, tmp_path):
    balance_store(county, target=2.0, tolerance=0.5, effort=0.2)
    ids = set(county.read("grids")["grid_id"])
    path = write(tmp_path, "村名,代码,户数\n东风村,420102001201,90\n新河社区,,40\n")
    result = import_register(county, path)
    grids = county.read("grids")
    assert set(grids["grid_id"]) == ids  # the same grids, the same units
    v1 = grids[grids["village_id"] == "v1"]
    assert v1["code"].str.startswith("420102001201").all() and v1["households"].sum() == 90
    assert per_village(county, "households") == {"v1": 90, "v2": 40}
    assert "rebalance" in result.lines()[-1]


BAD = {
    "twice": (HEADER + "东风镇,东风村,,10,,,,1\n东风镇,东风,,12,,,,2\n", ValidationError,
              "台账.csv:3: the village v1 appears twice (also row 2)"),
    "not a number": (HEADER + "东风镇,东风村,,十二,,,,1\n", ValidationError,
                     "台账.csv:2:D (户数): '十二' is not a number"),
    "negative": (HEADER + "东风镇,东风村,,12,-5,,,1\n", ValidationError,
                 "台账.csv:2:E (人口): '-5' is negative"),
    "code length": (HEADER + "东风镇,东风村,42010200110,12,,,,1\n", ValidationError,
                    "台账.csv:2:C (统计用区划代码): village code '42010200110' has 11 digits"),
    "empty": (HEADER, InputFileError, "台账.csv: the table has a header (row 1) but no rows"),
    "no village": (HEADER + "东风镇,西湖村,,12,,,,1\n城关镇,南山村,,9,,,,2\n", ValidationError,
                   "no row of the register matches a village of the store"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_registers_are_refused_and_the_store_is_unchanged(county, tmp_path, case):
    text, error, message = BAD[case]
    before = snapshot(county)
    with pytest.raises(error) as info:
        import_register(county, write(tmp_path, text))
    assert message in str(info.value) + " ".join(getattr(info.value, "problems", []))
    assert snapshot(county) == before


def test_unmatched_names_are_listed_with_the_closest_candidates(county, tmp_path):
    path = write(tmp_path, HEADER + "东风镇,东风村,,10,,,,1\n东风镇,新合社区,,7,,,,2\n")
    result = import_register(county, path)
    assert result.matched == 1
    assert result.unmatched == ("台账.csv:3: '新合社区' (新河社区 (东风镇))",)


def test_invalid_bytes_name_the_line(county, tmp_path):
    raw = (HEADER + "东风镇,东风村,,10,,,,1\n").encode("gbk") + b"\xff\xfe,x,,1,,,,2\n"
    path = tmp_path / "bytes.csv"
    path.write_bytes(raw)
    before = snapshot(county)
    with pytest.raises(InputFileError, match=r"bytes\.csv:3: byte\(s\) ff at byte 1 of line 3 "
                                             r"are not valid gb18030"):
        import_register(county, path)
    assert snapshot(county) == before


def test_an_xlsx_header_over_merged_cells_is_refused(county, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.append(["村名", "人口情况", None, "党员"])
    ws.append([None, "户数", "人口", None])
    ws.append(["东风村", 10, 30, 2])
    ws.merge_cells("B1:C1")
    path = tmp_path / "merged.xlsx"
    book.save(path)
    before = snapshot(county)
    with pytest.raises(InputFileError, match=r"merged\.xlsx:1:B: the header spans merged cells "
                                             r"\(B1:C1\)"):
        import_register(county, path)
    assert snapshot(county) == before


def test_an_xlsx_with_a_title_row_and_a_total_row_is_read(county, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.append(["东风镇户籍台账"])
    ws.merge_cells("A1:C1")
    ws.append(["村名", "户数", "党员"])
    ws.append(["东风村", 10, 2])
    ws.append(["新河社区", 7.0, 1])
    ws.append(["合计", 17, 3])
    path = tmp_path / "title.xlsx"
    book.save(path)
    assert import_register(county, path).matched == 2
    assert per_village(county, "households") == {"v1": 10, "v2": 7}

