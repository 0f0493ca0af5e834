"""In Chromium: the main pages pass an automated accessibility audit (axe-core, vendored in
tests/e2e/vendor/) with no serious or critical violations, and at 390 px wide (a phone) no page
scrolls sideways: wide tables scroll inside their own box. Screenshots of the casebook and a CRF
form at 390 px are saved in test-artifacts/."""

from pathlib import Path

import pytest

from exchange.demo_trial import demo_bundle
from exchange.services import bundle_import_json
from safety.models import DltCandidate
from tests import factories
from tests.dlt import reconcile_candidates
from tests.e2e.conftest import PASSWORD, signed_in_tab

pytestmark = pytest.mark.e2e

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
SLOW_PAGE_MS = 60_000  # the report draws its plots server-side
PHONE = {"width": 390, "height": 844}


def audit(page) -> list[dict]:
    """axe-core's serious and critical violations on the page on screen (WCAG 2.1 A and AA).
    The script is evaluated through the DevTools protocol, so the site's
    Content-Security-Policy (no inline scripts) stays as it is."""
    page.evaluate(AXE)
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: "tag",
            values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]


def sideways_overflow(page) -> int:
    """How many pixels the page is wider than the window (0: no sideways page scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.fixture
def trial(transactional_db):
    bundle_import_json(demo_bundle(12, seed=7), replace=True)
    reconcile_candidates()
    factories.user("coordinator", username="ana", password=PASSWORD)
    factories.user("investigator", username="ivan", password=PASSWORD)
    candidate = DltCandidate.objects.order_by("pk").first()
    return {"subject": "RD-001",
            "dlt": f"/dlt-review/{candidate.adverse_event_id}/" if candidate else "/dlt-review/"}


def pages(trial) -> list[tuple[str, str, str]]:
    """(user, label, url) of the audited pages."""
    subject = trial["subject"]
    return [("ana", "home", "/"), ("ana", "patient list", "/patients/"),
            ("ana", "casebook", f"/patients/{subject}/"),
            ("ana", "CRF form", f"/patients/{subject}/adverse-event/new/"),
            ("ivan", "DLT review", trial["dlt"]),
            ("ivan", "report", "/reports/?cutoff=2025-06-30")]


@pytest.mark.parametrize("width", [1280, 390])
def test_the_main_pages_have_no_serious_accessibility_violations(browser, live_server, trial,
                                                                 width):
    found, overflowing = {}, {}
    for user in ("ana", "ivan"):
        context, page = signed_in_tab(browser, live_server, user, width=width,
                                      timeout_ms=SLOW_PAGE_MS)
        for who, label, url in pages(trial):
            if who != user:
                continue
            response = page.goto(url)
            assert response.status == 200, (label, url, response.status)
            page.wait_for_load_state("networkidle")
            if violations := audit(page):
                found[label] = violations
            if width == 390 and (extra := sideways_overflow(page)) > 0:
                overflowing[label] = extra
        context.close()
    assert not found, found
    assert not overflowing, f"pages wider than 390 px (px too wide): {overflowing}"


def test_the_casebook_and_a_crf_form_at_390_px(browser, live_server, trial, screenshot, page,
                                                sign_in):
    page.set_viewport_size(PHONE)
    sign_in("ana")
    for label, url in (("casebook-390px", f"/patients/{trial['subject']}/"),
                       ("crf-form-390px", f"/patients/{trial['subject']}/adverse-event/new/")):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        assert sideways_overflow(page) <= 0, label
        screenshot(label)
