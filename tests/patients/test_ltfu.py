"""Long-term follow-up: yearly visits Y2 … Y15 after the one-year efficacy period (± 60 days),
the reduced LTFU form and its rules, and how the schedule, status grid, overdue count, bundle,
API and CSV follow it. Day 0 is the factories' infusion, 2024-03-12; year n is day 365 × n."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from casebook import status_grid
from casebook.selectors import patient_list
from casebook.visits import calendars, overdue_count, patient_schedule
from endpoints.trial_rows import read_trial_rows
from exchange.dump import export_bundle
from exchange.read import BundleProblems
from exchange.services import bundle_import_json
from exports.form_csv import forms_files
from exports.loader import load_export_data
from patients.models import LtfuVisit
from patients.schedule import LTFU_VISIT_CODES, LTFU_VISITS, ltfu_statuses
from tests import factories
from tests.api.conftest import token_client
from tests.crf_payloads import form_data

DAY0 = date(2024, 3, 12)
NOTHING_NEW = dict.fromkeys(LtfuVisit.FINDINGS, False)


def day(n: int) -> date:
    return DAY0 + timedelta(days=n)


def statuses_on(as_of: date, done=None, end=None) -> dict[str, str]:
    return {s.visit: s.status for s in ltfu_statuses(DAY0, as_of, done or {}, end)}


# The schedule (pure)

def test_ltfu_runs_yearly_from_year_2_to_year_15_with_60_day_windows():
    assert LTFU_VISIT_CODES == tuple(f"Y{n}" for n in range(2, 16))
    y2, y15 = LTFU_VISITS[0], LTFU_VISITS[-1]
    assert (y2.target_day, y2.low_day, y2.high_day) == (730, 670, 790)
    assert (y15.target_day, y15.low_day, y15.high_day) == (5475, 5415, 5535)


def test_a_patient_3_years_after_infusion_owes_y2_and_is_due_y3():
    statuses = statuses_on(day(3 * 365))
    assert (statuses["Y2"], statuses["Y3"], statuses["Y4"]) == ("missed", "due", "upcoming")


def test_y2_done_68_days_late_is_done_out_of_window():
    [y2] = [s for s in ltfu_statuses(DAY0, day(1100), {"Y2": [day(798)]}) if s.visit == "Y2"]
    assert (y2.status, y2.out_of_window) == ("done", True)


def test_y2_after_its_window_is_late_until_the_y3_window_opens():
    assert statuses_on(day(800))["Y2"] == "late"
    assert statuses_on(day(1035))["Y2"] == "missed"


def test_no_ltfu_visit_is_owed_after_death_in_year_1():
    statuses = statuses_on(day(2000), end=day(300))
    assert set(statuses.values()) == {"not_expected"}


# The form's rules

@pytest.mark.django_db
def test_a_patient_reached_alive_has_every_finding_answered(infused_patient):
    visit = LtfuVisit(patient=infused_patient, visit="Y2", contact_date=day(730),
                      vital_status="alive", **{**NOTHING_NEW, "serious_infection": None})
    with pytest.raises(ValidationError) as refused:
        visit.full_clean()
    assert refused.value.message_dict == {
        "serious_infection": ["Answer yes or no: the patient was reached alive."]}


@pytest.mark.django_db
def test_a_subsequent_therapy_is_named_and_only_when_given(infused_patient):
    given = LtfuVisit(patient=infused_patient, visit="Y2", contact_date=day(730),
                      vital_status="alive", **{**NOTHING_NEW,
                                               "subsequent_anticancer_therapy": True})
    with pytest.raises(ValidationError, match="Name the therapy"):
        given.full_clean()
    not_given = LtfuVisit(patient=infused_patient, visit="Y2", contact_date=day(730),
                          vital_status="alive", subsequent_therapy="nelarabine", **NOTHING_NEW)
    with pytest.raises(ValidationError, match="Only when a subsequent anti-cancer therapy"):
        not_given.full_clean()


@pytest.mark.django_db
def test_a_patient_lost_to_follow_up_needs_no_answers(infused_patient):
    lost = factories.save(LtfuVisit(patient=infused_patient, visit="Y2", contact_date=day(730),
                                    vital_status="lost"))
    assert (lost.vital_status, lost.new_malignancy) == ("lost", None)


@pytest.mark.django_db
def test_the_same_year_cannot_be_recorded_twice(infused_patient):
    factories.ltfu_visit(infused_patient, "Y2")
    with pytest.raises(ValidationError, match="already recorded"):
        factories.ltfu_visit(infused_patient, "Y2", on=day(740))


@pytest.mark.django_db
def test_an_ltfu_contact_after_death_is_refused(infused_patient):
    factories.death(infused_patient, on=day(700))
    with pytest.raises(ValidationError, match="after"):
        factories.ltfu_visit(infused_patient, "Y2", on=day(730))


# The browser form, the casebook, the overdue count

@pytest.mark.django_db
def test_a_coordinator_enters_the_y2_form_and_the_casebook_shows_it_done(
        client, coordinator, infused_patient):
    client.force_login(coordinator)
    response = client.post("/patients/RD-001/ltfu-visit/new/", form_data("ltfu-visit"))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert LtfuVisit.objects.get().contact_date == date(2026, 3, 12)
    page = client.get("/patients/RD-001/").content.decode()
    assert "Y2 long-term follow-up" in page  # the status grid's cell
    assert "Long-term follow-up Y2: alive" in page  # the timeline
    schedule = patient_schedule(infused_patient, as_of=day(3 * 365))
    assert {s.visit: s.status for s in schedule.ltfu}["Y2"] == "done"


@pytest.mark.django_db
def test_the_overdue_count_of_a_patient_3_years_out_counts_a_missing_y2(infused_patient):
    factories.response(infused_patient, visit="W4", on=day(28))
    [patient] = patient_list()
    without = calendars([patient], today=day(3 * 365))[patient.pk]
    factories.ltfu_visit(infused_patient, "Y2")
    with_y2 = calendars([patient], today=day(3 * 365))[patient.pk]
    assert {s.visit: s.status for s in without["ltfu"]}["Y2"] == "missed"
    assert overdue_count(without) - overdue_count(with_y2) == 1


@pytest.mark.django_db
def test_the_status_grid_has_a_row_per_ltfu_year_y2_overdue_y3_missing(infused_patient):
    [patient] = patient_list()
    today = day(3 * 365)
    schedule = patient_schedule(infused_patient, as_of=today)
    rows = status_grid.grid(patient, status_grid.records_of([patient.pk]), schedule,
                            status_grid.monitoring_of([patient.pk], {}), today=today)
    cells = {row.title: row.cells[0].state for row in rows if row.title.startswith("Y")}
    assert list(cells) == list(LTFU_VISIT_CODES)
    assert (cells["Y2"], cells["Y3"], cells["Y4"]) == ("overdue", "missing", "upcoming")


@pytest.mark.django_db
def test_an_ltfu_visit_alive_is_the_last_date_known_alive_but_not_one_lost(infused_patient):
    factories.contact(infused_patient, day(400))
    factories.ltfu_visit(infused_patient, "Y2")
    lost = factories.patient("RD-002")
    factories.lymphodepletion(lost)
    factories.infusion(lost)
    factories.contact(lost, day(400))
    factories.save(LtfuVisit(patient=lost, visit="Y2", contact_date=day(730),
                             vital_status="lost"))
    contacts = read_trial_rows().contacts
    assert (contacts[infused_patient.pk], contacts[lost.pk]) == (day(730), day(400))


# How it travels

@pytest.mark.django_db
def test_the_bundle_round_trips_ltfu_visits(infused_patient):
    factories.ltfu_visit(infused_patient, "Y2", new_malignancy=True)
    first = export_bundle()
    [row] = first["patients"][0]["ltfu_visits"]
    assert (row["visit"], row["contact_date"], row["new_malignancy"]) == (
        "Y2", "2026-03-12", True)
    bundle_import_json(first, replace=True)
    assert export_bundle() == first


@pytest.mark.django_db
def test_the_sponsor_receives_the_answers_but_not_the_therapy_text(infused_patient):
    factories.ltfu_visit(infused_patient, "Y2", subsequent_anticancer_therapy=True,
                         subsequent_therapy="nelarabine at the referring hospital")
    [sponsor_row] = token_client("sponsor").get("/api/v1/ltfu-visits/").json()["results"]
    assert sponsor_row["subsequent_anticancer_therapy"] is True
    assert "subsequent_therapy" not in sponsor_row
    [monitor_row] = token_client("monitor").get("/api/v1/ltfu-visits/?visit=Y2").json()[
        "results"]
    assert monitor_row["subsequent_therapy"] == "nelarabine at the referring hospital"
    monitors = forms_files(load_export_data(), deidentified=False)["ltfu_visit.csv"].decode()
    sponsors = forms_files(load_export_data(), deidentified=True)["ltfu_visit.csv"].decode()
    [csv_row] = csv.DictReader(io.StringIO(sponsors))
    assert csv_row["visit"] == "Y2" and "subsequent_therapy" not in csv_row
    assert "nelarabine" in monitors


# A form before its window opens (EC-LTFU-01): refused on every path, nothing written

@pytest.mark.django_db
def test_a_y2_form_before_its_window_opens_is_refused_naming_the_date(infused_patient):
    # day 669: Y2's window opens on day 670
    with pytest.raises(ValidationError) as refused:
        factories.ltfu_visit(infused_patient, "Y2", on=day(669))
    [message] = refused.value.message_dict["contact_date"]
    assert "EC-LTFU-01" in message and f"window opens on day 670 ({day(670)})" in message
    assert not LtfuVisit.all_objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("n", [670, 800])  # the window's first day; late (it closed on 790)
def test_a_form_from_the_first_day_of_its_window_on_is_accepted(infused_patient, n):
    factories.ltfu_visit(infused_patient, "Y2", on=day(n))
    assert LtfuVisit.objects.get().contact_date == day(n)


@pytest.mark.django_db
def test_the_browser_form_before_the_window_shows_the_field_and_writes_nothing(
        client, coordinator, infused_patient):
    client.force_login(coordinator)
    response = client.post("/patients/RD-001/ltfu-visit/new/",
                           form_data("ltfu-visit", contact_date="2025-03-12"))
    assert response.status_code == 200
    form = response.context["form"]
    assert "window opens on day 670" in " ".join(form.errors["contact_date"])
    assert not LtfuVisit.all_objects.exists()


@pytest.mark.django_db
def test_an_imported_form_before_its_window_is_a_problem_at_its_path(infused_patient):
    factories.ltfu_visit(infused_patient, "Y2")
    bundle = export_bundle()
    bundle["patients"][0]["ltfu_visits"][0]["contact_date"] = day(400).isoformat()
    with pytest.raises(BundleProblems) as refused:
        bundle_import_json(bundle, replace=True)
    [problem] = refused.value.problems
    assert problem.startswith("patients[0].ltfu_visits[0].contact_date: EC-LTFU-01")
    assert LtfuVisit.objects.get().contact_date == day(730)
