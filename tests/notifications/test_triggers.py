"""Who is told of what, at once, and what the message carries (the subject ID, nothing else of
the patient). E-mail runs eagerly here (no broker): the outbox row is written in the save's
transaction, and sent after the commit into Django's test mailbox."""

from datetime import UTC, datetime, timedelta

import pytest

from core.audit import record_save, record_void
from monitoring import services as queries
from notifications.models import Kind, Notification
from notifications.outbox import NO_ADDRESS, NO_SAFETY_CONTACT
from safety.models import DltCandidate
from tests import factories
from tests.dlt import reconcile_candidates
from tests.notifications.conftest import SAFETY_CONTACT

pytestmark = pytest.mark.django_db

AWARE = datetime(2024, 3, 25, 9, 30, tzinfo=UTC)
# What the patient's records say that no e-mail may carry.
NARRATIVE = "Found collapsed at home by her husband; admitted to St Mary's ward 4"
QUESTION = "Source note at Dr Okafor's clinic says 38.2, not 39.1?"
ANSWER = "Corrected from the nursing chart of Mrs Jones"


def serious_event(patient, **fields):
    values = dict(serious=True, grade=3, site_aware_at=AWARE, narrative=NARRATIVE,
                  term="Febrile neutropenia")
    return factories.adverse_event(patient, **{**values, **fields})


def assert_only_subject_id(message, *secrets):
    text = message.subject + "\n" + message.body
    for secret in (NARRATIVE, QUESTION, ANSWER, "Febrile neutropenia", "Cytokine release",
                   "Test Investigator", "Test Coordinator", "Test Monitor", *secrets):
        assert secret not in text, f"{secret!r} is in the e-mail"


