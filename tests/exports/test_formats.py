"""Spreadsheet-safe CSV: a text cell a spreadsheet would run as a formula is neutralised in every
CSV the EDC writes; numbers stay numbers; XPT, ODM-XML and JSON keep the text exactly."""

import csv
import io
import json
import zipfile

import pyreadstat
import pytest
from rest_framework.test import APIClient

from core.accounts import user_api_token
from core.audit import record_save
from exchange.dump import export_bundle
from exports.formats import csv_bytes, spreadsheet_safe
from exports.services import export_bytes
from tests import factories

FORMULA = '=HYPERLINK("http://evil.example","click")'
AT_FORMULA = "@SUM(1+1)*cmd|' /C calc'!A0"


@pytest.mark.parametrize("text", ["=1+1", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", FORMULA])
def test_a_text_a_spreadsheet_would_run_gets_a_leading_quote(text):
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("cell", ["", "RD-001", "2024-03-12", "Cytokine release syndrome",
                                  " =1", "a=1", -1, -1.5, 0, 3e7])
def test_other_text_and_every_number_are_left_as_they_are(cell):
    assert spreadsheet_safe(cell) == cell


def read(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


def test_csv_bytes_neutralises_text_cells_and_writes_numbers_as_numbers():
    content = csv_bytes(["name", "value"], [["=1+1", -1.5], ["-2", -2], ["ok", 0.1]])
    assert read(content) == [["name", "value"], ["'=1+1", "-1.5"], ["'-2", "-2"],
                             ["ok", "0.1"]]


@pytest.fixture
def hostile_patient(full_patient):
    """full_patient with a formula typed as an AE narrative and as the off-study reason."""
    ae = full_patient.adverse_events.get(term="Cytokine release syndrome")
    ae.narrative = FORMULA
    record_save(ae, by=factories.user(), reason="narrative")
    full_patient.off_study_reason = AT_FORMULA
    record_save(full_patient, by=factories.user(), reason="reason")
    return full_patient


def unzip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def column(content: bytes, name: str) -> list[str]:
    return [row[name] for row in csv.DictReader(io.StringIO(content.decode("utf-8")))]


@pytest.mark.django_db
def test_the_forms_csv_neutralises_what_was_typed(hostile_patient):
    files = unzip(export_bytes("forms", deidentified=False))
    assert "'" + FORMULA in column(files["adverse_event.csv"], "narrative")
    assert column(files["patient.csv"], "off_study_reason") == ["'" + AT_FORMULA]


@pytest.mark.django_db
def test_the_sdtm_csv_neutralises_and_the_xpt_keeps_the_text_exactly(hostile_patient, tmp_path):
    files = unzip(export_bytes("sdtm", deidentified=False))
    assert "'" + AT_FORMULA in column(files["ds.csv"], "DSTERM")
    path = tmp_path / "ds.xpt"
    path.write_bytes(files["ds.xpt"])
    frame, _meta = pyreadstat.read_xport(str(path))
    assert AT_FORMULA in list(frame["DSTERM"])


@pytest.mark.django_db
def test_a_negative_study_day_stays_a_number_in_the_sdtm_csv(hostile_patient):
    # The neutropenia began the day before the infusion: study day -1.
    files = unzip(export_bytes("sdtm", deidentified=False))
    assert "-1" in column(files["ae.csv"], "AESTDY")


@pytest.mark.django_db
def test_odm_xml_the_casebook_json_and_the_api_keep_the_text_exactly(hostile_patient):
    odm = export_bytes("odm", deidentified=False).decode()
    assert 'Value="=HYPERLINK(&quot;http://evil.example&quot;,&quot;click&quot;)"' in odm
    bundle = export_bundle()
    [patient] = [p for p in bundle["patients"] if p["subject_id"] == "RD-001"]
    assert patient["off_study"]["reason"] == AT_FORMULA
    assert FORMULA in [ae["narrative"] for ae in patient["adverse_events"]]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {user_api_token(factories.user('monitor'))}")
    rows = json.loads(client.get("/api/v1/adverse-events/").content)["results"]
    assert FORMULA in [row["narrative"] for row in rows]
