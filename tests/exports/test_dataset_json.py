"""Dataset-JSON v1.1 in the SDTM package: one file per dataset, each valid against the schema
(tests/exports/dataset_json_schema.json), and each reading back as the XPT beside it, value for
value and with its type, in the monitors' package and in the sponsor's."""

import copy
import io
import json
import math
import re
import xml.etree.ElementTree as etree
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from core.audit import record_save
from exports.sdtm_variables import DATASETS
from exports.services import export_bytes
from tests import factories
from tests.exports.conftest import FREE_TEXT
from tests.exports.test_sdtm_files import read_xpt

pytestmark = pytest.mark.django_db

SCHEMA = json.loads((Path(__file__).parent / "dataset_json_schema.json").read_text())
VALIDATOR = Draft202012Validator(SCHEMA)
# SDTM's ISO 8601: a date, or a date and time, of reduced precision where a part is unknown.
SDTM_DTC = re.compile(r"^\d{4}(-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2})?)?)?)?)?$")
TEXT_TYPES = {"string", "datetime", "date", "time", "URI", "decimal"}  # JSON strings
SCOPES = {"full": False, "sponsor": True}


def package(deidentified: bool) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(export_bytes("sdtm", deidentified=deidentified))) as zipped:
        return {name: zipped.read(name) for name in zipped.namelist()}


def read_dataset_json(content: bytes) -> tuple[dict, dict[str, list]]:
    """The document, and each column's values by name, in row order."""
    document = json.loads(content)
    names = [column["name"] for column in document["columns"]]
    rows = document.get("rows", [])
    return document, {name: [row[i] for row in rows] for i, name in enumerate(names)}


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@pytest.fixture
def packages(full_patient, screening_records, screen_failure):
    return {scope: package(deidentified) for scope, deidentified in SCOPES.items()}


@pytest.mark.parametrize("scope", SCOPES)
def test_every_dataset_of_the_package_has_a_dataset_json_file(packages, scope):
    files = packages[scope]
    xpt = {name.removesuffix(".xpt") for name in files if name.endswith(".xpt")}
    json_files = {name.removesuffix(".json") for name in files if name.endswith(".json")}
    assert xpt == json_files == {name.lower() for name in DATASETS}


def test_the_schema_is_a_valid_json_schema():
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("scope", SCOPES)
def test_each_file_is_valid_dataset_json_1_1(packages, scope):
    files = packages[scope]
    created = set()
    for name in DATASETS:
        document = json.loads(files[f"{name.lower()}.json"])
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(document)]
        assert errors == [], (name, errors[:5])
        # then: what the schema cannot say across the arrays
        assert document["datasetJSONVersion"].startswith("1.1")
        assert document["records"] == len(document["rows"]) > 0, name
        for row in document["rows"]:
            assert len(row) == len(document["columns"]), name
            for value, column in zip(row, document["columns"], strict=True):
                if value is None:
                    continue  # missing, whatever the type
                if column["dataType"] in TEXT_TYPES:
                    assert isinstance(value, str), (name, column["name"], value)
                elif column["dataType"] == "integer":
                    assert isinstance(value, int) and not isinstance(value, bool), (
                        name, column["name"], value)
                elif column["dataType"] == "boolean":
                    assert isinstance(value, bool), (name, column["name"], value)
                else:
                    assert is_number(value), (name, column["name"], value)
        assert len({c["itemOID"] for c in document["columns"]}) == len(document["columns"])
        created.add(datetime.fromisoformat(document["datasetJSONCreationDateTime"]))
    [when] = created  # one export, one creation time, with its offset
    assert when.tzinfo is not None


