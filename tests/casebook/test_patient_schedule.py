from datetime import date

import pytest
from django.urls import reverse

from casebook.visits import patient_schedule
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.requirement("CLIN-VIS-04")
def test_the_schedule_shows_done_due_and_missed_with_windows(infused_patient):
    factories.response(infused_patient, visit="W4", on=date(2024, 4, 9))   # day 28
    factories.pk_sample(infused_patient, day=7)

    schedule = patient_schedule(infused_patient, as_of=date(2024, 5, 20))  # day 69

    by_visit = {v.visit: v for v in schedule.visits}
    assert (by_visit["W4"].status, by_visit["W4"].done_date) == ("done", date(2024, 4, 9))
    assert (by_visit["W8"].window_low_day, by_visit["W8"].window_high_day) == (49, 63)
    assert by_visit["W8"].status in {"late", "missed"}
    assert by_visit["W12"].status == "upcoming"
    assert {s.visit: s.status for s in schedule.pk_samples}[7] == "done"


def test_a_patient_not_yet_infused_has_no_schedule(coordinator):
    patient = factories.patient()
    assert patient_schedule(patient, as_of=date(2024, 5, 1)).visits == []


@pytest.mark.requirement("CLIN-VIS-04")
def test_the_casebook_page_shows_the_schedule(client, infused_patient, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("patients:casebook", args=["RD-001"])).content.decode()
    assert "Visit schedule" in page and "day 21–35" in page
