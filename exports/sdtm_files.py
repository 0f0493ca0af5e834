"""The SDTM datasets as files: CSV, SAS transport (XPT version 5, the FDA's format for
submissions) and the variable-metadata sheet.

XPT v5 limits, which the datasets respect: names of 8 characters, labels of 40, character values
of 200 bytes, numbers as 8-byte floats. Files are written with pyreadstat (ReadStat).
"""

import math
import os
import tempfile

import pandas as pd
import pyreadstat

from exports.formats import csv_bytes
from exports.sdtm_variables import CHAR, Dataset

METADATA_HEADER = ("dataset", "variable", "label", "type", "length", "origin")
NUM_LENGTH = 8


def _csv_cell(value):
    """A text as it is, a number as a number (a whole float without its ".0"), None empty."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def dataset_csv(dataset: Dataset) -> bytes:
    """One dataset as CSV, a header of its variable names; missing values empty."""
    return csv_bytes(dataset.columns, ([_csv_cell(v) for v in row] for row in dataset.rows))


def char_length(dataset: Dataset, index: int) -> int:
    """The longest value of a character variable in bytes (at least 1, as SAS requires)."""
    return max((len(row[index].encode("utf-8")) for row in dataset.rows
                if row[index] is not None), default=1) or 1


def _frame(dataset: Dataset) -> pd.DataFrame:
    columns = {}
    for index, variable in enumerate(dataset.variables):
        values = [row[index] for row in dataset.rows]
        if variable.type == CHAR:
            columns[variable.name] = pd.Series(["" if v is None else v for v in values],
                                               dtype=object)
        else:
            columns[variable.name] = pd.Series([math.nan if v is None else float(v)
                                                for v in values], dtype="float64")
    return pd.DataFrame(columns)


def dataset_xpt(dataset: Dataset) -> bytes:
    """One dataset as a SAS transport v5 file."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, f"{dataset.name.lower()}.xpt")
        pyreadstat.write_xport(_frame(dataset), path, file_format_version=5,
                               table_name=dataset.name, file_label=dataset.label,
                               column_labels=[v.label for v in dataset.variables])
        with open(path, "rb") as handle:
            return handle.read()


def metadata_csv(datasets: tuple[Dataset, ...]) -> bytes:
    """The variable-metadata sheet: dataset, variable, label, type, length, origin."""
    lines = []
    for dataset in datasets:
        for index, variable in enumerate(dataset.variables):
            length = char_length(dataset, index) if variable.type == CHAR else NUM_LENGTH
            lines.append((dataset.name, variable.name, variable.label, variable.type, length,
                          variable.origin))
    return csv_bytes(METADATA_HEADER, lines)


def sdtm_files(datasets: tuple[Dataset, ...]) -> dict[str, bytes]:
    """File name → content: <domain>.csv and <domain>.xpt for each, and variables.csv."""
    files = {}
    for dataset in datasets:
        files[f"{dataset.name.lower()}.csv"] = dataset_csv(dataset)
        files[f"{dataset.name.lower()}.xpt"] = dataset_xpt(dataset)
    files["variables.csv"] = metadata_csv(datasets)
    return files
