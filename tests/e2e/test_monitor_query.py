"""In Chromium: a monitor raises a query on a field, the coordinator answers it and corrects the
value with a reason, the monitor closes it, and the audit trail shows each step and its reason."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


@pytest.mark.requirement("CON-ROLE-01", "CON-ROLE-03")
def test_a_query_is_raised_answered_corrected_and_closed(page, sign_in, screenshot, save,
                                                         coordinator_user, monitor_user,
                                                         infused_adverse_event):
    # given: an infused patient with a grade 3 CRS, and a monitor
    record = f"/patients/RD-001/adverse-event/{infused_adverse_event.pk}/"

    # when the monitor raises a query on the grade
    sign_in("mona")
    page.goto(record)
    page.get_by_label("About").select_option("grade")
    page.get_by_label("Query").fill("The source notes say grade 2: please check.")
    page.get_by_role("button", name="Raise query").click()
    expect(page.get_by_text("Query raised.")).to_be_visible()
    screenshot("query-raised")
    page.get_by_role("button", name="Sign out").click()

    # and the coordinator corrects the grade with a reason and answers
    sign_in("ana")
    page.goto("/patients/")
    open_queries_cell = page.locator("tbody tr").first.locator("td").nth(5)
    expect(open_queries_cell).to_have_text("1")
    page.goto(record)
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Grade").fill("2")
    page.get_by_label("Reason for change").fill("Source re-checked: grade 2")
    save()
    page.get_by_label("Answer").fill("Corrected to grade 2 from the source.")
    page.get_by_role("button", name="Send answer").click()
    expect(page.get_by_text("Query answered.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # and the monitor closes it
    sign_in("mona")
    page.goto(record)
    page.get_by_role("button", name="Close query").click()
    expect(page.get_by_text("Query closed.")).to_be_visible()

    # then the audit trail shows the correction and its reason
    page.get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("cell", name="Source re-checked: grade 2")).to_be_visible()
    expect(page.locator("table.audit")).to_contain_text("grade: 3 → 2")
    screenshot("audit-trail")
