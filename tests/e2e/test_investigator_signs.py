"""In Chromium: an investigator confirms a DLT candidate with an e-signature, and the endpoint
report's DLT count for the dose level goes up; the session's first signature asks for the user ID
and the password, later ones for the password (21 CFR Part 11 §11.200(a)(1))."""

from datetime import date

import pytest
from playwright.sync_api import expect

from endpoints.serving import endpoint_report
from safety.models import DltCandidate
from signoff.models import CasebookSignature
from tests import factories

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-test-passphrase"


def dl1_dlt_count() -> int:
    report = endpoint_report(recompute_if_stale=True)
    [dl1] = [row for row in report["dlt"]["by_dose_level"] if row["dose_level"] == "DL1"]
    return dl1["dlt"]


def grade_4_crs_on_day_2():
    """RD-001 with a grade 4 CRS on day 2, which the DLT rules flag (D2) when it is saved."""
    factories.user("investigator", username="ivo", password=PASSWORD)
    patient = factories.patient("RD-001")
    factories.lymphodepletion(patient)
    factories.infusion(patient)
    ae = factories.adverse_event(patient, grade=4, onset_date=date(2024, 3, 14))
    factories.crs_details(ae, max_temp_c=39.5, hypotension="multiple_vasopressors")
    assert DltCandidate.objects.filter(adverse_event=ae, rule="D2").exists()
    return ae


@pytest.mark.requirement("END-DLT-02", "CON-ROLE-02")
def test_an_investigator_confirms_a_dlt_with_an_e_signature(page, sign_in, screenshot):
    # given
    grade_4_crs_on_day_2()
    before = dl1_dlt_count()

    # when the investigator reviews the evidence and signs
    sign_in("ivo")
    page.get_by_role("link", name="DLT review").click()
    screenshot("dlt-queue")
    page.get_by_role("link", name="Cytokine release syndrome, grade 4").click()
    page.get_by_label("Confirmed DLT").check()
    page.get_by_label("Rationale").fill("Grade 4 CRS on day 2: D2 applies.")
    page.get_by_label("Your user ID (electronic signature)").fill("ivo")
    page.get_by_label("Your password (electronic signature)").fill(PASSWORD)
    screenshot("dlt-signature-form")
    page.get_by_role("button", name="Sign decision").click()

    # then the signed decision shows the signature's manifestation, and the report counts it
    expect(page.get_by_role("heading", name="Signed decision: Confirmed DLT")).to_be_visible()
    expect(page.locator(".signature")).to_contain_text("Signed by Test Investigator")
    expect(page.locator(".signature")).to_contain_text("Meaning: I confirm, as investigator")
    screenshot("dlt-signed")
    assert dl1_dlt_count() == before + 1


def test_the_first_signature_asks_for_the_user_id_later_ones_the_password(page, sign_in,
                                                                           screenshot):
    # given an investigator's new session
    grade_4_crs_on_day_2()
    sign_in("ivo")
    # when the first signature of the session is made: user ID and password
    page.get_by_role("link", name="DLT review").click()
    page.get_by_role("link", name="Cytokine release syndrome, grade 4").click()
    page.get_by_label("Confirmed DLT").check()
    page.get_by_label("Rationale").fill("Grade 4 CRS on day 2: D2 applies.")
    page.get_by_label("Your user ID (electronic signature)").fill("ivo")
    page.get_by_label("Your password (electronic signature)").fill(PASSWORD)
    page.get_by_role("button", name="Sign decision").click()
    expect(page.get_by_role("heading", name="Signed decision: Confirmed DLT")).to_be_visible()
    # then the next signature in the session asks for the password alone
    page.goto("/casebook-signature/RD-001/")
    expect(page.get_by_label("Your user ID (electronic signature)")).to_have_count(0)
    screenshot("casebook-password-only")
    page.get_by_label("Your password (electronic signature)").fill(PASSWORD)
    page.get_by_label("I sign with these").check()  # its forms are not yet verified or locked
    page.get_by_role("button", name="Sign casebook").click()
    expect(page.locator("#signature .signature")).to_contain_text("Signed by Test Investigator")
    assert CasebookSignature.objects.get().signed_by.username == "ivo"
    # and a new session starts over with both
    page.get_by_role("button", name="Sign out").click()
    sign_in("ivo")
    page.goto("/patients/RD-001/")
    page.get_by_label("Why revoke the signature").fill("late adverse event entered")
    expect(page.get_by_label("Your user ID (electronic signature)")).to_be_visible()
    screenshot("casebook-new-session-asks-user-id")
