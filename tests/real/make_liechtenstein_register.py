"""Build the Liechtenstein test register (户籍台账) from the OSM extract: GBK CSV and .xlsx.

    .venv/bin/python tests/real/make_liechtenstein_register.py

The rows are the villages ``units build`` derives from the extract (the named places of its
eleven real municipalities), keyed as a county office would key them: the municipality (乡镇),
the village name — a few spelled as offices write them (full-width letters, a 村/社区/居委会
suffix, spaces) — and a 12-digit code made of a placeholder county (990100), the municipality's
official number (Balzers 7001 … Schellenberg 7011 → 001 … 011) and a sequence.

Figures are **test data**: each municipality's resident population (end of 2013, rounded, of
the order the Amt für Statistik Liechtenstein publishes) split over its villages half evenly, half
in proportion to the households estimated from mapped buildings;
households = population / 2.3; 党员 (party members) and 低保户 are synthetic shares.
The XLSX has a merged title row above the header and both files end with a 合计 row, as
office tables do.
"""

from __future__ import annotations

import csv
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from api.services.units import build_units  # noqa: E402
from gis.register import largest_remainder  # noqa: E402
from layers.importers.osm import import_osm  # noqa: E402
from layers.store import open_store  # noqa: E402

OSM = ROOT / "data" / "osm" / "liechtenstein-2013-08-03.osm.pbf"
OUT = Path(__file__).resolve().parent
#: Municipality → (official number, residents end of 2013, rounded).
MUNICIPALITIES = {
    "Balzers": (7001, 4580), "Triesen": (7002, 4970), "Triesenberg": (7003, 2600),
    "Vaduz": (7004, 5430), "Schaan": (7005, 5900), "Planken": (7006, 450),
    "Eschen": (7007, 4290), "Mauren": (7008, 4160), "Gamprin": (7009, 1640),
    "Ruggell": (7010, 2120), "Schellenberg": (7011, 1040),
}
HOUSEHOLD_SIZE = 2.3
MEMBER_SHARE = 0.06
#: Names as an office writes them (full-width, suffixes, spaces).
SPELLED = {"Vaduz": "Ｖａｄｕｚ", "Schaan": "Schaan村", "Triesen": "Triesen 社区",
           "Balzers": "Balzers居委会", "Gamprin-Bendern": "Gamprin - Bendern"}
HEADER = ["序号", "乡镇", "村(社区)", "统计用区划代码", "户数", "人口", "党员", "低保户", "备注"]
TITLE = "列支敦士登 户籍台账（2013年末，测试数据）"


def villages_from_extract() -> pd.DataFrame:
    """The derived villages with a place name, their municipality and estimated households."""
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "li.gpkg")
        import_osm(store, OSM, progress=False)
        build_units(store, progress=False)
        admin = store.read("admin_areas")
        units = store.read("units")
    towns = admin[admin["level"] == "township"].set_index("area_id")["name"]
    v = admin[(admin["level"] == "village") & admin["parent_id"].isin(towns.index)].copy()
    v["municipality"] = v["parent_id"].map(towns)
    v = v[v["municipality"].isin(MUNICIPALITIES) & ~v["name"].str.contains("飞地")]
    v["estimate"] = v["area_id"].map(units.groupby("village_id")["households"].sum()).fillna(0)
    return v.sort_values(["municipality", "name"]).reset_index(drop=True)


def register_rows(v: pd.DataFrame) -> list[list[object]]:
    """The register's data rows, municipality by municipality (the 合计 row last)."""
    rows: list[list[object]] = []
    for town, group in v.groupby("municipality", sort=True):
        number, people = MUNICIPALITIES[str(town)]
        est = group["estimate"].to_numpy(float)
        share = 0.5 * est / max(est.sum(), 1.0) + 0.5 / len(group)
        pop = largest_remainder(people, share)
        for seq, (name, p) in enumerate(zip(group["name"], pop, strict=True), start=1):
            hh = int(round(p / HOUSEHOLD_SIZE))
            code = f"990100{number - 7000:03d}{seq:03d}"
            rows.append([len(rows) + 1, town, SPELLED.get(name, name), code, hh, int(p),
                         int(round(p * MEMBER_SHARE)), int(np.ceil(hh * 0.01)), ""])
    total = [sum(int(r[i]) for r in rows) for i in range(4, 8)]
    return [*rows, ["", "", "合计", "", *total, ""]]


def write_csv(rows: list[list[object]], path: Path) -> None:
    """GBK, as Excel in a Chinese locale saves CSV."""
    with path.open("w", encoding="gbk", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)


def write_xlsx(rows: list[list[object]], path: Path) -> None:
    """A merged title row, then the header on row 2."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "户籍台账"
    ws.append([TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    book.save(path)


def main() -> None:
    """Write both files next to this script."""
    rows = register_rows(villages_from_extract())
    write_csv(rows, OUT / "liechtenstein-register-gbk.csv")
    write_xlsx(rows, OUT / "liechtenstein-register.xlsx")
    sys.stdout.write(f"{len(rows) - 1} villages written to {OUT}\n")


if __name__ == "__main__":
    main()
