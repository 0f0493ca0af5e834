"""The protocol deviations log: entered by hand (coordinator or monitor), recorded when a
coordinator confirms a soft edit check that is a deviation, withdrawn (never deleted) when the
data are corrected, assessed by the investigator; and how it travels (bundle, API, CSV).

Dates are the factories': consent 2024-03-01, infusion 1 at DL1 (5e6 cells/kg) on 2024-03-12
(day 0); the W8 window is days 49–63, the day-21 PK window days 19–23."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from core.audit import field_changes, record_save, record_void
from dosing.models import Infusion
from efficacy.models import ResponseAssessment
from exchange.dump import export_bundle
from exchange.read import BundleProblems
from exchange.services import bundle_import_json
from exports.form_csv import forms_files
from exports.loader import load_export_data
from monitoring.deviations import deviation_assess
from monitoring.models import DataQuery, ProtocolDeviation
from patients.models import EligibilityAssessment
from pk.models import PkSample
from tests import factories
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db
DAY0 = date(2024, 3, 12)
CONFIRMED = {"EC-RESP-02": "patient on holiday, visit moved with the investigator's agreement"}


def late_w8(patient, day=70):
    """A W8 assessment on `day`, outside its window (49–63), confirmed by the coordinator."""
    record = ResponseAssessment(
        patient=patient, visit="W8", date=DAY0 + timedelta(days=day), marrow_blasts_pct=0.4,
        mrd_pct=0.0, peripheral_blasts=False, extramedullary="none", anc_per_uL=1500,
        platelets_per_uL=120000, response="CR")
    return record_save(record, by=factories.user(), confirmations=CONFIRMED)


def deviations_of(record):
    return list(ProtocolDeviation.all_objects.filter(record_id=record.pk,
                                                     edit_check__startswith="EC-"))


def test_a_w8_visit_confirmed_out_of_its_window_records_one_visit_window_deviation(
        infused_patient):
    visit = late_w8(infused_patient)
    [deviation] = deviations_of(visit)
    assert (deviation.category, deviation.source, deviation.edit_check) == (
        "out_of_window", "edit_check", "EC-RESP-02")
    assert deviation.deviation_date == date(2024, 5, 21)  # the visit's date, day 70
    assert "W8 on 2024-05-21 is day 70" in deviation.description
    assert "patient on holiday" in deviation.description
    assert deviation.record == visit and not deviation.is_withdrawn
    assert deviation.important is None  # awaits the investigator


def test_confirming_the_late_visit_again_at_an_edit_adds_no_second_deviation(infused_patient):
    visit = late_w8(infused_patient)
    visit.marrow_blasts_pct = 0.3
    record_save(visit, by=factories.user(), reason="blasts re-read", confirmations=CONFIRMED)
    assert len(deviations_of(visit)) == 1


def test_correcting_the_visit_date_withdraws_the_deviation_and_keeps_it(infused_patient):
    visit = late_w8(infused_patient)
    visit.date = DAY0 + timedelta(days=56)
    record_save(visit, by=factories.user(), reason="date typed wrong: 2024-05-07 on the source")
    [deviation] = deviations_of(visit)
    assert deviation.is_withdrawn and not deviation.is_voided
    assert deviation.withdrawn_reason == "the data no longer break EC-RESP-02"
    trail = field_changes(deviation)
    assert trail[0]["reason"].startswith("withdrawn: the data no longer break EC-RESP-02")
    assert not DataQuery.objects.filter(record_id=visit.pk, status="answered").exists()


def test_moving_the_visit_out_of_window_again_reinstates_the_same_deviation(infused_patient):
    visit = late_w8(infused_patient)
    visit.date = DAY0 + timedelta(days=56)
    record_save(visit, by=factories.user(), reason="corrected")
    visit.date = DAY0 + timedelta(days=72)
    record_save(visit, by=factories.user(), reason="the first date was right after all",
                confirmations=CONFIRMED)
    [deviation] = deviations_of(visit)
    assert not deviation.is_withdrawn
    assert deviation.deviation_date == DAY0 + timedelta(days=72)


def test_voiding_an_early_day_21_sample_withdraws_its_sampling_deviation(infused_patient):
    sample = factories.save(PkSample(
        patient=infused_patient, nominal_day=21, car_copies_per_ug_gdna=900.0,
        collected_at=datetime(2024, 3, 29, 9, tzinfo=UTC)))  # day 17
    [deviation] = deviations_of(sample)
    assert (deviation.category, deviation.edit_check) == ("out_of_window", "EC-PK-02")
    record_void(sample, by=factories.user(), reason="sample of another patient")
    deviation.refresh_from_db()
    assert deviation.is_withdrawn


def test_eight_million_cells_per_kg_at_dl1_records_a_dose_deviation(db):
    patient = factories.patient()
    factories.lymphodepletion(patient)
    infusion = factories.infusion(patient, cells_per_kg=8e6)
    [deviation] = deviations_of(infusion)
    assert (deviation.category, deviation.edit_check, deviation.deviation_date) == (
        "dose", "EC-INF-02", DAY0)
    assert ProtocolDeviation.objects.get().patient == patient
    assert Infusion.objects.count() == 1


def test_eligibility_assessed_the_day_before_consent_is_an_informed_consent_deviation(db):
    patient = factories.patient()
    eligibility = factories.save(EligibilityAssessment(
        patient=patient, assessed_on=date(2024, 2, 29),
        **dict.fromkeys(EligibilityAssessment.CRITERIA, True)))
    [deviation] = deviations_of(eligibility)
    assert (deviation.category, deviation.edit_check) == ("informed_consent", "EC-ELIG-01")
    assert deviation.deviation_date == date(2024, 2, 29)  # before consent: that is the point


def test_an_age_below_3_opens_a_system_query_but_records_no_deviation(db):
    patient = factories.patient(age_at_consent=2)
    assert DataQuery.objects.filter(edit_check="EC-PAT-01", record_id=patient.pk).exists()
    assert not ProtocolDeviation.objects.exists()


def test_a_monitor_enters_a_deviation_by_hand_and_may_not_enter_other_crfs(client, monitor,
                                                                           infused_patient):
    client.force_login(monitor)
    response = client.post("/patients/RD-001/protocol-deviation/new/", {
        "category": "prohibited_medication", "deviation_date": "2024-03-20",
        "identified_on": "2024-03-25",
        "description": "Dexamethasone 10 mg for nausea on day 8"})
    assert response.status_code == 302, response.content.decode()[:2000]
    deviation = ProtocolDeviation.objects.get()
    assert (deviation.source, deviation.edit_check, deviation.record) == ("manual", "", None)
    assert client.get("/patients/RD-001/adverse-event/new/").status_code == 403
    assert client.get(f"/patients/RD-001/protocol-deviation/{deviation.pk}/").status_code == 200
    assert "Dexamethasone" in client.get("/deviations/").content.decode()
    casebook = client.get("/patients/RD-001/").content.decode()
    assert "Protocol deviation: prohibited medication" in casebook  # the timeline


def test_the_investigator_assesses_a_deviation_and_a_coordinator_may_not(
        client, investigator, coordinator, infused_patient):
    deviation = factories.deviation(infused_patient)
    url = f"/deviations/{deviation.pk}/assess/"
    client.force_login(coordinator)
    assert client.get(url).status_code == 403
    client.force_login(investigator)
    response = client.post(url, {"important": "True", "impact_on_safety": "True",
                                 "impact_on_data": "False",
                                 "corrective_action": "Prohibited-medication list re-sent"})
    assert response.status_code == 302
    deviation.refresh_from_db()
    assert (deviation.important, deviation.impact_on_safety, deviation.impact_on_data) == (
        True, True, False)
    assert deviation.assessed_by == investigator and deviation.assessed_at is not None
    assert field_changes(deviation)[0]["reason"] == "assessed by the investigator"


def test_the_sponsor_api_row_has_category_dates_and_assessment_but_no_words(
        infused_patient, investigator):
    deviation = factories.deviation(infused_patient)
    deviation_assess(deviation, important=True, impact_on_safety=False, impact_on_data=True,
                     corrective_action="Site retrained", by=investigator)
    late_w8(infused_patient)
    sponsor_rows = token_client("sponsor").get(
        "/api/v1/protocol-deviations/").json()["results"]
    assert {key for row in sponsor_rows for key in row} == {
        "id", "subject_id", "dose_level", "category", "deviation_date", "identified_on",
        "important", "impact_on_safety", "impact_on_data", "assessed_at"}
    monitor_rows = token_client("monitor").get(
        "/api/v1/protocol-deviations/?category=out_of_window").json()["results"]
    assert [r["edit_check"] for r in monitor_rows] == ["EC-RESP-02"]
    assert "patient on holiday" in monitor_rows[0]["description"]


def test_the_csv_export_carries_deviations_and_the_sponsors_leaves_the_words_out(
        infused_patient):
    factories.deviation(infused_patient)
    monitors = forms_files(load_export_data(), deidentified=False)["protocol_deviation.csv"]
    sponsors = forms_files(load_export_data(), deidentified=True)["protocol_deviation.csv"]
    [row] = csv.DictReader(io.StringIO(monitors.decode()))
    assert (row["subject_id"], row["category"], row["source"]) == (
        "RD-001", "prohibited_medication", "manual")
    assert "Dexamethasone" in monitors.decode() and "Dexamethasone" not in sponsors.decode()


def test_the_bundle_round_trips_deviations_with_the_record_each_is_on(infused_patient,
                                                                      investigator):
    factories.deviation(infused_patient)
    late = late_w8(infused_patient)
    raised = ProtocolDeviation.objects.get(record_id=late.pk)
    deviation_assess(raised, important=False, impact_on_safety=False, impact_on_data=False,
                     corrective_action="", by=investigator)
    first = export_bundle()
    rows = first["patients"][0]["protocol_deviations"]
    assert [r["record"] for r in rows] == [None, "response_assessments[0]"]
    bundle_import_json(first, replace=True, confirm_soft_checks="migrated")
    assert export_bundle() == first
    relinked = ProtocolDeviation.objects.get(edit_check="EC-RESP-02")
    assert relinked.record == ResponseAssessment.objects.get() and relinked.important is False


def test_a_bundle_without_deviations_imports_and_its_confirmed_checks_raise_them(
        infused_patient):
    late_w8(infused_patient)
    bundle = export_bundle()
    del bundle["patients"][0]["protocol_deviations"]
    bundle_import_json(bundle, replace=True, confirm_soft_checks="migrated")
    [deviation] = ProtocolDeviation.objects.all()
    assert deviation.edit_check == "EC-RESP-02" and "migrated" in deviation.description


def test_a_bundle_deviation_naming_no_record_is_refused(infused_patient):
    bundle = export_bundle()
    bundle["patients"][0]["protocol_deviations"] = [{
        "category": "other", "description": "x", "deviation_date": "2024-03-20",
        "identified_on": "2024-03-21", "record": "response_assessments[5]"}]
    with pytest.raises(BundleProblems) as refused:
        bundle_import_json(bundle, replace=True)
    assert refused.value.problems == [
        "patients[0].protocol_deviations[0].record: 'response_assessments[5]' names no record "
        'of this patient (e.g. "eligibility", "response_assessments[0]")']
