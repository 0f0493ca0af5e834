"""The casebook's status grid and the patient list's summary of it (issue 15, point 3)."""

import re
from datetime import date

import pytest
from django.utils import timezone

from core.audit import record_save
from monitoring.reviews import form_lock, form_verify
from monitoring.services import query_answer, query_raise
from patients.schedule import ltfu_statuses, rcl_statuses
from signoff.services import casebook_sign
from tests import factories

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-passphrase"


def cell(page: str, form: str) -> str:
    """The grid cell of `form` ("W4 response assessment"): its classes, link and text."""
    grid = page[page.index('id="status"'):page.index("</section>", page.index('id="status"'))]
    found = re.search(r'<(a|span) class="cell state-([a-z_]+)"( href="([^"]*)")?>'
                      r'<span class="form">' + re.escape(form) + r"</span>(.*?)</\1>", grid)
    assert found, f"no cell {form!r} in the grid"
    return found


def test_every_expected_form_is_in_the_grid_with_its_state_and_one_click_away(
        client, coordinator, monitor, infused_patient):
    # given: day 0 was 2024-03-12, so every visit's window has closed by now
    w4 = factories.response(infused_patient, visit="W4")
    factories.pk_sample(infused_patient, day=7)
    client.force_login(monitor)
    # when
    page = client.get("/patients/RD-001/").content.decode()
    # then: entered forms link to their record, missing ones to a new record of their form
    eligibility = cell(page, "Eligibility")
    assert eligibility.group(2) == "missing"
    assert eligibility.group(4) == "/patients/RD-001/eligibility/new/"
    w4_cell = cell(page, "W4 response assessment")
    assert w4_cell.group(2) == "entered"
    assert w4_cell.group(4) == f"/patients/RD-001/response/{w4.pk}/"
    assert cell(page, "W8 response assessment").group(2) == "overdue"
    assert cell(page, "PK day 7").group(2) == "entered"
    assert cell(page, "PK day 4").group(2) == "overdue"
    assert cell(page, "Infusion 1").group(2) == "entered"
    assert "12 Mar 2024" in cell(page, "Infusion 1").group(5)


def test_queries_verification_changes_locks_and_signature_show_in_the_cells(
        client, coordinator, monitor, infused_patient):
    # given
    investigator = factories.user("investigator")
    w4 = factories.response(infused_patient, visit="W4")
    w8 = factories.response(infused_patient, visit="W8",
                            on=infused_patient.infusions.get().date.replace(day=7, month=5))
    ae = factories.adverse_event(infused_patient)
    form_verify(record=w4, patient=infused_patient, by=monitor)
    form_verify(record=w8, patient=infused_patient, by=monitor)
    w8.marrow_blasts_pct = 0.5
    record_save(w8, by=coordinator, reason="transcription error")
    query = query_raise(record=ae, patient=infused_patient, field_name="grade",
                        question="Grade?", by=monitor)
    infusion = infused_patient.infusions.get()
    form_verify(record=infusion, patient=infused_patient, by=monitor)
    form_lock(record=infusion, patient=infused_patient, by=monitor)
    client.force_login(monitor)
    # when
    page = client.get("/patients/RD-001/").content.decode()
    # then
    assert cell(page, "W4 response assessment").group(2) == "verified"
    assert cell(page, "W8 response assessment").group(2) == "changed"
    assert cell(page, "Adverse event").group(2) == "query_open"
    locked = cell(page, "Infusion 1")
    assert locked.group(2) == "locked" and "Verified" in locked.group(5)
    # when: the site answers, then the investigator signs the casebook
    query_answer(query=query, answer="Grade 2 confirmed", by=coordinator)
    casebook_sign(patient=infused_patient, by=investigator, password=PASSWORD)
    page = client.get("/patients/RD-001/").content.decode()
    # then
    assert cell(page, "Adverse event").group(2) == "query_answered"
    assert cell(page, "Infusion 1").group(2) == "signed"
    assert cell(page, "Lymphodepletion").group(2) == "signed"


