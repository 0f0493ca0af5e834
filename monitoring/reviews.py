"""Source-data verification, form locks and casebook locks: the monitor's services.

A locked record (or every record of a locked casebook) cannot be added, edited or voided by anyone,
through any path, until a monitor unlocks it with a reason: `monitoring.locks` enforces it.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.audit import record_save
from core.text_rules import is_blank
from core.text_validators import required_text
from monitoring.locks import FORM_LOCKED
from monitoring.models import CasebookLock, FormReview


def review_of(record) -> FormReview | None:
    """The record's review row, if a monitor has verified or locked it: one query."""
    return FormReview.objects.filter(record_type=ContentType.objects.get_for_model(record),
                                     record_id=record.pk).select_related(
        "verified_by", "locked_by").first()


def _review_for(record, patient) -> FormReview:
    return review_of(record) or FormReview(
        patient=patient, record_type=ContentType.objects.get_for_model(record),
        record_id=record.pk)


def form_verify(*, record, patient, by) -> FormReview:
    """Mark the record's current version source-data-verified."""
    review = _review_for(record, patient)
    review.verified_row_version = record.row_version
    review.verified_by, review.verified_at = by, timezone.now()
    return record_save(review, by=by, reason=f"source verified (version {record.row_version})")


def form_lock(*, record, patient, by, reason: str = "") -> FormReview:
    """Lock the record against any change; why is optional (the casebook lock asks for it)."""
    review = _review_for(record, patient)
    if review.is_locked:
        raise ValidationError("This form is already locked.")
    review.locked_by, review.locked_at = by, timezone.now()
    why = "" if is_blank(reason) else reason.strip()
    return record_save(review, by=by, reason=f"{FORM_LOCKED}: {why}" if why else FORM_LOCKED)


def form_unlock(*, record, by, reason: str) -> FormReview:
    """Open a locked form for changes again; the reason is kept in the review's history."""
    review = review_of(record)
    if review is None or not review.is_locked:
        raise ValidationError("This form is not locked.")
    reason = _reason(reason, "unlock a form")
    review.locked_by = review.locked_at = None
    return record_save(review, by=by, reason=f"unlocked: {reason}")


def _reason(reason: str, action: str) -> str:
    return required_text(reason, field="reason", message=f"A reason is required to {action}.")


def casebook_lock_of(patient) -> CasebookLock | None:
    """The patient's casebook lock row, locked or not (None if never locked): one query."""
    return CasebookLock.objects.filter(patient=patient).select_related("locked_by").first()


def casebook_lock(*, patient, by, reason: str) -> CasebookLock:
    """Lock every form of the patient against any change (e.g. before the database lock)."""
    reason = _reason(reason, "lock a casebook")
    lock = casebook_lock_of(patient) or CasebookLock(patient=patient)
    if lock.is_locked:
        raise ValidationError(f"The casebook of {patient.subject_id} is already locked.")
    lock.locked_by, lock.locked_at = by, timezone.now()
    return record_save(lock, by=by, reason=f"casebook locked: {reason}")


def casebook_unlock(*, patient, by, reason: str) -> CasebookLock:
    """Open the patient's forms for changes again; the reason is kept in the lock's history."""
    lock = casebook_lock_of(patient)
    if lock is None or not lock.is_locked:
        raise ValidationError(f"The casebook of {patient.subject_id} is not locked.")
    reason = _reason(reason, "unlock a casebook")
    lock.locked_by = lock.locked_at = None
    return record_save(lock, by=by, reason=f"casebook unlocked: {reason}")
