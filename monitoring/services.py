"""The query cycle: raise → answer → close, or re-open. Every step is an audited save."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.audit import record_save
from core.text_rules import is_blank
from core.text_validators import required_text
from monitoring.models import DataQuery, QueryStatus


def _require(text: str, what: str) -> str:
    return required_text(text, field=what, message="This field is required.")


def query_raise(*, record, patient, field_name: str, question: str, by) -> DataQuery:
    """A monitor's question on `record` (one field of it, or all of it when `field_name` is "")."""
    query = DataQuery(patient=patient, record_type=ContentType.objects.get_for_model(record),
                      record_id=record.pk, field_name=field_name,
                      question=_require(question, "question"), raised_by=by)
    return record_save(query, by=by)


def query_answer(*, query: DataQuery, answer: str, by) -> DataQuery:
    if query.status != QueryStatus.OPEN:
        raise ValidationError(f"Only an open query can be answered; this one is {query.status}.")
    query.answer = _require(answer, "answer")
    query.answered_by, query.answered_at = by, timezone.now()
    query.status = QueryStatus.ANSWERED
    return record_save(query, by=by, reason=f"answered: {query.answer}")


def query_close(*, query: DataQuery, by, note: str = "") -> DataQuery:
    """Close the query, with the monitor's comment if one is given (kept on the query and in
    its audit trail; "resolved" when none)."""
    if query.status == QueryStatus.CLOSED:
        raise ValidationError("This query is already closed.")
    note = "" if is_blank(note) else note.strip()
    query.status, query.closed_by, query.closed_at = QueryStatus.CLOSED, by, timezone.now()
    query.close_comment = note
    return record_save(query, by=by, reason=f"closed: {note or 'resolved'}")


def query_reopen(*, query: DataQuery, by, reason: str) -> DataQuery:
    """Back to open when the answer or the correction does not settle it; a reason is needed."""
    if query.status == QueryStatus.OPEN:
        raise ValidationError("This query is already open.")
    reason = _require(reason, "reason")
    query.status, query.closed_by, query.closed_at = QueryStatus.OPEN, None, None
    query.close_comment = ""  # the earlier close and its comment stay in the history
    return record_save(query, by=by, reason=f"re-opened: {reason}")
