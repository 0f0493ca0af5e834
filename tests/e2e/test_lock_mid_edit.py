"""In Chromium, two people at once: a coordinator is typing a correction to an adverse event when
a monitor, elsewhere, locks the casebook. Her save is refused on the form itself: everything she
typed is still on screen, with who locked the casebook, when and why; nothing is saved."""

import pytest
from playwright.sync_api import expect

from safety.models import AdverseEvent
from tests.e2e.conftest import preview_answered, signed_in_tab

pytestmark = pytest.mark.e2e


def test_a_lock_arriving_mid_edit_keeps_what_was_typed(browser, live_server, page, sign_in,
                                                       save, screenshot, coordinator_user,
                                                       monitor_user, infused_adverse_event):
    record = f"/patients/RD-001/adverse-event/{infused_adverse_event.pk}/"
    # given: the coordinator has the edit form open and is typing
    sign_in("ana")
    with preview_answered(page):
        page.goto(record + "edit/")
    page.get_by_label("Grade").fill("2")
    page.get_by_label("Narrative").fill("Fever settled on day 3 after tocilizumab")
    page.get_by_label("Reason for change").fill("Source re-checked: grade 2")

    # when a monitor, in another browser, locks the casebook with a reason
    monitor_context, monitor = signed_in_tab(browser, live_server, "mona")
    try:
        monitor.goto("/patients/RD-001/")
        monitor.get_by_label("Why lock the casebook").fill("Ready for the database lock")
        monitor.get_by_role("button", name="Lock casebook").click()
        expect(monitor.get_by_text("Casebook locked.")).to_be_visible()
    finally:
        monitor_context.close()

    # and the coordinator saves
    save()

    # then her save is refused on the form, everything typed kept, the lock named
    banner = page.locator("#locked-meanwhile")
    expect(banner).to_contain_text("Locked while you were typing: nothing was saved")
    expect(banner).to_contain_text("The casebook of RD-001 was locked by Test Monitor on ")
    expect(banner).to_contain_text("(why: Ready for the database lock)")
    expect(page.get_by_label("Grade")).to_have_value("2")
    expect(page.get_by_label("Narrative")).to_have_value("Fever settled on day 3 after tocilizumab")
    expect(page.get_by_label("Reason for change")).to_have_value("Source re-checked: grade 2")
    expect(page.get_by_text("open for changes")).to_have_count(0)
    screenshot("lock-arrived-mid-edit")
    assert AdverseEvent.objects.get(pk=infused_adverse_event.pk).grade == 3
