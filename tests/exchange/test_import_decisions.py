"""A casebook import is the importing user's (the system user for the command, the caller for the
API), and never makes nor overturns an investigator's e-signature: a bundle's DLT decisions come
in as migrated legacy decisions, marked as such and attributed to the importing user, and a
replace is refused while a decision e-signed in this EDC is current."""

import json

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from core.accounts import user_api_token
from endpoints.snapshots import recompute
from exchange.demo_trial import demo_bundle
from exchange.dump import export_bundle
from exchange.services import BundleProblems, bundle_import_json
from patients.models import Patient
from safety.adjudication import dlt_adjudicate, dlt_adjudication_revoke
from safety.models import MIGRATED_MEANING, MIGRATED_SIGNER_NAME, DltAdjudication
from tests import factories

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-passphrase"


@pytest.fixture
def imported():
    """A small trial whose three DLT decisions came from a bundle."""
    bundle_import_json(demo_bundle(10, seed=2))
    return DltAdjudication.objects.select_related("adverse_event__patient").order_by("pk")


def sign_over(decision, investigator, verdict) -> DltAdjudication:
    """What an investigator does on the DLT review page: revoke, then sign their own."""
    dlt_adjudication_revoke(adjudication=decision, by=investigator, password=PASSWORD,
                            reason="re-reviewed the source")
    return dlt_adjudicate(adverse_event=decision.adverse_event, decision=verdict,
                          rationale="per the CRS course", by=investigator, password=PASSWORD)


def test_a_bundles_decisions_come_in_as_migrated_decisions_by_the_importer(imported):
    assert len(imported) == 3
    for decision in imported:
        assert decision.is_migrated
        assert (decision.signer_printed_name, decision.signature_meaning) == (
            MIGRATED_SIGNER_NAME, MIGRATED_MEANING)
        assert decision.signed_by.username == "system"
        assert decision.history.get().history_user.username == "system"


def test_a_replace_is_refused_while_an_investigator_e_signed_decision_is_current(
        imported, investigator):
    # given: the investigator signed "rejected" where the bundle said otherwise
    signed = sign_over(imported[0], investigator, "rejected")
    event = signed.adverse_event
    bundle = export_bundle()
    patients_before = set(Patient.objects.values_list("pk", flat=True))
    # when: a bundle saying "confirmed" replaces the trial
    for patient in bundle["patients"]:
        for adverse_event in patient["adverse_events"]:
            if adverse_event["dlt_adjudication"]:
                adverse_event["dlt_adjudication"] = "confirmed"
    with pytest.raises(BundleProblems) as refused:
        bundle_import_json(bundle, replace=True)
    # then: the problem names patient, event and signer, and says what to do; nothing changed
    assert refused.value.problems == [
        f"replace: the DLT decision (rejected) on {event.patient.subject_id}'s adverse event "
        f"{event.term} (onset {event.onset_date}) is e-signed by Test Investigator "
        f"({signed.signed_at:%Y-%m-%d}); an import may not overturn it: revoke it first on the "
        f"DLT review page (/dlt-review/{event.pk}/), with the investigator's e-signature"]
    current = DltAdjudication.objects.get(adverse_event=event)
    assert (current.pk, current.decision, current.is_voided) == (signed.pk, "rejected", False)
    assert set(Patient.objects.values_list("pk", flat=True)) == patients_before
    assert not Patient.all_objects.filter(voided_at__isnull=False).exists()


def test_once_revoked_with_a_signature_the_replace_goes_through(imported, investigator):
    signed = sign_over(imported[0], investigator, "rejected")
    bundle = export_bundle()
    dlt_adjudication_revoke(adjudication=signed, by=investigator, password=PASSWORD,
                            reason="the trial is reloaded from the source system")

    bundle_import_json(bundle, replace=True)

    assert all(d.is_migrated for d in DltAdjudication.objects.all())
    assert DltAdjudication.objects.count() == 3


def test_the_import_command_refuses_the_replace_and_prints_the_problem(
        imported, investigator, tmp_path, capsys):
    sign_over(imported[1], investigator, "confirmed")
    path = tmp_path / "trial.json"
    path.write_text(json.dumps(export_bundle()))

    with pytest.raises(SystemExit) as exit_code:
        call_command("import_casebook", str(path), "--replace")

    assert exit_code.value.code == 1
    err = capsys.readouterr().err
    assert "is e-signed by Test Investigator" in err and "nothing was imported" in err


def test_a_replace_over_migrated_decisions_only_is_accepted(imported):
    bundle_import_json(export_bundle(), replace=True)
    assert DltAdjudication.objects.count() == 3
    assert DltAdjudication.all_objects.filter(void_reason="replaced by a casebook import"
                                              ).count() == 3


def reviewed_decision():
    """A decision on an event the DLT rules flag: the review pages list those."""
    recompute()
    return DltAdjudication.objects.filter(adverse_event__dlt_candidates__isnull=False).first()


def test_the_review_page_and_queue_mark_a_migrated_decision(client, investigator, imported):
    decision = reviewed_decision()
    client.force_login(investigator)
    page = client.get(f"/dlt-review/{decision.adverse_event_id}/").content.decode()
    assert "Migrated decision:" in page and "Signed decision" not in page
    assert MIGRATED_MEANING in page and "imported by system" in page
    assert "Revoke this signed decision" in page  # an investigator may still overturn it
    queue = client.get("/dlt-review/").content.decode()
    assert "migrated from a casebook bundle, not e-signed" in queue


def test_an_investigators_decision_is_shown_as_signed(client, investigator, imported):
    signed = sign_over(reviewed_decision(), investigator, "rejected")
    client.force_login(investigator)
    page = client.get(f"/dlt-review/{signed.adverse_event_id}/").content.decode()
    assert "Signed decision: Not a DLT" in page and MIGRATED_MEANING not in page


def test_factory_decisions_are_e_signed(infused_patient):
    # The e-signed shape every other test relies on is not mistaken for a migrated one.
    decision = factories.adjudication(factories.adverse_event(infused_patient))
    assert not decision.is_migrated


def api_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {user_api_token(user)}")
    return client


def test_an_api_import_is_recorded_as_the_posting_users(admin_user):
    response = api_client(admin_user).post("/api/v1/casebook/", demo_bundle(10, seed=2),
                                           format="json")
    assert response.status_code == 201
    histories = [*Patient.history.all(), *DltAdjudication.history.all()]
    assert {(h.history_user, h.history_change_reason) for h in histories} == {
        (admin_user, "import")}
    assert all(d.signed_by == admin_user and d.is_migrated
               for d in DltAdjudication.objects.all())
    rows = api_client(admin_user).get("/api/v1/dlt-adjudications/").json()["results"]
    assert {(r["signer_role"], r["signer_printed_name"]) for r in rows} == {
        ("system", MIGRATED_SIGNER_NAME)}


def test_an_api_replace_over_an_e_signed_decision_is_a_400_naming_it(
        imported, investigator, admin_user):
    signed = sign_over(imported[2], investigator, "rejected")
    response = api_client(admin_user).post("/api/v1/casebook/?replace=true", export_bundle(),
                                           format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "1 problem(s): nothing was imported."
    [problem] = body["problems"]
    assert f"/dlt-review/{signed.adverse_event_id}/" in problem
    assert DltAdjudication.objects.get(adverse_event=signed.adverse_event) == signed