def test_the_patient_list_counts_each_patients_forms_by_state(client, monitor, infused_patient):
    # given
    factories.response(infused_patient, visit="W4")
    factories.patient("RD-002")  # enrolled, nothing else recorded
    client.force_login(monitor)
    # when
    response = client.get("/patients/")
    # then
    rows = {row["patient"].subject_id: row["forms"] for row in response.context["rows"]}
    # RD-001: patient, lymphodepletion, infusion 1 and W4 entered; eligibility and disease at
    # screening missing; W8 … M12 (5), every PK sample (12), each RCL test whose window has
    # closed by today (M3, M6, M12 at least, then one a year) and each long-term follow-up year
    # whose window has closed overdue
    closed = [s.status in ("late", "missed") for statuses in (
        rcl_statuses(date(2024, 3, 12), timezone.localdate(), {}),
        ltfu_statuses(date(2024, 3, 12), timezone.localdate(), {})) for s in statuses]
    assert sum(closed) >= 3
    assert rows["RD-001"] == {"overdue": 17 + sum(closed), "missing": 2, "entered": 4}
    # RD-002: eligibility, disease at screening and lymphodepletion missing, the rest waits for
    # the infusion
    assert rows["RD-002"] == {"missing": 3, "entered": 1}
    page = response.content.decode()
    assert f"{17 + sum(closed)} overdue" in page and "4 entered" in page


def test_save_and_add_another_opens_a_new_form_of_the_same_log(client, coordinator,
                                                                infused_patient):
    from safety.models import AdverseEvent

    client.force_login(coordinator)
    page = client.get("/patients/RD-001/adverse-event/new/").content.decode()
    assert "Save and add another" in page
    assert "<title>New adverse event · RD-001" in page
    response = client.post("/patients/RD-001/adverse-event/new/", {
        "term": "Pyrexia", "grade": 1, "onset_date": "2024-03-14", "serious": "false",
        "relatedness": "possible", "_another": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/patients/RD-001/adverse-event/new/"
    assert AdverseEvent.objects.filter(term="Pyrexia").count() == 1
    # a form that is not a log, and an edit, offer only Save
    assert "Save and add another" not in client.get(
        "/patients/RD-001/lymphodepletion/new/").content.decode()


def test_date_inputs_state_their_format_and_errors_are_tied_to_their_input(
        client, coordinator, infused_patient):
    client.force_login(coordinator)
    page = client.post("/patients/RD-001/adverse-event/new/", {
        "term": "Pyrexia", "grade": 9, "onset_date": "", "serious": "false",
        "relatedness": "possible"}).content.decode()
    assert 'type="date"' in page and "Format: YYYY-MM-DD" in page
    onset = page[page.index('id="id_onset_date"') - 300:page.index('id="id_onset_date"') + 200]
    assert "id_onset_date_format" in onset and "id_onset_date_errors" in onset
    assert 'aria-invalid="true"' in onset


def test_the_audit_trail_reads_like_the_record_with_initial_values_sdv_and_locks(
        client, coordinator, monitor, infused_patient):
    infusion = infused_patient.infusions.get()
    form_verify(record=infusion, patient=infused_patient, by=monitor)
    form_lock(record=infusion, patient=infused_patient, by=monitor)
    client.force_login(monitor)
    page = client.get(f"/patients/RD-001/infusion/{infusion.pk}/history/").content.decode()
    assert "Audit trail: Infusion 1, 12 Mar 2024" in page
    assert "CAR-T cells per kg: 5.0 × 10⁶ cells/kg" in page  # the created row's initial value
    assert "Viability: 94 %" in page
    assert "source data verified" in page and ">locked<" in page
    assert "UTC" in page


def test_the_audit_trail_names_a_changed_dose_level_not_its_id(client, coordinator, monitor,
                                                                infused_patient):
    infusion = infused_patient.infusions.get()
    dl1 = infusion.dose_level
    dl2 = factories.dose_level("DL2", cells_per_kg=1e7)
    infusion.dose_level = dl2
    infusion.cells_per_kg = 1e7
    record_save(infusion, by=coordinator, reason="dose level misread")
    client.force_login(monitor)
    page = client.get(f"/patients/RD-001/infusion/{infusion.pk}/history/").content.decode()
    assert f"Dose level: {dl1} → {dl2}" in page.replace("&rarr;", "→")
    assert str(dl1) == "DL1 (5e+06 cells/kg)" and str(dl2) == "DL2 (1e+07 cells/kg)"
    assert f"Dose level: {dl1.pk} →" not in page
    assert f"Dose level: {dl1}" in page  # the created row's initial value, named too
