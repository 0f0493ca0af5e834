"""In Chromium: a sponsor opens the endpoint report from the navigation, reads its plots, and
moves the data cutoff back to see the trial as it stood then."""

import pytest
from playwright.sync_api import expect

from exchange.demo_trial import demo_bundle
from exchange.services import bundle_import_json
from tests import factories

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-test-passphrase"
# Plots are drawn server-side: a cold page on a busy machine needs longer than a CRF page.
REPORT_TIMEOUT_MS = 60_000


@pytest.mark.requirement("CON-ROLE-04")
def test_a_sponsor_reads_the_report_and_changes_the_cutoff(page, sign_in, screenshot,
                                                           transactional_db):
    # given: the demo trial and a sponsor
    bundle_import_json(demo_bundle(12, seed=7), replace=True)
    factories.user("sponsor", username="acme", password=PASSWORD)
    page.set_default_timeout(REPORT_TIMEOUT_MS)

    # when the sponsor opens the report at the demo trial's data date
    sign_in("acme")
    page.get_by_role("link", name="Reports").click()
    page.get_by_label("Data cutoff").fill("2025-06-30")
    page.get_by_role("button", name="Show").click()

    # then the tables and every plot are there, and the snapshot's freshness is stated
    expect(page.get_by_role("heading", name="Dose-limiting toxicities by dose level")
           ).to_be_visible()
    expect(page.locator("#freshness")).to_contain_text("Snapshot computed at")
    expect(page.locator("section.plot svg")).to_have_count(6)
    expect(page.locator("#plot-swimmer svg [id^='swimmer-bar-']")).to_have_count(12)
    enrolled = page.locator("#populations td").first.inner_text()
    screenshot("report-2025-06-30")

    # when the cutoff moves back a year and a half
    page.get_by_label("Data cutoff").fill("2023-12-31")
    page.get_by_role("button", name="Show").click()

    # then the page shows the trial as it stood then
    expect(page).to_have_url("/reports/?cutoff=2023-12-31")
    expect(page.get_by_label("Data cutoff")).to_have_value("2023-12-31")
    assert int(page.locator("#populations td").first.inner_text()) < int(enrolled)
    expect(page.get_by_role("link", name="PDF for the safety review committee")).to_have_attribute(
        "href", "/reports/report.pdf?cutoff=2023-12-31")
    expect(page.get_by_role("link", name="Patients")).to_have_count(0)
    screenshot("report-2023-12-31")
