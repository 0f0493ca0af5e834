"""In Chromium: a coordinator opens the query list, reads the query by the record and field as
the site names them, clicks it, and lands on the record page scrolled to that field, marked."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from monitoring.services import query_raise
from tests import factories

pytestmark = pytest.mark.e2e


def test_a_query_click_through_lands_on_the_field(page, sign_in, screenshot, coordinator_user,
                                                  monitor_user, infused_adverse_event):
    # given: a W4 response assessment with a query on its date, below a long record page
    patient = infused_adverse_event.patient
    w4 = factories.response(patient, visit="W4", on=date(2024, 4, 9))
    query_raise(record=w4, patient=patient, field_name="date",
                question="The marrow report is dated a day later: please check.",
                by=monitor_user)
    query_raise(record=infused_adverse_event, patient=patient, field_name="grade",
                question="Grade?", by=monitor_user)

    # when the coordinator filters the list to open queries of RD-001 and clicks the query
    sign_in("ana")
    page.goto("/queries/")
    page.get_by_role("link", name="Open: awaiting the site").click()
    page.get_by_label("Patient (subject ID)").fill("RD-001")
    page.get_by_role("button", name="Filter").click()
    link = page.get_by_role("link", name="W4 response assessment, 9 Apr 2024 · assessment date")
    expect(link).to_be_visible()
    screenshot("query-list")
    link.click()

    # then the record page opens at the field, which is scrolled into view and marked
    expect(page).to_have_url(re.compile(rf"/patients/RD-001/response/{w4.pk}/#field-date$"))
    field = page.locator("#field-date")
    expect(field).to_be_in_viewport()
    expect(field).to_contain_text("The marrow report is dated a day later")
    outline = field.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline == "solid"  # the :target highlight
    screenshot("landed-on-field")


def test_a_bad_filter_is_said_on_the_page(page, sign_in, coordinator_user):
    sign_in("ana")
    response = page.goto("/queries/?show=pending")
    assert response.status == 400
    expect(page.get_by_role("alert")).to_contain_text("Status: pending is not one of")
