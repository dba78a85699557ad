"""A table (headers and rows of cells) as CSV or XLSX: shared by the case search
export and the reports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(row)
    # A byte-order mark: spreadsheet programs then read the Chinese as UTF-8.
    return ("\ufeff" + out.getvalue()).encode()


def to_xlsx(sheet_name: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """openpyxl's write-only mode: memory stays flat however many rows."""
    # Imported on use: openpyxl costs ~0.3 s of every process start.
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name)
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
