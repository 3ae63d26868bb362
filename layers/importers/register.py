"""Read a household register (户籍台账 / 网格员台账): CSV or ``.xlsx``, one row per village.

Columns are found by their usual headers (or ``--map field=COLUMN``):

==============  ==========================================================================
field           headers recognised (spaces, full-width forms and units in brackets ignored)
==============  ==========================================================================
``code``        12-digit village code: 统计用区划代码, 区划代码, 村代码, 代码, code
``name``        village name: 村名, 村(社区), 村/社区, 村居, 行政村, 名称, village, name
``township``    乡镇, 乡镇(街道), 街道, 所属乡镇, township (narrows the name match)
``households``  户数, 总户数, 户籍户数, households
``population``  人口, 总人口, 户籍人口, 人数, population
``members``     党员, 党员数, 党员人数, members
==============  ==========================================================================

Every other column whose values are numbers is an extra workload figure (e.g. 低保户,
留守老人), kept under its header; serial numbers, ids, phone numbers, years and remarks are
not figures.  Total rows (合计, 总计) are skipped.  Every problem in the file is collected
and reported at once as ``file:row:column`` with the fix; nothing is written then.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from gis.register import is_total
from layers.errors import InputFileError, ValidationError
from layers.importers.tables import Table, read_table

ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "village_code", "统计用区划代码", "区划代码", "行政区划代码", "村代码",
             "村级代码", "代码"),
    "name": ("name", "village", "village_name", "村名", "村名称", "村(社区)", "村/社区",
             "村社区", "村居", "村居名称", "村庄", "村庄名称", "行政村", "名称", "社区",
             "村(居)", "村委会"),
    "township": ("township", "乡镇", "乡镇(街道)", "乡镇街道", "乡镇/街道", "街道", "镇",
                 "所属乡镇", "乡镇名称"),
    "households": ("households", "户数", "总户数", "户籍户数", "户"),
    "population": ("population", "人口", "总人口", "户籍人口", "人数", "人口数"),
    "members": ("members", "党员", "党员数", "党员人数", "党员数量"),
}
COUNTS = ("households", "population", "members")
NOT_FIGURES = re.compile(r"序号|编号|代码|电话|手机|联系|邮编|年份|日期|备注|说明|坐标|经度|纬度|"
                         r"^(id|no|nr|phone|tel|zip|year|date|remarks?|lon|lat|x|y)$",
                         re.IGNORECASE)
CODE_DIGITS = 12


def fold_header(text: str) -> str:
    """A header folded for matching: half-width, no spaces, lower-case, no trailing unit."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()
    return s


def _unitless(folded: str) -> str:
    return re.sub(r"\([^()]*\)$", "", folded)


def _field_of(header: str) -> str | None:
    folded = fold_header(header)
    for candidate in (folded, _unitless(folded)):
        for field, names in ALIASES.items():
            if candidate in {fold_header(n) for n in names}:
                return field
    return None


def looks_like_header(cells: list[str]) -> bool:
    """A register header names a village (code or name) and at least one other column."""
    fields = {_field_of(c) for c in cells}
    return bool(fields & {"code", "name"}) and len(cells) >= 2


def to_number(text: object) -> float | None:
    """The number in a cell (full-width digits and thousands separators allowed), else
    ``None``."""
    if text is None:
        return None
    s = unicodedata.normalize("NFKC", str(text)).strip().replace(",", "").replace(" ", "")
    try:
        value = float(s)
    except ValueError:
        return None
    return value if np.isfinite(value) else None


@dataclass(frozen=True)
class Register:
    """A register's rows, validated: ``row`` (file row), ``code``, ``name``, ``township``,
    ``households``, ``population``, ``members`` (float, NaN when not given) and ``figures``
    (``{header: value}`` of the extra numeric columns)."""

    table: Table
    rows: pd.DataFrame
    columns: dict[str, str]
    extra: tuple[str, ...]


def _columns(table: Table, mapping: Mapping[str, str]) -> dict[str, str]:
    headers = list(table.frame.columns)
    missing = [c for c in mapping.values() if c not in headers]
    if missing:
        msg = (f"{table.path.name}: --map names column(s) {', '.join(missing)} that the "
               f"header (row {table.header_row}) lacks; its columns are {', '.join(headers)}")
        raise InputFileError(msg)
    found: dict[str, str] = {}
    for h in headers:
        field = _field_of(h)
        if field is not None and field not in found:
            found[field] = h
    found.update(mapping)
    if not {"code", "name"} & set(found):
        msg = (f"{table.path.name}: no village column in the header (row {table.header_row}: "
               f"{', '.join(headers)}); name one with --map name=COLUMN or --map code=COLUMN")
        raise InputFileError(msg)
    return found


