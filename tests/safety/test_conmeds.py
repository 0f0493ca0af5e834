"""Concomitant medications: the CAR-T toxicity treatments as a coded list, linked to the patient's
own CRS, ICANS or other adverse event; refused when impossible; shown beside the episode they
treated; carried by the casebook bundle, the API and the exports like every other CRF."""

import csv
import io
import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from casebook.display import record_name
from casebook.record_labels import record_label
from casebook.status_grid import GRID_FORMS, LOGS
from core.audit import field_changes, record_void
from exchange.dump import export_bundle
from exchange.read import BundleProblems
from exchange.services import bundle_import_json
from exports.form_csv import forms_files
from exports.loader import load_export_data
from safety.episode_treatments import given_for
from safety.models import AdverseEvent, ConcomitantMedication
from tests import factories
from tests.api.conftest import token_client
from tests.crf_payloads import error_beside, form_data
from tests.factories import CONSENT

pytestmark = pytest.mark.django_db
ICANS = "Immune effector cell-associated neurotoxicity syndrome"
DAY0 = CONSENT + timedelta(days=11)  # the factories' infusion


@pytest.fixture
def crs(infused_patient):
    """A grade 2 CRS from day 2 to day 6."""
    return factories.adverse_event(infused_patient, onset_date=DAY0 + timedelta(days=2),
                                   resolution_date=DAY0 + timedelta(days=6))


def refusal(medication) -> dict:
    with pytest.raises(ValidationError) as refused:
        medication.full_clean()
    return refused.value.message_dict


def unsaved(patient, **fields):
    values = dict(drug="tocilizumab", dose=8.0, dose_unit="mg/kg", route="iv",
                  start_date=DAY0 + timedelta(days=2), stop_date=DAY0 + timedelta(days=2))
    values.update(fields)
    return ConcomitantMedication(patient=patient, **values)


# --- the hard checks -------------------------------------------------------------------------

def test_a_medication_stopped_before_it_started_is_refused_beside_the_stop_date(infused_patient):
    medication = unsaved(infused_patient, start_date=date(2024, 3, 15),
                         stop_date=date(2024, 3, 14))
    assert refusal(medication)["stop_date"] == [
        "EC-CM-01 (hard): the stop date 2024-03-14 is before the start date 2024-03-15."]


def test_a_negative_corticosteroid_dose_is_refused_beside_the_dose(infused_patient):
    medication = unsaved(infused_patient, drug="corticosteroid", drug_specify="dexamethasone",
                         dose=-10, dose_unit="mg")
    assert refusal(medication)["dose"] == [
        "EC-CM-02 (hard): a dose of -10 is negative: a dose is zero or more."]


def test_tocilizumab_linked_to_another_patients_crs_is_refused(infused_patient):
    other = factories.patient("RD-002")
    others_crs = factories.adverse_event(other, onset_date=date(2024, 3, 14))
    medication = unsaved(infused_patient, treated_event=others_crs)
    assert refusal(medication)["treated_event"] == [
        "EC-CM-03 (hard): the adverse event Cytokine release syndrome (2024-03-14) is RD-002's, "
        "not RD-001's: a medication treats an event of its own patient."]


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"drug": "other", "drug_specify": ""}, "drug_specify", 'Required when the drug is "Other'),
    ({"drug": "corticosteroid", "dose": None, "dose_unit": ""}, "dose",
     "A corticosteroid is recorded with its dose."),
    ({"dose_unit": ""}, "dose_unit", "Give the unit of the dose."),
    ({"stop_date": None}, "stop_date", "Give the stop date, or tick 'ongoing'."),
    ({"ongoing": True}, "stop_date", "An ongoing medication has no stop date"),
])
def test_what_a_medication_record_needs(infused_patient, fields, field, message):
    assert message in " ".join(refusal(unsaved(infused_patient, **fields))[field])


def test_ongoing_dexamethasone_with_its_dose_is_valid(infused_patient):
    unsaved(infused_patient, drug="corticosteroid", drug_specify="dexamethasone", dose=10,
            dose_unit="mg", stop_date=None, ongoing=True).full_clean()


# --- the browser form --------------------------------------------------------------------

def test_the_form_offers_only_the_patients_own_events(client, coordinator, infused_patient, crs):
    other = factories.patient("RD-002")
    others_crs = factories.adverse_event(other, onset_date=date(2024, 3, 14))
    client.force_login(coordinator)
    response = client.post(f"/patients/{infused_patient.subject_id}/conmed/new/",
                           form_data("conmed", treated_event=others_crs.pk))
    assert response.status_code == 200
    assert "Select a valid choice" in error_beside(response, "treated_event")
    assert not ConcomitantMedication.all_objects.exists()


