"""A model view's CSV export as text: the export columns' labels, then every row's cells
through the view's get_export_value (its export formatters, formulas defused). The grid's
download and the export job both write with it, so the two give the same bytes; it needs no
request, as a worker has none."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any


def csv_header(view: Any) -> str:
    """The header line."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow([str(label) for _name, label in view._export_columns])
    return buffer.getvalue()


def csv_rows(view: Any, rows: Iterable[Any], *, per_chunk: int) -> Iterator[str]:
    """The rows' lines, `per_chunk` lines to a string."""
    columns = [name for name, _label in view._export_columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for written, row in enumerate(rows, start=1):
        writer.writerow([view.get_export_value(row, name) for name in columns])
        if written % per_chunk == 0:
            yield _drain(buffer)
    rest = _drain(buffer)
    if rest:
        yield rest


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
