"""Cells written to a CSV or XLSX file a person opens in a spreadsheet program (OWASP "CSV Injection"): a text
cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be read as a formula —
``=HYPERLINK(…)`` or ``=cmd|…`` run in the reader's spreadsheet. One place for the rule, used by every export:

* CSV has no cell types, so such a text is written with a leading apostrophe (``'=…``), which spreadsheet
  programs show as text; ``read_csv_cell`` takes the apostrophe off again on import, so an export reads back
  unchanged.
* XLSX has cell types: the text is stored as a string cell (``t="s"``/inline string), never a formula, and
  reads back as itself.
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """The value as a CSV cell a spreadsheet will not evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def read_csv_cell(value: Any) -> Any:
    """A CSV cell as exported by ``csv_cell``: the neutralising apostrophe removed."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in FORMULA_START:
        return value[1:]
    return value


def xlsx_row(ws: Any, values: list[Any]) -> list[Any]:
    """A row for ``ws.append`` in which every text is a string cell (openpyxl would make ``=…`` a formula)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    make = WriteOnlyCell if isinstance(ws, WriteOnlyWorksheet) else Cell
    out: list[Any] = []
    for v in values:
        if isinstance(v, str) and v.startswith("="):
            cell = make(ws, value=v)
            cell.data_type = "s"  # a string cell, not the formula openpyxl infers from the "="
            out.append(cell)
        else:
            out.append(v)
    return out
