"""In Chromium: a monitor locks a casebook; the coordinator can no longer edit any of its forms;
the monitor unlocks it with a reason, the coordinator edits again, and the lock's audit trail on
the casebook shows both steps with their reasons."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import preview_answered

pytestmark = pytest.mark.e2e


@pytest.mark.requirement("CON-ROLE-03")
def test_a_locked_casebook_cannot_be_edited_until_unlocked_with_a_reason(
        page, sign_in, screenshot, coordinator_user, monitor_user, infused_adverse_event):
    # given: an infused patient with an adverse event, and a monitor
    record = f"/patients/RD-001/adverse-event/{infused_adverse_event.pk}/"

    # when the monitor locks the casebook
    sign_in("mona")
    page.goto("/patients/RD-001/")
    page.get_by_label("Why lock the casebook").fill("All queries closed: ready for lock")
    page.get_by_role("button", name="Lock casebook").click()
    expect(page.get_by_text("Casebook locked.")).to_be_visible()
    screenshot("casebook-locked")
    page.get_by_role("button", name="Sign out").click()

    # then the coordinator sees it locked and cannot open a form for editing
    sign_in("ana")
    page.goto("/patients/")
    expect(page.locator("tbody tr").first).to_contain_text("locked")
    page.goto("/patients/RD-001/")
    expect(page.get_by_role("link", name="Add adverse event")).to_have_count(0)
    page.goto(record)
    expect(page.get_by_text("The casebook of RD-001 was locked by Test Monitor")).to_be_visible()
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    page.goto(record + "edit/")  # a typed URL is refused too
    expect(page.get_by_role("heading", name="Adverse event")).to_be_visible()
    expect(page.get_by_text("no form of this patient can be added, changed or voided").first) \
        .to_be_visible()
    screenshot("coordinator-refused")
    page.get_by_role("button", name="Sign out").click()

    # when the monitor unlocks it with a reason
    sign_in("mona")
    page.goto("/patients/RD-001/")
    page.get_by_label("Why unlock the casebook").fill("Late lab result to enter")
    page.get_by_role("button", name="Unlock casebook").click()
    expect(page.get_by_text("Casebook unlocked.")).to_be_visible()

    # then the lock's audit trail shows both steps, who and why
    trail = page.locator("table.lock-trail")
    expect(trail).to_contain_text("casebook locked: All queries closed: ready for lock")
    expect(trail).to_contain_text("casebook unlocked: Late lab result to enter")
    expect(trail.locator("tbody tr")).to_have_count(2)
    screenshot("casebook-lock-audit-trail")
    page.get_by_role("button", name="Sign out").click()

    # and the coordinator can edit again
    sign_in("ana")
    page.goto(record)
    with preview_answered(page):
        page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", name="Edit adverse event")).to_be_visible()
