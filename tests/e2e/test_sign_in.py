"""Signing in through the real login form, in Chromium."""

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = pytest.mark.e2e


def test_a_coordinator_signs_in_and_sees_the_patient_list(page, sign_in, screenshot,
                                                          coordinator_user):
    # given
    factories.patient("RD-001")
    factories.patient("RD-002", diagnosis="T-LBL")
    # when
    sign_in("ana")
    page.get_by_role("link", name="Patients").first.click()
    # then
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    expect(page.get_by_role("link", name="RD-001")).to_be_visible()
    expect(page.get_by_role("link", name="RD-002")).to_be_visible()
    screenshot("patient-list")


def test_a_wrong_password_is_refused_on_the_form(page, sign_in, screenshot, coordinator_user):
    sign_in("ana", password="not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("enter a correct username and password")
    screenshot("login-refused")