def test_a_medication_saved_from_the_log_form_is_audited_and_offers_another(
        client, coordinator, infused_patient, crs):
    client.force_login(coordinator)
    page = client.get(f"/patients/{infused_patient.subject_id}/conmed/new/").content.decode()
    assert "Save and add another" in page
    response = client.post(f"/patients/{infused_patient.subject_id}/conmed/new/",
                           form_data("conmed", treated_event=crs.pk, _another="1"))
    assert response.status_code == 302
    assert response.url.endswith(f"/patients/{infused_patient.subject_id}/conmed/new/")
    [medication] = ConcomitantMedication.objects.all()
    assert medication.treated_event == crs
    [entry] = field_changes(medication)
    assert (entry["who"], entry["reason"]) == (coordinator.username, "initial entry")


def test_a_medication_is_named_by_its_drug_and_start():
    tocilizumab = ConcomitantMedication(drug="tocilizumab", start_date=date(2026, 3, 14))
    other = ConcomitantMedication(drug="other", drug_specify="Ruxolitinib",
                                  start_date=date(2026, 3, 14))
    assert record_label(tocilizumab) == "Tocilizumab, 14 Mar 2026"
    assert record_label(other) == "Ruxolitinib, 14 Mar 2026"
    assert record_name(tocilizumab) == "Tocilizumab, 14 Mar 2026"


def test_the_casebook_and_status_grid_have_a_medications_log(client, coordinator,
                                                             infused_patient, crs):
    factories.conmed(infused_patient, treated_event=crs, start=crs.onset_date)
    assert ("conmed", "Concomitant medications", "Concomitant medication") in LOGS
    assert "conmed" in {slug for slug, *_ in GRID_FORMS}
    client.force_login(coordinator)
    page = client.get(f"/patients/{infused_patient.subject_id}/").content.decode()
    assert "Concomitant medications" in page and "Tocilizumab" in page


def test_an_event_a_medication_treated_is_not_voided_from_under_it(infused_patient, crs):
    factories.conmed(infused_patient, treated_event=crs, start=crs.onset_date)
    with pytest.raises(ValidationError) as refused:
        record_void(crs, by=factories.user(), reason="entered in error")
    assert "unlink the event" in " ".join(refused.value.messages)
    assert not AdverseEvent.objects.get(pk=crs.pk).is_voided


# --- the treatments of an episode --------------------------------------------------------

@pytest.mark.parametrize(("fields", "counts"), [
    ({"link": "crs"}, True),
    ({"link": "other"}, False),  # linked to another event: that event's treatment
    ({"indication": "CRS grade 2", "day": 3}, True),
    ({"indication": "cytokine release", "day": 6}, True),  # the resolution day
    ({"indication": "CRS grade 2", "day": 7}, False),  # after the episode
    ({"indication": "CRS grade 2", "day": 1}, False),  # before the onset
    ({"indication": "ICANS", "day": 3}, False),  # another syndrome
    ({"indication": "", "day": 3}, False),  # no indication: not assumed
])
def test_what_counts_as_a_treatment_of_a_crs_episode(infused_patient, crs, fields, counts):
    headache = factories.adverse_event(infused_patient, term="Headache", grade=1)
    link = {"crs": crs, "other": headache}.get(fields.get("link"))
    medication = unsaved(infused_patient, treated_event=link,
                         indication=fields.get("indication", ""),
                         start_date=DAY0 + timedelta(days=fields.get("day", 2)))
    assert given_for(medication, crs, today=date(2030, 1, 1)) is counts


def test_an_unresolved_icans_runs_to_today(infused_patient):
    icans = factories.adverse_event(infused_patient, term=ICANS, onset_date=DAY0)
    steroid = unsaved(infused_patient, drug="corticosteroid", dose=10, dose_unit="mg",
                      indication="ICANS grade 2", start_date=DAY0 + timedelta(days=40))
    assert given_for(steroid, icans, today=DAY0 + timedelta(days=40))
    assert not given_for(steroid, icans, today=DAY0 + timedelta(days=39))


def test_the_crs_page_and_the_dlt_review_show_the_treatments(client, investigator,
                                                             infused_patient):
    crs = factories.adverse_event(infused_patient, grade=4, onset_date=DAY0 + timedelta(days=2))
    details = factories.crs_details(crs, hypotension="multiple_vasopressors",
                                    oxygen="positive_pressure")
    factories.conmed(infused_patient, treated_event=crs, start=crs.onset_date)
    factories.conmed(infused_patient, drug="vasopressor", drug_specify="norepinephrine",
                     dose=0.1, dose_unit="ug/kg/min", start=crs.onset_date,
                     indication="CRS hypotension")
    factories.conmed(infused_patient, drug="anti_infective", drug_specify="meropenem", dose=1,
                     dose_unit="g", start=crs.onset_date, indication="febrile neutropenia")
    call_command("recompute_endpoints")  # the DLT rules raise D2 for the grade 4 CRS
    client.force_login(investigator)
    for url in (f"/patients/{infused_patient.subject_id}/crs/{details.pk}/",
                f"/dlt-review/{crs.pk}/"):
        page = client.get(url).content.decode()
        assert "Treatments given during the episode" in page, url
        assert "Tocilizumab" in page and "norepinephrine" in page, url
        assert "meropenem" not in page, url


# --- the bundle, the API and the exports -------------------------------------------------

