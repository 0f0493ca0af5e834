"""How values are written in the export files, and the CSV and ZIP containers. Pure.

Dates are ISO 8601 (YYYY-MM-DD); datetimes ISO 8601 in the study's time zone, with its offset;
booleans `true`/`false`; floats in Python's shortest round-trip form; missing values empty.

Every CSV the EDC writes goes through `csv_bytes`, which neutralises text cells that spreadsheet
software would run as a formula: a text beginning with `=`, `+`, `-`, `@`, a tab or a carriage
return gets a leading single quote (OWASP, "CSV Injection"), so a narrative typed as
`=HYPERLINK(…)` opens as text. Numbers written as numbers (an int or a float, never a text) are
left alone: `-1.5` and a study day of `-1` stay numbers a statistician's tools read as such, and
a number cannot be a formula. The XPT, ODM-XML and JSON files carry every text exactly as stored.
"""

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, tzinfo

# A fixed timestamp inside the archives, so that the same data give the same bytes.
ZIP_DATE = (2000, 1, 1, 0, 0, 0)


def text_value(value, time_zone: tzinfo) -> str:
    """One value as the CSV and ODM files write it (module docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(time_zone).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def csv_cell(value, time_zone: tzinfo):
    """One value as a CSV cell: a number as itself, anything else as its text (`text_value`)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return text_value(value, time_zone)


# What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell):
    """A text cell a spreadsheet would run as a formula, prefixed with a single quote; any other
    cell, and every number, as it is."""
    if isinstance(cell, str) and cell.startswith(FORMULA_TRIGGERS):
        return "'" + cell
    return cell


def csv_bytes(header: Iterable[str], rows: Iterable[Iterable]) -> bytes:
    """UTF-8 CSV with a header line and CRLF line ends (RFC 4180), every text cell
    spreadsheet-safe. Cells are texts or numbers; a number is written in its shortest
    round-trip form, as `str` writes it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([spreadsheet_safe(cell) for cell in header])
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def zip_bytes(files: Mapping[str, bytes]) -> bytes:
    """A deflated ZIP of `files` (name → content), in the given order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(zipfile.ZipInfo(name, ZIP_DATE), content,
                             compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