def _extra(table: Table, columns: dict[str, str]) -> list[str]:
    used = set(columns.values())
    out = []
    for h in table.frame.columns:
        if h in used or NOT_FIGURES.search(fold_header(h)):
            continue
        values = [v for v in table.frame[h] if v is not None]
        numeric = sum(to_number(v) is not None for v in values)
        if values and numeric >= 0.5 * len(values):
            out.append(h)
    return out


def _check_code(table: Table, i: int, col: str, value: str, problems: list[str]) -> str | None:
    code = unicodedata.normalize("NFKC", value).strip()
    if code.isdigit() and len(code) == CODE_DIGITS:
        return code
    what = f"has {len(code)} digits" if code.isdigit() else "is not all digits"
    problems.append(f"{table.where(i, col)}: village code {value!r} {what}; a village code "
                    f"(统计用区划代码) has exactly {CODE_DIGITS} digits, e.g. 420102001001 — "
                    "fix it or leave the cell empty to match by name")
    return None


def _check_figure(table: Table, i: int, col: str, value: str | None, whole: bool,
                  problems: list[str]) -> float:
    if value is None:
        return np.nan
    number = to_number(value)
    if number is None:
        problems.append(f"{table.where(i, col)}: {value!r} is not a number; write the figure "
                        "in digits (e.g. 120) or leave the cell empty")
    elif number < 0:
        problems.append(f"{table.where(i, col)}: {value!r} is negative; figures count people "
                        "and households, so they are 0 or more")
    elif whole and not float(number).is_integer():
        problems.append(f"{table.where(i, col)}: {value!r} is not a whole number; counts of "
                        "households, residents and members are whole")
    else:
        return float(number)
    return np.nan


def _row(table: Table, i: int, columns: dict[str, str], extra: list[str],
         problems: list[str]) -> dict | None:
    cell = table.frame.iloc[i]
    name = cell.get(columns["name"]) if "name" in columns else None
    code_text = cell.get(columns["code"]) if "code" in columns else None
    if is_total(name) and not code_text:
        return None
    code = _check_code(table, i, columns["code"], code_text, problems) if code_text else None
    if code is None and not name and not code_text:
        key = columns.get("name") or columns["code"]
        problems.append(f"{table.where(i, key)}: the row names no village; give its name or "
                        "code, or delete the row")
    out = {"row": table.rows[i], "code": code, "name": name,
           "township": cell.get(columns["township"]) if "township" in columns else None}
    for field in COUNTS:
        out[field] = _check_figure(table, i, columns[field], cell.get(columns[field]), True,
                                   problems) if field in columns else np.nan
    out["figures"] = {h: v for h in extra if not np.isnan(
        v := _check_figure(table, i, h, cell.get(h), False, problems))}
    return out


def read_register(path: str | Path, *, mapping: Mapping[str, str] | None = None,
                  encoding: str | None = None, sheet: str | None = None) -> Register:
    """Read and check a register (see the module docstring); raise on any bad row."""
    table = read_table(path, encoding=encoding, sheet=sheet, is_header=looks_like_header)
    columns = _columns(table, dict(mapping or {}))
    extra = _extra(table, columns)
    if not (set(columns) & set(COUNTS)) and not extra:
        msg = (f"{table.path.name}: no figure columns (户数, 人口, 党员 or other numbers) in the "
               f"header (row {table.header_row}); name one with --map households=COLUMN")
        raise InputFileError(msg)
    problems: list[str] = []
    rows = [r for i in range(len(table.frame))
            if (r := _row(table, i, columns, extra, problems)) is not None]
    if problems:
        raise ValidationError(f"{table.path.name}: {len(problems)} bad cell(s) in the register: "
                              f"{problems[0]} (and the rest listed below). Nothing was "
                              "written.", problems)
    if not rows:
        msg = f"{table.path.name}: the register has no village rows (only totals or blanks)"
        raise InputFileError(msg)
    return Register(table, pd.DataFrame(rows), columns, tuple(extra))
