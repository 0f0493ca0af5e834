"""SDTM files: the XPT v5 files read back by pyreadstat equal the CSVs; the metadata sheet."""

import csv
import io
import math

import pyreadstat
import pytest

from exports.formats import spreadsheet_safe
from exports.loader import load_export_data
from exports.sdtm import sdtm_datasets
from exports.sdtm_files import sdtm_files
from exports.sdtm_variables import DATASETS, NUM

pytestmark = pytest.mark.django_db


@pytest.fixture
def files(full_patient, screening_records, screen_failure):
    return sdtm_files(sdtm_datasets(load_export_data(), deidentified=False))


def read_csv(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def read_xpt(content: bytes, tmp_path, name: str):
    path = tmp_path / f"{name}.xpt"
    path.write_bytes(content)
    return pyreadstat.read_xport(str(path))


def test_each_domain_comes_as_csv_and_xpt_with_a_metadata_sheet(files):
    names = [n.lower() for n in DATASETS]
    assert set(files) == {f"{n}.{ext}" for n in names for ext in ("csv", "xpt")} | {
        "variables.csv"}


@pytest.mark.parametrize("name", list(DATASETS))
def test_the_xpt_file_reads_back_as_the_csv(files, tmp_path, name):
    # given
    _label, variables = DATASETS[name]
    from_csv = read_csv(files[f"{name.lower()}.csv"])
    # when
    frame, meta = read_xpt(files[f"{name.lower()}.xpt"], tmp_path, name)
    # then
    assert meta.table_name == name
    assert list(frame.columns) == [v.name for v in variables]
    assert meta.column_names_to_labels == {v.name: v.label for v in variables}
    assert len(frame) == len(from_csv) > 0
    for variable in variables:
        for xpt_value, csv_value in zip(frame[variable.name], (r[variable.name]
                                                                for r in from_csv), strict=True):
            if variable.type == NUM:
                assert (math.isnan(xpt_value) and csv_value == "") or \
                    xpt_value == float(csv_value), (variable.name, xpt_value, csv_value)
            else:  # the CSV neutralises a text a spreadsheet would run; the XPT keeps it
                assert spreadsheet_safe(xpt_value) == csv_value, (variable.name, xpt_value,
                                                                  csv_value)


def test_the_variables_fit_sas_transport_version_5():
    for name, (label, variables) in DATASETS.items():
        assert len(name) <= 8 and len(label) <= 40
        for variable in variables:
            assert len(variable.name) <= 8 and len(variable.label) <= 40, variable
            assert variable.origin in {"Collected", "Derived", "Assigned"}


def test_the_metadata_sheet_describes_every_variable_with_its_length(files):
    sheet = read_csv(files["variables.csv"])
    assert list(sheet[0]) == ["dataset", "variable", "label", "type", "length", "origin"]
    assert [(r["dataset"], r["variable"]) for r in sheet] == [
        (name, v.name) for name, (_l, variables) in DATASETS.items() for v in variables]
    lengths = {(r["dataset"], r["variable"]): int(r["length"]) for r in sheet}
    assert lengths[("DM", "USUBJID")] == len("RD13-02-PH1-RD-001")
    assert lengths[("DM", "AGE")] == 8
    assert lengths[("AE", "AETERM")] == len("Neutrophil count decreased")


def test_a_trial_without_patients_gives_every_dataset_empty_with_its_variables(db, tmp_path):
    # when
    files = sdtm_files(sdtm_datasets(load_export_data(), deidentified=False))
    # then: each XPT reads back with its variables and no rows, but the trial's design
    for name, (_label, variables) in DATASETS.items():
        frame, meta = read_xpt(files[f"{name.lower()}.xpt"], tmp_path, name)
        rows = len(read_csv(files[f"{name.lower()}.csv"]))
        assert list(frame.columns) == [v.name for v in variables] and len(frame) == rows, name
        assert rows > 0 if name in ("TE", "TS") else rows == 0, name