@pytest.mark.parametrize("scope", SCOPES)
def test_each_file_reads_back_as_the_xpt_beside_it(packages, scope, tmp_path):
    files = packages[scope]
    for name in DATASETS:
        # given
        frame, meta = read_xpt(files[f"{name.lower()}.xpt"], tmp_path, name)
        # when
        document, values = read_dataset_json(files[f"{name.lower()}.json"])
        # then: the dataset and its variables as the XPT names them
        assert (document["name"], document["label"]) == (meta.table_name, meta.file_label)
        assert list(values) == list(frame.columns), name
        assert {c["name"]: c["label"] for c in document["columns"]} == \
            meta.column_names_to_labels
        assert document["records"] == len(frame) > 0, name
        for column in document["columns"]:
            variable = column["name"]
            xpt_type = meta.readstat_variable_types[variable]
            is_text = column["dataType"] in TEXT_TYPES
            assert (xpt_type == "string") == is_text, (name, variable, xpt_type)
            if is_text:  # the longest value, in UTF-8 bytes as SAS counts them
                longest = max((len(v.encode()) for v in frame[variable]), default=0)
                assert column["length"] == max(longest, 1), (name, variable)
            for json_value, xpt_value in zip(values[variable], frame[variable], strict=True):
                if is_text:  # the XPT has no null text: a missing one is blank
                    assert json_value == (xpt_value or None), (name, variable, json_value,
                                                                xpt_value)
                    if json_value is not None and column["dataType"] == "datetime":
                        assert SDTM_DTC.match(json_value), (name, variable, json_value)
                elif json_value is None:
                    assert math.isnan(xpt_value), (name, variable, xpt_value)
                else:
                    assert is_number(json_value) and json_value == xpt_value, (
                        name, variable, json_value, xpt_value)


@pytest.mark.parametrize("scope", SCOPES)
def test_the_keys_make_each_record_unique(packages, scope):
    for name in DATASETS:
        document, values = read_dataset_json(packages[scope][f"{name.lower()}.json"])
        keys = sorted((c for c in document["columns"] if "keySequence" in c),
                      key=lambda c: c["keySequence"])
        assert [c["keySequence"] for c in keys] == list(range(1, len(keys) + 1)), name
        assert keys and keys[0]["name"] == "STUDYID", name
        records = list(zip(*(values[c["name"]] for c in keys), strict=True))
        assert len(set(records)) == len(records), (name, [c["name"] for c in keys])


def test_numbers_are_numbers_and_dates_iso_8601_text(packages):
    files = packages["full"]
    dm, values = read_dataset_json(files["dm.json"])
    types = {c["name"]: c["dataType"] for c in dm["columns"]}
    assert (types["AGE"], types["RFSTDTC"], types["USUBJID"]) == ("double", "datetime", "string")
    first = values["USUBJID"].index("RD13-02-PH1-RD-001")
    assert values["RFSTDTC"][first] == "2024-03-12T09:00"  # the first infusion
    ex, ex_values = read_dataset_json(files["ex.json"])
    assert {c["name"]: c["dataType"] for c in ex["columns"]}["EXSEQ"] == "integer"
    assert ex_values["EXSEQ"][:3] == [1, 2, 3]
    assert "2024-03-12T09:00" in ex_values["EXSTDTC"]


def test_the_study_oid_is_the_odm_exports(packages):
    odm = etree.fromstring(export_bytes("odm", deidentified=False))
    study = odm.find("{http://www.cdisc.org/ns/odm/v1.3}Study").get("OID")
    for name in DATASETS:
        document = json.loads(packages["full"][f"{name.lower()}.json"])
        assert document["studyOID"] == study
        assert document["itemGroupOID"] == f"IG.{name}"


def _missing_as_none(values: list) -> list:
    """Blank text, SAS's missing number (NaN) and null alike as None."""
    return [None if v in ("", None) or (isinstance(v, float) and math.isnan(v)) else v
            for v in values]


def _withheld_columns(full: dict[str, list], sponsor: dict[str, list]) -> set[str]:
    """The variables whose values the sponsor's share does not have as the full one does."""
    return {variable for variable in full
            if _missing_as_none(full[variable]) != _missing_as_none(sponsor[variable])}


def test_the_sponsors_share_withholds_the_same_columns_in_the_json_as_in_the_xpt(
        packages, tmp_path):
    full, sponsor = packages["full"], packages["sponsor"]
    withheld = {}
    for name in DATASETS:
        file_name = name.lower()
        in_json = _withheld_columns(read_dataset_json(full[f"{file_name}.json"])[1],
                                    read_dataset_json(sponsor[f"{file_name}.json"])[1])
        full_frame, _ = read_xpt(full[f"{file_name}.xpt"], tmp_path, f"full-{file_name}")
        sponsor_frame, _ = read_xpt(sponsor[f"{file_name}.xpt"], tmp_path, f"sp-{file_name}")
        in_xpt = _withheld_columns({c: list(full_frame[c]) for c in full_frame.columns},
                                   {c: list(sponsor_frame[c]) for c in sponsor_frame.columns})
        assert in_json == in_xpt, name
        withheld[name] = in_json
    assert "DSTERM" in withheld["DS"]  # the recorded reason for leaving: free text
    sponsor_text = "".join(sponsor[f"{n.lower()}.json"].decode() for n in DATASETS)
    full_text = "".join(full[f"{n.lower()}.json"].decode() for n in DATASETS)
    assert [t for t in FREE_TEXT if t in sponsor_text] == []
    assert [t for t in FREE_TEXT if t in full_text] != []  # the check can see free text


