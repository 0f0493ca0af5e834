"""The visit calendar built from a patient's records, on the list and in the casebook."""

from datetime import date

import pytest

from casebook.selectors import patient_list
from casebook.visits import calendars, overdue_count
from tests import factories

pytestmark = pytest.mark.django_db

DAY0 = date(2024, 3, 12)  # infused_patient's first infusion


def statuses(calendar, kind):
    return {v.visit: v.status for v in calendar[kind]}


def test_a_recorded_assessment_marks_its_visit_done(infused_patient):
    # given: W4 on day 28, PK on day 7
    factories.response(infused_patient, visit="W4", on=date(2024, 4, 9))
    factories.pk_sample(infused_patient, day=7)
    # when
    [patient] = patient_list()
    calendar = calendars([patient], today=date(2024, 5, 8))[patient.pk]
    # then: day 57 — W4 done, W8 due; PK day 7 done, days 4 and 10 missed
    response = statuses(calendar, "response")
    assert (response["W4"], response["W8"], response["W12"]) == ("done", "due", "upcoming")
    pk = statuses(calendar, "pk")
    assert (pk[7], pk[4], pk[56]) == ("done", "missed", "due")


def test_visits_after_death_are_not_expected(infused_patient):
    factories.death(infused_patient, on=date(2024, 4, 20))
    [patient] = patient_list()
    calendar = calendars([patient], today=date(2025, 1, 1))[patient.pk]
    assert statuses(calendar, "response")["W8"] == "not_expected"


def test_a_patient_not_yet_infused_has_no_calendar(db):
    factories.patient("RD-002")
    [patient] = patient_list()
    assert calendars([patient], today=date(2024, 5, 8)) == {}
    assert overdue_count(None) == 0


def test_the_list_counts_overdue_visits_and_the_casebook_shows_the_schedule(
        client, coordinator, infused_patient):
    client.force_login(coordinator)
    listing = client.get("/patients/").content.decode()
    casebook = client.get("/patients/RD-001/").content.decode()
    assert "Overdue visits" in listing
    assert '<strong class="disagrees">' in listing  # long past day 0: visits are missed
    assert "Visit schedule" in casebook

