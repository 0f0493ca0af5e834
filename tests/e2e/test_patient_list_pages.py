"""Paging through a searched patient list in Chromium, under the strict CSP."""

import pytest
from playwright.sync_api import expect

from exchange.demo_trial import demo_bundle
from exchange.services import bundle_import_json

pytestmark = pytest.mark.e2e


def test_a_coordinator_pages_through_a_search(page, sign_in, screenshot, coordinator_user):
    # given: 60 patients, all matching "RD"
    bundle_import_json(demo_bundle(60, seed=7), replace=True)
    sign_in("ana")
    page.goto("/patients/")
    # when
    page.get_by_label("Search by subject ID or diagnosis").fill("RD")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    pages = page.get_by_role("navigation", name="Pagination")
    pages.get_by_role("link", name="Next").click()
    # then
    expect(page.get_by_text("60 match “RD”")).to_be_visible()
    expect(pages.get_by_text("Page 2 of 2")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("link", name="RD-060")).to_be_visible()
    expect(page.get_by_role("link", name="RD-050")).to_have_count(0)
    expect(page).to_have_url("/patients/?q=RD&page=2")
    screenshot("patient-list-page-2")