def test_non_ascii_text_and_a_formula_are_carried_exactly(full_patient, tmp_path):
    # given: the recorded reason for leaving (DSTERM), as typed
    reason = "=Rückzug – «raisons familiales», Ø µ 39,5 °C"
    full_patient.off_study_reason = reason
    record_save(full_patient, by=factories.user(), reason="wording")
    # when
    files = package(deidentified=False)
    # then: the JSON has it exactly, UTF-8, as the XPT does (the CSV alone neutralises it)
    _document, values = read_dataset_json(files["ds.json"])
    frame, _meta = read_xpt(files["ds.xpt"], tmp_path, "ds")
    assert reason in values["DSTERM"]
    assert values["DSTERM"] == [v or None for v in frame["DSTERM"]]
    assert reason.encode("utf-8") in files["ds.json"]


def test_an_export_without_patients_gives_valid_empty_files(db):
    files = package(deidentified=False)
    for name in DATASETS:
        document = json.loads(files[f"{name.lower()}.json"])
        assert list(VALIDATOR.iter_errors(document)) == []
        if name in ("TE", "TS"):  # the trial's design, with or without patients
            assert document["records"] == len(document["rows"]) > 0, name
        else:  # TA too: no dose level is defined yet
            assert (document["records"], document["rows"]) == (0, []), name
        assert [c["name"] for c in document["columns"]] == [
            v.name for v in DATASETS[name][1]]


def _mutations():
    """Documents the standard forbids, each made from a valid one by one change."""
    def drop(key):
        return lambda d: d.pop(key)

    def put(key, value):
        return lambda d: d.__setitem__(key, value)

    def column(key, value):
        return lambda d: d["columns"][0].__setitem__(key, value)

    return {
        "no itemGroupOID": drop("itemGroupOID"),
        "no records": drop("records"),
        "no columns": drop("columns"),
        "version 1.0": put("datasetJSONVersion", "1.0.0"),
        "version with a leading zero": put("datasetJSONVersion", "1.1.01"),
        "created without seconds": put("datasetJSONCreationDateTime", "2024-03-12T09:00"),
        "created at an hour 24": put("datasetJSONCreationDateTime", "2024-03-12T24:00:00"),
        "negative records": put("records", -1),
        "an empty OID": put("studyOID", ""),
        "an unknown attribute": put("domain", "DM"),
        "a source system without its version": put("sourceSystem", {"name": "EDC"}),
        "a SAS type": column("dataType", "Char"),
        "a column without a label": lambda d: d["columns"][0].pop("label"),
        "a zero length": column("length", 0),
        "a decimal target for a string": column("targetDataType", "decimal"),
        "a row holding an object": put("rows", [[{"value": 1}]]),
        "rows not in arrays": put("rows", ["RD13-02-PH1"]),
    }


@pytest.mark.parametrize("mutation", list(_mutations()))
def test_the_schema_refuses_what_the_standard_forbids(mutation):
    # given: a valid document
    document = {
        "datasetJSONCreationDateTime": "2024-03-12T09:00:00+01:00",
        "datasetJSONVersion": "1.1.0", "studyOID": "S.X", "itemGroupOID": "IG.DM",
        "records": 1, "name": "DM", "label": "Demographics",
        "columns": [{"itemOID": "IT.DM.STUDYID", "name": "STUDYID",
                     "label": "Study Identifier", "dataType": "string", "length": 11}],
        "rows": [["RD13-02-PH1"]]}
    assert list(VALIDATOR.iter_errors(document)) == []
    # when
    changed = copy.deepcopy(document)
    _mutations()[mutation](changed)
    # then
    assert list(VALIDATOR.iter_errors(changed)) != [], mutation
