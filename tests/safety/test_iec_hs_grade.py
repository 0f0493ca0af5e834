"""The IEC-HS grade follows the adverse event's grade (safety.iec_hs_grade,
docs/cart-safety.md): an edit of the event's grade carries the details along, audited; the two
can never be left disagreeing, and a locked details record refuses the change."""

import re

import pytest
from django.core.exceptions import ValidationError

from core.audit import LockedRecordError, field_changes, record_save, record_void
from exchange.dump import export_bundle
from exchange.read import BundleProblems
from exchange.services import bundle_import_json
from monitoring import reviews
from safety.models import IecHsDetails
from tests import factories

pytestmark = pytest.mark.django_db
IEC_HS = "Immune effector cell-associated HLH-like syndrome"


@pytest.fixture
def iec_hs(infused_patient):
    """A grade 3 IEC-HS event with its details."""
    event = factories.adverse_event(infused_patient, term=IEC_HS, grade=3)
    return event, factories.iec_hs_details(event)


def regrade(event, grade: int, by, reason="re-graded from the source"):
    event.grade = grade
    return record_save(event, by=by, reason=reason)


def test_a_grade_edit_of_the_event_carries_its_iec_hs_details_along(iec_hs, coordinator):
    # given
    event, details = iec_hs
    assert details.astct_grade == 3
    # when
    regrade(event, 4, coordinator)
    # then
    details.refresh_from_db()
    assert details.astct_grade == 4
    latest = details.history.first()
    assert latest.history_user == coordinator
    assert latest.history_change_reason == ("the adverse event's grade changed to 4: "
                                            "re-graded from the source")
    newest = field_changes(details)[0]
    assert (newest["who"], newest["changes"]) == (coordinator.get_username(), [
        {"field": "astct_grade", "old": 3, "new": 4}])


def test_an_edit_leaving_the_grade_alone_writes_nothing_to_the_details(iec_hs, coordinator):
    event, details = iec_hs
    versions = details.history.count()
    event.narrative = "ferritin peaked on day 13"
    record_save(event, by=coordinator, reason="narrative")
    assert details.history.count() == versions


def test_details_alone_cannot_take_another_grade(iec_hs, coordinator):
    _event, details = iec_hs
    details.astct_grade = 2
    with pytest.raises(ValidationError) as refused:
        record_save(details, by=coordinator, reason="re-graded")
    assert "astct_grade" in refused.value.message_dict
    assert IecHsDetails.objects.get(pk=details.pk).astct_grade == 3


def test_voided_details_are_left_as_they_were(iec_hs, coordinator):
    event, details = iec_hs
    record_void(details, by=coordinator, reason="entered on the wrong event")
    regrade(event, 2, coordinator)
    assert IecHsDetails.all_objects.get(pk=details.pk).astct_grade == 3


def test_locked_details_refuse_the_events_grade_change_and_nothing_is_written(
        iec_hs, coordinator, monitor):
    # given
    event, details = iec_hs
    reviews.form_lock(record=details, patient=event.patient, by=monitor)
    # when
    with pytest.raises(LockedRecordError):
        regrade(event, 4, coordinator)
    # then
    event.refresh_from_db()
    details.refresh_from_db()
    assert (event.grade, details.astct_grade) == (3, 3)


def test_the_browser_edit_of_the_event_regrades_its_details(client, iec_hs, coordinator):
    event, details = iec_hs
    client.force_login(coordinator)
    response = client.post(f"/patients/RD-001/adverse-event/{event.pk}/edit/", {
        "term": event.term, "grade": 2, "onset_date": event.onset_date.isoformat(),
        "relatedness": event.relatedness, "row_version": event.row_version,
        "reason": "grade 2 per the investigator"})
    assert response.status_code == 302, response.content.decode()[:2000]
    details.refresh_from_db()
    assert details.astct_grade == 2


def test_an_imported_event_and_details_that_disagree_are_refused_naming_the_path(iec_hs):
    # given: the casebook exported, its IEC-HS details re-graded alone
    event, _details = iec_hs
    bundle = export_bundle()
    [patient] = bundle["patients"]
    index, exported = next((i, e) for i, e in enumerate(patient["adverse_events"])
                           if e["term"] == IEC_HS)
    exported["iec_hs"]["astct_grade"] = 4
    # when
    with pytest.raises(BundleProblems) as refused:
        bundle_import_json(bundle, replace=True, confirm_soft_checks="migrated")
    # then
    [problem] = refused.value.problems
    assert problem.startswith(f"patients[0].adverse_events[{index}].iec_hs.astct_grade: ")
    assert "The adverse event is grade 3" in problem
    assert IecHsDetails.objects.get().astct_grade == 3


def test_the_browser_edit_refused_by_locked_details_says_so_and_changes_nothing(
        client, iec_hs, coordinator, monitor):
    event, details = iec_hs
    reviews.form_lock(record=details, patient=event.patient, by=monitor)
    client.force_login(coordinator)
    response = client.post(f"/patients/RD-001/adverse-event/{event.pk}/edit/", {
        "term": event.term, "grade": 4, "onset_date": event.onset_date.isoformat(),
        "relatedness": event.relatedness, "row_version": event.row_version,
        "reason": "grade 4 per the investigator"})
    assert response.status_code == 409
    # which record is locked, by whom
    assert re.search(r"IEC-HS details[^<]* was locked by", response.content.decode())
    event.refresh_from_db()
    details.refresh_from_db()
    assert (event.grade, details.astct_grade) == (3, 3)
