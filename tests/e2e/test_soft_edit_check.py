"""In Chromium: a coordinator enters a W4 assessment outside its window, is warned with every typed
value kept, confirms the soft check with a reason; the monitor sees the system query it opened, on
the query list, beside the field and in the casebook's status grid."""

import re

import pytest
from playwright.sync_api import expect

from efficacy.models import ResponseAssessment
from tests import factories

pytestmark = pytest.mark.e2e


@pytest.fixture
def infused(transactional_db):
    """RD-001, conditioned and infused on 2024-03-12 (day 0): W4 is due on days 21–35."""
    patient = factories.patient("RD-001")
    factories.lymphodepletion(patient)
    factories.infusion(patient)
    return patient


def test_a_soft_check_is_confirmed_with_a_reason_and_queried(page, sign_in, screenshot, save,
                                                            coordinator_user, monitor_user,
                                                            infused):
    # given the casebook's grid shows the W4 assessment overdue
    sign_in("ana")
    page.goto("/patients/RD-001/")
    w4 = page.locator(".status-grid .cell", has_text="W4 response assessment")
    expect(w4).to_have_class(re.compile(r"\bstate-overdue\b"))
    # and the coordinator types a W4 assessment on day 39
    page.goto("/patients/RD-001/response/new/")
    page.locator("#id_visit").select_option("W4")
    page.locator("#id_date").fill("2024-04-20")
    page.locator("#id_marrow_blasts_pct").fill("0.4")
    page.locator("#id_mrd_pct").fill("<0.01")
    page.locator("#id_response").select_option("CR")
    save()

    # then nothing is saved: the warning names the check, the typed values stay
    warning = page.locator(".soft-checks")
    expect(warning).to_contain_text("EC-RESP-02")
    expect(warning).to_contain_text("day 39")
    expect(page.locator("#id_date")).to_have_value("2024-04-20")
    expect(page.locator("#id_mrd_pct")).to_have_value("<0.01")
    assert not ResponseAssessment.objects.exists()
    screenshot("soft-check-warning")

    # when the coordinator confirms it with a reason
    page.get_by_label("I confirm the value is correct as entered").check()
    page.get_by_label("Reason for confirming EC-RESP-02").fill(
        "Patient was in hospital abroad; W4 marrow done on return")
    save()
    expect(page.get_by_text("Response assessment saved.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # then the monitor sees the system query, on the list and beside the date
    sign_in("mona")
    page.goto("/queries/")
    expect(page.locator("main")).to_contain_text("EC-RESP-02 (soft): W4 on 2024-04-20 is day 39")
    expect(page.locator("main")).to_contain_text("hospital abroad")
    screenshot("monitor-query-list")
    [assessment] = ResponseAssessment.objects.all()
    assert (assessment.mrd_pct, assessment.mrd_below_detection) == (0.01, True)
    page.goto(f"/patients/RD-001/response/{assessment.pk}/")
    expect(page.locator("main")).to_contain_text("EC-RESP-02")
    screenshot("monitor-record")

    # and the casebook's grid shows the W4 assessment queried, the coordinator's reason being
    # the query's answer that the monitor closes or re-opens, one click from the record
    page.goto("/patients/RD-001/")
    w4 = page.locator(".status-grid .cell", has_text="W4 response assessment")
    expect(w4).to_have_class(re.compile(r"\bstate-query_answered\b"))
    expect(w4).to_contain_text("Query answered")
    screenshot("monitor-grid")
    w4.click()
    expect(page).to_have_url(re.compile(f"/patients/RD-001/response/{assessment.pk}/$"))