def test_the_bundle_carries_medications_and_their_event_and_round_trips(infused_patient, crs):
    factories.adverse_event(infused_patient, term="Nausea", onset_date=DAY0 + timedelta(days=1),
                            relatedness="possible")
    factories.conmed(infused_patient, treated_event=crs, start=crs.onset_date,
                     indication="CRS grade 2")
    factories.conmed(infused_patient, drug="antiseizure_prophylaxis",
                     drug_specify="levetiracetam", dose=500, dose_unit="mg", route="oral",
                     start=DAY0, ongoing=True)
    first = export_bundle()
    [patient] = first["patients"]
    assert [(m["drug"], m["treated_adverse_event"]) for m in
            patient["concomitant_medications"]] == [("antiseizure_prophylaxis", None),
                                                    ("tocilizumab", 1)]  # the CRS is second
    bundle_import_json(json.loads(json.dumps(first)), replace=True)
    assert export_bundle() == first
    linked = ConcomitantMedication.objects.get(drug="tocilizumab")
    assert linked.treated_event.term == "Cytokine release syndrome"


def test_a_bundle_without_medications_imports_and_a_bad_index_is_a_problem(infused_patient,
                                                                           crs):
    bundle = export_bundle()
    del bundle["patients"][0]["concomitant_medications"]
    bundle_import_json(json.loads(json.dumps(bundle)), replace=True)
    assert not ConcomitantMedication.objects.exists()
    bundle["patients"][0]["concomitant_medications"] = [{
        "drug": "tocilizumab", "dose": 8, "dose_unit": "mg/kg", "start_date": "2024-03-14",
        "stop_date": "2024-03-14", "treated_adverse_event": 3}]
    with pytest.raises(BundleProblems) as refused:
        bundle_import_json(bundle, replace=True)
    assert refused.value.problems == [
        "patients[0].concomitant_medications[0].treated_adverse_event: 3 is not the index of "
        "one of this patient's adverse_events (0 to 0)"]


def test_the_api_lists_medications_without_free_text_for_a_sponsor(infused_patient, crs):
    factories.conmed(infused_patient, drug="other", drug_specify="ruxolitinib from her aunt",
                     dose=5, dose_unit="mg", route="oral", start=crs.onset_date,
                     indication="CRS, per Dr Marsh", treated_event=crs)
    url = "/api/v1/concomitant-medications/"
    [full] = token_client("monitor").get(url).json()["results"]
    [shared] = token_client("sponsor").get(url).json()["results"]
    assert (full["drug_specify"], full["indication"], full["treated_event"]) == (
        "ruxolitinib from her aunt", "CRS, per Dr Marsh", crs.pk)
    assert not {"drug_specify", "indication"} & set(shared)
    assert (shared["drug"], shared["dose"], shared["treated_event"]) == ("other", 5.0, crs.pk)
    assert token_client("coordinator").get(url).status_code == 403


def test_the_forms_csv_names_the_treated_event_by_its_sequence(infused_patient, crs):
    factories.adverse_event(infused_patient, term="Nausea", onset_date=DAY0,
                            relatedness="possible")
    factories.conmed(infused_patient, treated_event=crs, start=crs.onset_date,
                     indication="CRS grade 2")
    data = load_export_data()
    full = forms_files(data, deidentified=False)
    shared = forms_files(data.sponsor_share(), deidentified=True)
    [row] = csv.DictReader(io.StringIO(full["conmed.csv"].decode()))
    assert (row["subject_id"], row["drug"], row["treated_event"], row["indication"]) == (
        "RD-001", "tocilizumab", "2", "CRS grade 2")
    assert "indication" not in shared["conmed.csv"].decode().splitlines()[0]


# --- a medication stopped before it started, on each path that writes one -----------------

def test_the_form_refuses_a_stop_before_the_start_beside_the_stop_date(client, coordinator,
                                                                      infused_patient):
    client.force_login(coordinator)
    response = client.post("/patients/RD-001/conmed/new/",
                           form_data("conmed", start_date="2024-03-14", stop_date="2024-03-13"))
    assert response.status_code == 200
    assert ("EC-CM-01 (hard): the stop date 2024-03-13 is before the start date 2024-03-14"
            in error_beside(response, "stop_date"))
    assert not ConcomitantMedication.all_objects.exists()


def test_an_imported_stop_before_the_start_is_a_problem_at_its_path(infused_patient):
    factories.conmed(infused_patient, start=DAY0 + timedelta(days=2))
    bundle = export_bundle()
    bundle["patients"][0]["concomitant_medications"][0]["stop_date"] = (
        DAY0 + timedelta(days=1)).isoformat()
    with pytest.raises(BundleProblems) as refused:
        bundle_import_json(bundle, replace=True)
    assert refused.value.problems == [
        "patients[0].concomitant_medications[0].stop_date: EC-CM-01 (hard): the stop date "
        f"{DAY0 + timedelta(days=1)} is before the start date {DAY0 + timedelta(days=2)}."]
    assert ConcomitantMedication.objects.get().stop_date == DAY0 + timedelta(days=2)
