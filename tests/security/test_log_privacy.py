"""No identifying data in the logs. The models hold no names or dates of birth; what may hold
identifying details is free text (AE narratives, off-study reasons, reasons for change) and what
people type at sign-in. The audited write paths run here with every logger at DEBUG, and none of
that text may reach a log record."""

import logging

import pytest
from django.urls import reverse

from exchange.demo_trial import demo_bundle
from exchange.services import BundleProblems, bundle_import_json
from safety.models import AdverseEvent
from tests import factories
from tests.crf_payloads import form_data

pytestmark = pytest.mark.django_db

# Text of the kind a careless narrative would hold.
NAME = "Jane Q. Roe"
BORN = "born 1961-07-04"


@pytest.fixture
def all_logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def assert_not_logged(caplog, *texts):
    logged = caplog.text + "".join(str(record.args) for record in caplog.records)
    assert caplog.records, "nothing was logged at all: the capture is not working"
    for text in texts:
        assert text not in logged


def test_a_bundle_import_logs_no_free_text(all_logs):
    bundle = demo_bundle(2, seed=5)
    bundle["patients"][0]["adverse_events"][0]["narrative"] = f"Seen with {NAME}, {BORN}"
    bundle_import_json(bundle)
    bad = demo_bundle(2, seed=5)
    bad["patients"][1]["adverse_events"][0]["grade"] = f"{NAME} {BORN}"
    with pytest.raises(BundleProblems):
        bundle_import_json(bad, replace=True)
    logging.getLogger("edc.test").info("capture check")
    assert_not_logged(all_logs, NAME, BORN)


def test_crf_saves_and_refusals_log_no_free_text(all_logs, client, coordinator,
                                                 infused_patient):
    client.force_login(coordinator)
    create = "/patients/RD-001/adverse-event/new/"
    narrative = f"{NAME}, {BORN}"
    client.post(create, form_data("adverse-event", narrative=narrative))
    ae = AdverseEvent.objects.get()
    edit = f"/patients/RD-001/adverse-event/{ae.pk}/edit/"
    client.post(edit, form_data("adverse-event", grade=3, row_version=ae.row_version,
                                narrative=narrative, reason=f"told by {NAME}"))
    client.post(edit, form_data("adverse-event", grade=f"{NAME}", reason=BORN))
    ae.refresh_from_db()
    assert ae.grade == 3 and NAME in ae.narrative  # the writes did happen
    logging.getLogger("edc.test").info("capture check")
    assert_not_logged(all_logs, NAME, BORN)


def test_sign_in_and_signature_attempts_log_no_password(all_logs, client, investigator,
                                                        infused_patient):
    factories.user("coordinator", username="ana", password="correct-horse-battery")
    secret = "Wrong-Secret-Password-77"
    client.post(reverse("login"), {"username": "ana", "password": secret})
    client.force_login(investigator)
    client.post("/casebook-signature/RD-001/sign/", {"password": secret})
    assert_not_logged(all_logs, secret)
