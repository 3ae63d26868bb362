"""Tables as offices keep them: CSV in any common encoding, and ``.xlsx`` workbooks.

:func:`read_table` returns every cell as text (``None`` when empty) together with where each
value came from — the file row and the spreadsheet column letter — so a bad value can be
named as ``file:row:column``.  The header is the first row (of the first ten) that a caller's
*is_header* accepts, so a title row above it ("XX镇户籍台账", merged across the sheet) is
fine; a header whose own cells are merged is refused, since its columns have no names.
"""

from __future__ import annotations

import csv
import io
import logging
import string
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from layers.errors import InputFileError
from layers.importers.sources import detect_encoding, require_file, suffix_of

log = logging.getLogger(__name__)
TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
HEADER_SCAN_ROWS = 10
HeaderTest = Callable[[list[str]], bool]


@dataclass(frozen=True)
class Table:
    """A table's text cells and where each came from.

    Attributes
    ----------
    frame
        One column per header (header text as the name), text values or ``None``.
    rows
        The 1-based file (sheet) row of each frame row.
    letters
        The spreadsheet column letter of each frame column (A, B, … AA …).
    """

    path: Path
    frame: pd.DataFrame
    rows: list[int]
    letters: dict[str, str]
    header_row: int

    def where(self, i: int, column: str) -> str:
        """``file:row:column (header)`` of the cell in frame row *i* and *column*."""
        return f"{self.path.name}:{self.rows[i]}:{self.letters[column]} ({column})"


def column_letter(index: int) -> str:
    """Spreadsheet letter of the 0-based column *index* (0 → A, 26 → AA)."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = string.ascii_uppercase[rem] + out
    return out


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _find_header(grid: list[list[str | None]], is_header: HeaderTest | None) -> int:
    for i, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        cells = [c for c in row if c]
        if len(cells) >= 1 and (is_header is None or is_header(cells)):
            return i
    return next((i for i, row in enumerate(grid) if any(row)), 0)


def _frame(path: Path, grid: list[list[str | None]], header: int, offset: int = 1) -> Table:
    names = grid[header] if grid else []
    width = max((len(r) for r in grid), default=0)
    columns, letters, keep = [], {}, []
    for j in range(width):
        name = names[j] if j < len(names) else None
        if not name:
            continue
        if name in letters:
            msg = (f"{path.name}:{header + offset}:{column_letter(j)}: the header {name!r} "
                   f"appears twice (also column {letters[name]}); rename one of them")
            raise InputFileError(msg)
        columns.append(name)
        letters[name] = column_letter(j)
        keep.append(j)
    data, rows = [], []
    for i, row in enumerate(grid[header + 1:], start=header + 1):
        values = [row[j] if j < len(row) else None for j in keep]
        if any(values):
            data.append(values)
            rows.append(i + offset)
    frame = pd.DataFrame(data, columns=columns, dtype=object)
    return Table(path, frame, rows, letters, header + offset)


def read_csv_grid(path: Path, *, encoding: str | None = None) -> list[list[str | None]]:
    """The CSV's cells as text, in the detected (or given) encoding and delimiter."""
    text = path.read_bytes().decode(detect_encoding(path, declared=encoding))
    sample = text[:20_000]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        return [[_cell_text(c) for c in row] for row in csv.reader(io.StringIO(text),
                                                                   dialect)]
    except csv.Error as exc:
        msg = f"{path.name}: not a readable CSV ({exc}); check the quoting and export it again"
        raise InputFileError(msg) from exc


def _xlsx_grid(path: Path, sheet: str | None) -> tuple[list[list[str | None]], list]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        msg = (f"{path.name}: not a readable .xlsx workbook ({exc}); open it in Excel or "
               "WPS and save it again as .xlsx")
        raise InputFileError(msg) from exc
    if sheet is not None and sheet not in book.sheetnames:
        msg = f"{path.name}: no sheet {sheet!r}; its sheets are {', '.join(book.sheetnames)}"
        raise InputFileError(msg)
    ws = book[sheet] if sheet is not None else book.worksheets[0]
    grid = [[_cell_text(c) for c in row] for row in ws.iter_rows(values_only=True)]
    return grid, list(ws.merged_cells.ranges)


def _check_merged(path: Path, merged: list, header: int) -> None:
    row = header + 1
    spans = [m for m in merged if m.min_row <= row <= m.max_row and m.min_col < m.max_col]
    if spans:
        cells = ", ".join(m.coord for m in spans[:5])
        msg = (f"{path.name}:{row}:{column_letter(spans[0].min_col - 1)}: the header spans "
               f"merged cells ({cells}), so those columns have no names of their own; unmerge "
               "them and give every column one header cell (e.g. 户数, 人口, 党员)")
        raise InputFileError(msg)


def read_table(path: str | Path, *, encoding: str | None = None, sheet: str | None = None,
               is_header: HeaderTest | None = None) -> Table:
    """Read a CSV or ``.xlsx`` table (see the module docstring).

    Parameters
    ----------
    encoding
        The CSV's encoding; detected (UTF-8, UTF-8 with BOM, UTF-16, GBK/GB18030) if not given.
    sheet
        The workbook sheet (default: the first).
    is_header
        Accepts a row's non-empty cells as the header row (default: the first non-empty row).
    """
    p = require_file(path)
    suffix = suffix_of(p)
    if suffix == ".xls":
        msg = f"{p.name}: old .xls workbooks are not read; save it as .xlsx (or CSV) and retry"
        raise InputFileError(msg)
    if suffix not in TABLE_SUFFIXES:
        msg = f"{p.name}: not a table ({suffix or 'no suffix'}); give a .csv or .xlsx file"
        raise InputFileError(msg)
    if suffix in (".xlsx", ".xlsm"):
        grid, merged = _xlsx_grid(p, sheet)
        header = _find_header(grid, is_header)
        _check_merged(p, merged, header)
    else:
        grid = read_csv_grid(p, encoding=encoding)
        header = _find_header(grid, is_header)
    table = _frame(p, grid, header)
    if table.frame.empty:
        msg = f"{p.name}: the table has a header (row {table.header_row}) but no rows"
        raise InputFileError(msg)
    return table
