"""Source-data verification and form locks: services the record page and the CRF views call.

A locked record cannot be edited or voided in the browser by anyone until a monitor unlocks it
with a reason (`FormLockedError` from `require_unlocked`, which CRF entry calls before saving).
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone

from trial_edc.audit import record_save

from .models import FormReview


class FormLockedError(Exception):
    def __init__(self, review: FormReview):
        self.review = review
        super().__init__(f"This form was locked by {review.locked_by} on "
                         f"{review.locked_at:%Y-%m-%d %H:%M}; a monitor must unlock it before "
                         "it can be changed.")


def review_of(record) -> FormReview | None:
    """The record's review row, if a monitor has verified or locked it: one query."""
    return FormReview.objects.filter(record_type=ContentType.objects.get_for_model(record),
                                     record_id=record.pk).select_related(
        "verified_by", "locked_by").first()


def require_unlocked(record) -> None:
    review = review_of(record)
    if review is not None and review.is_locked:
        raise FormLockedError(review)


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


def form_lock(*, record, patient, by) -> FormReview:
    review = _review_for(record, patient)
    if review.is_locked:
        raise ValidationError("This form is already locked.")
    review.locked_by, review.locked_at = by, timezone.now()
    return record_save(review, by=by, reason="locked")


def form_unlock(*, record, by, reason: str) -> FormReview:
    """Open a locked form for changes again; the reason is kept in the review's history."""
    review = review_of(record)
    if review is None or not review.is_locked:
        raise ValidationError("This form is not locked.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "A reason is required to unlock a form."})
    review.locked_by = review.locked_at = None
    return record_save(review, by=by, reason=f"unlocked: {reason.strip()}")
