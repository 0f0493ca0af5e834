"""How values are written in the export files, and the CSV and ZIP containers. Pure.

Dates are ISO 8601 (YYYY-MM-DD); datetimes ISO 8601 in the study's time zone, with its offset;
booleans `true`/`false`; floats in Python's shortest round-trip form; missing values empty.
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


def csv_bytes(header: Iterable[str], rows: Iterable[Iterable]) -> bytes:
    """UTF-8 CSV with a header line and CRLF line ends (RFC 4180)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def zip_bytes(files: Mapping[str, bytes]) -> bytes:
    """A deflated ZIP of `files` (name → content), in the given order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(zipfile.ZipInfo(name, ZIP_DATE), content,
                             compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