def test_an_sae_tells_the_investigator_and_the_safety_contact_with_the_deadline(
        staff, infused_patient, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        adverse_event = serious_event(infused_patient)

    assert sorted(m.to[0] for m in mailoutbox) == ["pi@site.example", SAFETY_CONTACT]
    for message in mailoutbox:
        assert message.subject == ("[RD13-02-PH1] SAE entered for subject RD-001: report by "
                                   "2024-03-26 09:30 UTC")
        assert "within 24 hours" in message.body and "RD-001" in message.body
        assert_only_subject_id(message)
    rows = Notification.objects.order_by("recipient_key")
    assert [(r.kind, r.recipient_key, r.record_id, r.subject_id, r.attempts) for r in rows] == [
        (Kind.SAE, f"address:{SAFETY_CONTACT}", adverse_event.pk, "RD-001", 1),
        (Kind.SAE, f"user:{staff['investigator'].pk}", adverse_event.pk, "RD-001", 1)]
    assert all(r.sent_at is not None and r.last_error == "" for r in rows)


def test_an_sae_without_awareness_time_counts_from_its_onset_day(
        staff, infused_patient, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        serious_event(infused_patient, site_aware_at=None)
    onset = infused_patient.consent_date + timedelta(days=13)
    assert mailoutbox[0].subject.endswith(f"report by {onset + timedelta(days=1):%Y-%m-%d} "
                                          "00:00 UTC")


def test_an_event_made_serious_later_is_told_once(staff, infused_patient, mailoutbox,
                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        adverse_event = factories.adverse_event(infused_patient, grade=3)
    assert mailoutbox == [] and not Notification.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        adverse_event.serious, adverse_event.site_aware_at = True, AWARE
        adverse_event.sae_hospitalisation = True
        record_save(adverse_event, by=staff["coordinator"], reason="hospitalised: an SAE")
        adverse_event.grade = 4
        record_save(adverse_event, by=staff["coordinator"], reason="worsened")

    assert len(mailoutbox) == 2  # the investigator and the safety contact, once each
    assert Notification.objects.filter(kind=Kind.SAE).count() == 2


def test_who_cannot_be_reached_is_recorded_as_not_sent(infused_patient, settings, mailoutbox,
                                                      django_capture_on_commit_callbacks):
    # given an investigator without an address and no safety contact configured
    settings.SAFETY_CONTACT_EMAIL = ""
    investigator = factories.user("investigator")
    with django_capture_on_commit_callbacks(execute=True):
        serious_event(infused_patient)
    assert mailoutbox == []
    rows = {r.recipient_key: r for r in Notification.objects.all()}
    assert rows[f"user:{investigator.pk}"].last_error == NO_ADDRESS
    assert rows["address:safety-contact"].last_error == NO_SAFETY_CONTACT
    assert all(r.sent_at is None and r.attempts == 0 for r in rows.values())


def test_a_query_raised_tells_the_coordinator_and_answered_tells_its_monitor(
        staff, infused_patient, mailoutbox, django_capture_on_commit_callbacks):
    adverse_event = factories.adverse_event(infused_patient, grade=3)
    factories.user("coordinator", username="crc-two")  # no address: recorded, not sent
    with django_capture_on_commit_callbacks(execute=True):
        query = queries.query_raise(record=adverse_event, patient=infused_patient,
                                    field_name="grade", question=QUESTION, by=staff["monitor"])
    [raised] = mailoutbox
    assert raised.to == ["crc@site.example"]
    assert raised.subject == f"[RD13-02-PH1] Data query #{query.pk} raised for subject RD-001"
    assert "adverse event, field grade" in raised.body

    with django_capture_on_commit_callbacks(execute=True):
        queries.query_answer(query=query, answer=ANSWER, by=staff["coordinator"])
    answered = mailoutbox[1]
    assert answered.to == ["cra@cro.example"]
    assert answered.subject == f"[RD13-02-PH1] Data query #{query.pk} answered for subject RD-001"

    with django_capture_on_commit_callbacks(execute=True):
        queries.query_reopen(query=query, by=staff["monitor"], reason="still unclear")
        queries.query_answer(query=query, answer=ANSWER, by=staff["coordinator"])
        queries.query_close(query=query, by=staff["monitor"])
    assert [m.to[0] for m in mailoutbox[2:]] == ["crc@site.example", "cra@cro.example"]
    assert "re-opened" in mailoutbox[2].subject
    for message in mailoutbox:
        assert_only_subject_id(message)
    assert Notification.objects.filter(kind=Kind.QUERY_RAISED).count() == 4  # 2 steps × 2


def test_a_dlt_candidate_raised_by_the_rules_tells_the_investigators_once(
        staff, infused_patient, mailoutbox, django_capture_on_commit_callbacks):
    from endpoints.snapshots import recompute

    # given a grade 5 event (rule D1), not serious so that only the DLT rules speak
    factories.adverse_event(infused_patient, grade=5, outcome="fatal")
    with django_capture_on_commit_callbacks(execute=True):
        recompute()
        recompute()
    # then one e-mail per candidate, the second recompute telling nobody again
    assert sorted(m.subject for m in mailoutbox) == sorted(
        f"[RD13-02-PH1] DLT candidate for subject RD-001 (rule {c.rule})"
        for c in DltCandidate.objects.all())
    assert "(rule D1)" in " ".join(m.subject for m in mailoutbox)
    for message in mailoutbox:
        assert message.to == ["pi@site.example"]
        assert_only_subject_id(message)


def test_the_candidate_of_a_voided_event_is_not_told(staff, infused_patient,
                                                               mailoutbox):
    from notifications.triggers import notify_dlt_candidates

    adverse_event = factories.adverse_event(infused_patient, grade=5, outcome="fatal")
    reconcile_candidates()
    record_void(adverse_event, by=staff["coordinator"], reason="entered in error")
    assert notify_dlt_candidates() == 0
    assert not Notification.objects.exists()


def test_a_voided_serious_event_is_not_told(staff, infused_patient, mailoutbox):
    adverse_event = factories.adverse_event(infused_patient, grade=3)
    adverse_event.serious = True
    record_void(adverse_event, by=staff["coordinator"], reason="entered in error")
    assert not Notification.objects.exists()


def test_telling_of_dlt_candidates_takes_the_same_queries_for_one_or_many(staff, infused_patient):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.triggers import notify_dlt_candidates

    def queries_to_tell() -> tuple[int, int]:
        reconcile_candidates()
        with CaptureQueriesContext(connection) as captured:
            told = notify_dlt_candidates()
        return told, len(captured)

    factories.adverse_event(infused_patient, grade=5, outcome="fatal")
    one, one_queries = queries_to_tell()
    for number in (2, 3, 4):
        patient = factories.patient(f"RD-00{number}")
        factories.lymphodepletion(patient)
        factories.infusion(patient)
        factories.adverse_event(patient, grade=5, outcome="fatal")
    many, many_queries = queries_to_tell()
    assert many == 3 * one and many_queries == one_queries
