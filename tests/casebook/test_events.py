"""The casebook's timeline of dated events."""

from datetime import date

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_the_casebook_timeline_runs_from_consent_with_study_days(client, coordinator,
                                                                 infused_patient):
    # given
    factories.adverse_event(infused_patient, grade=3, resolution_date=date(2024, 3, 18))
    factories.response(infused_patient, visit="W4", on=date(2024, 4, 9))
    client.force_login(coordinator)
    # when
    page = client.get("/patients/RD-001/").content.decode()
    # then: in date order, day 0 at the infusion
    expected = ["<td>Consent</td>", "<td>Enrollment</td>", "Lymphodepletion starts (3 days)",
                "<td>0</td><td>Infusion 1 at DL1</td>", "Onset: Cytokine release syndrome, grade 3",
                "Resolved: Cytokine release syndrome", "Response assessment W4: CR"]
    positions = [page.index(text) for text in expected]
    assert positions == sorted(positions)
