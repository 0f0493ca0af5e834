"""In Chromium: a monitor's query on a field is shown beside that field, with its text, status
and who raised it, on the record's page and on the form the coordinator edits."""

import pytest
from playwright.sync_api import expect

from monitoring.services import query_raise
from tests.e2e.conftest import preview_answered

pytestmark = pytest.mark.e2e

QUESTION = "Onset was on day 3 in the source notes: please check."


def test_an_open_query_is_shown_beside_its_field_while_editing(
        page, sign_in, screenshot, coordinator_user, monitor_user, infused_adverse_event):
    # given: a monitor's query on the onset date of an adverse event
    ae = infused_adverse_event
    query_raise(record=ae, patient=ae.patient, field_name="onset_date", question=QUESTION,
                by=monitor_user)

    # when the coordinator opens the record and its form
    sign_in("ana")
    page.goto(f"/patients/RD-001/adverse-event/{ae.pk}/")
    beside_value = page.locator("dd", has=page.locator("ul.field-queries"))
    expect(beside_value).to_contain_text(QUESTION)
    with preview_answered(page):
        page.get_by_role("link", name="Edit", exact=True).click()

    # then the query is beside the onset date field, with its status and who raised it
    onset_field = page.locator("div.field", has=page.get_by_label("Onset date"))
    queries = onset_field.locator("ul.field-queries")
    expect(queries).to_contain_text(QUESTION)
    expect(queries).to_contain_text("Open")
    expect(queries).to_contain_text("raised by Test Monitor")
    grade_field = page.locator("div.field", has=page.get_by_label("Grade"))
    expect(grade_field.locator("ul.field-queries")).to_have_count(0)
    screenshot("query-beside-field")
