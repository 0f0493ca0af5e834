"""CSV per form: current records with their subject ID; a sponsor's share has no free text."""

import csv
import io

import pytest

from core.audit import record_void
from exports.form_csv import forms_files
from exports.loader import load_export_data
from safety.models import AdverseEvent
from tests import factories
from tests.exports.conftest import FREE_TEXT

pytestmark = pytest.mark.django_db
FORMS = ["patient", "eligibility", "lymphodepletion", "infusion", "adverse_event", "crs",
         "icans", "gvhd", "infection", "iec_hs", "conmed", "response", "disease_event", "hsct",
         "death", "pk_sample", "secondary_malignancy", "rcl_test", "lab_result", "follow_up",
         "dlt_adjudication", "medical_history", "prior_therapy", "disease_at_screening",
         "bridging_therapy", "vital_signs", "ltfu_visit", "protocol_deviation"]


def read(files, name) -> list[dict]:
    return list(csv.DictReader(io.StringIO(files[f"{name}.csv"].decode("utf-8"))))


def header(files, name) -> list[str]:
    return files[f"{name}.csv"].decode("utf-8").splitlines()[0].split(",")


def test_there_is_one_csv_per_form_and_a_dictionary(full_patient):
    files = forms_files(load_export_data(), deidentified=False)
    # and the trial-level product lots and donors (docs/product-chain.md)
    assert set(files) == {f"{name}.csv" for name in [*FORMS, "product_lots", "donors",
                                                     "dictionary"]}


def test_rows_say_whose_record_they_are_and_carry_no_internal_ids(full_patient):
    files = forms_files(load_export_data(), deidentified=False)
    assert header(files, "patient")[:3] == ["subject_id", "sex", "age_at_consent"]
    assert header(files, "adverse_event")[:3] == ["subject_id", "ae_seq", "term"]
    assert header(files, "crs")[:3] == ["subject_id", "ae_seq", "max_temp_c"]
    for name in FORMS:
        assert not {"id", "pk", "patient", "adverse_event", "row_version", "voided_at"} & set(
            header(files, name)), name
    crs = read(files, "crs")
    assert [(r["subject_id"], r["ae_seq"], r["hypotension"]) for r in crs] == [
        ("RD-001", "2", "one_vasopressor")]
    infusion = read(files, "infusion")[0]
    assert (infusion["date"], infusion["time"], infusion["dose_level"]) == (
        "2024-03-12", "09:00:00", "DL1")
    sample = read(files, "pk_sample")[1]
    assert (sample["collected_at"], sample["below_lloq"]) == ("2024-03-19T09:00:00+00:00",
                                                              "false")


def test_voided_records_are_not_exported(full_patient):
    # given
    neutropenia = AdverseEvent.objects.get(term="Neutrophil count decreased")
    record_void(neutropenia, by=factories.user(), reason="entered in error")
    # when
    files = forms_files(load_export_data(), deidentified=False)
    # then
    assert [r["term"] for r in read(files, "adverse_event")] == ["Cytokine release syndrome"]


@pytest.mark.requirement("CON-ROLE-04")
def test_monitors_receive_every_field_and_sponsors_no_free_text(full_patient):
    monitors = b"".join(forms_files(load_export_data(), deidentified=False).values()).decode()
    sponsor_files = forms_files(load_export_data(), deidentified=True)
    sponsors = b"".join(sponsor_files.values()).decode()
    for text in FREE_TEXT:
        assert text in monitors
        assert text not in sponsors
    assert "narrative" not in header(sponsor_files, "adverse_event")
    assert "signer_printed_name" not in header(sponsor_files, "dlt_adjudication")
    assert "Test Investigator" not in sponsors
    assert {"term", "grade", "relatedness"} <= set(header(sponsor_files, "adverse_event"))


def test_the_dictionary_explains_each_column_and_code(full_patient):
    files = forms_files(load_export_data(), deidentified=False)
    entries = {(r["form"], r["field"]): r for r in read(files, "dictionary")}
    response = entries[("response", "response")]
    assert (response["label"], response["type"]) == ("Investigator's response", "text")
    assert response["codes"].startswith("CR=Complete remission (CR); CRi=")
    assert entries[("adverse-event", "grade")]["type"] == "integer"
    assert ("adverse-event", "narrative") in entries
    sponsors = read(forms_files(load_export_data(), deidentified=True), "dictionary")
    assert ("adverse-event", "narrative") not in {(r["form"], r["field"]) for r in sponsors}


def test_a_donor_with_no_lot_yet_is_exported_and_a_sponsor_gets_no_hla_typing(full_patient):
    # given: D-017 gave lot L-0042; D-020 is registered, no lot made yet
    factories.product_lot("L-0042")
    factories.donor("D-020", hla_typing="A*11:01,A*26:01", hla_match="4/10")
    # when
    monitors = read(forms_files(load_export_data(), deidentified=False), "donors")
    sponsors = read(forms_files(load_export_data(), deidentified=True), "donors")
    # then
    assert [(d["donor_code"], d["hla_match"], d["hla_typing"]) for d in monitors] == [
        ("D-017", "5/10", "A*02:01,A*24:02; B*07:02,B*35:01"),
        ("D-020", "4/10", "A*11:01,A*26:01")]
    assert [(d["donor_code"], d["hla_match"]) for d in sponsors] == [("D-017", "5/10"),
                                                                    ("D-020", "4/10")]
    assert "hla_typing" not in sponsors[0]
