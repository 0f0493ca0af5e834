"""In Chromium: a grade 4 neutropenia on day 7, possibly related, recorded with no counts, waits on
the DLT review as a D5 candidate whose recovery by day 28 is pending; once the coordinator enters
the ANC series showing recovery to grade 2 on day 11, the recompute drops it and the investigator
sees no D5 candidate any more (docs/labs.md, "D5 from the counts")."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from labs.models import LabResult
from safety.models import DltCandidate
from tests import factories
from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.e2e

DAYS_SINCE_INFUSION = 12  # today is day 12: day 28 has not come, so D5 waits on the counts


@pytest.fixture
def investigator_user(transactional_db):
    return factories.user("investigator", username="ivan", password=PASSWORD)


@pytest.fixture
def neutropenic(transactional_db):
    """RD-001 infused 12 days ago (day 0), a grade 4 neutropenia from day 7, possibly related,
    still open; no laboratory result yet. Saving it runs the recompute (in-process, no broker)."""
    day0 = timezone.localdate() - timedelta(days=DAYS_SINCE_INFUSION)
    patient = factories.patient("RD-001", consent_date=day0 - timedelta(days=14),
                                enrollment_date=day0 - timedelta(days=11))
    factories.lymphodepletion(patient, start=day0 - timedelta(days=5))
    factories.infusion(patient, on=day0)
    ae = factories.adverse_event(patient, term="Neutrophil count decreased", grade=4,
                                 onset_date=day0 + timedelta(days=7), relatedness="possible")
    return day0, ae


def enter_anc(page, save, at, value):
    page.goto("/patients/RD-001/lab-result/new/")
    page.locator("#id_collected_at").fill(at)
    page.locator("#id_test").select_option("anc")
    page.locator("#id_value").fill(value)
    page.locator("#id_unit").select_option("10^9/L")
    page.locator("#id_ref_low").fill("1.8")
    page.locator("#id_ref_high").fill("7.5")
    save()
    expect(page.get_by_text("Laboratory result saved.")).to_be_visible()


def test_an_anc_series_recovering_by_day_28_clears_a_pending_d5(
        page, sign_in, screenshot, save, coordinator_user, investigator_user, neutropenic):
    day0, ae = neutropenic
    # given the investigator's DLT review lists the neutropenia under D5
    sign_in("ivan")
    page.goto("/dlt-review/")
    row = page.locator("tbody tr", has_text="RD-001")
    expect(row).to_contain_text("Neutrophil count decreased, grade 4")
    expect(row).to_contain_text("(day 7)")
    expect(row).to_contain_text("D5")
    row.get_by_role("link").click()
    # and its evidence says recovery by day 28 is still pending, not a DLT yet
    rules = page.locator("h3:has-text('Candidate rules') + ul")
    expect(rules).to_contain_text(
        "grade 4 neutropenia on day 7: recovery by day 28 pending — D5 (duration still pending)")
    screenshot("d5-pending")
    page.get_by_role("button", name="Sign out").click()

    # when the coordinator enters the ANC series: grade 4 on day 7, grade 2 on day 11
    sign_in("ana")
    enter_anc(page, save, f"{day0 + timedelta(days=7):%Y-%m-%d}T07:30", "0.3")
    enter_anc(page, save, f"{day0 + timedelta(days=11):%Y-%m-%d}T07:30", "1.2")
    assert LabResult.objects.filter(test="anc").count() == 2
    page.get_by_role("button", name="Sign out").click()

    # then the investigator's DLT review has no candidate left
    sign_in("ivan")
    page.goto("/dlt-review/")
    expect(page.locator("main")).to_contain_text("No DLT candidates.")
    expect(page.locator("main")).not_to_contain_text("Neutrophil count decreased")
    screenshot("d5-cleared-queue")
    # and the adverse event's page raises no DLT candidate
    page.goto(f"/patients/RD-001/adverse-event/{ae.pk}/")
    expect(page.get_by_role("heading", name="Adverse event")).to_be_visible()
    expect(page.locator(".dlt-flags")).to_have_count(0)
    assert not DltCandidate.objects.filter(adverse_event=ae, rule="D5").exists()
