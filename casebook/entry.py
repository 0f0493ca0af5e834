"""Saving and voiding CRF records entered in the browser: the one door is `core.audit`."""

from django.db import transaction

from core.audit import record_save, record_void


def crf_record_save(*, form, by, confirmations=None):
    """Save a valid CRF form as `by`, with the reason typed in it (none for a new record) and the
    soft edit checks the coordinator confirmed (check id → reason; `core.edit_checks`).

    The form has validated the record (field rules, the model's `clean()`, the constraints), so
    the audit layer need not repeat it; it still refuses an out-of-date edit (StaleRecordError)
    and a locked form or casebook (LockedRecordError), and an unconfirmed soft edit check
    (SoftCheckUnconfirmed).
    """
    record = form.save(commit=False)
    return record_save(record, by=by, reason=form.cleaned_data.get("reason", ""), validate=False,
                       confirmations=confirmations or {})


@transaction.atomic
def crf_record_void(*, record, by, reason: str):
    """Take an entry made in error out of the trial's data; it stays, with its history."""
    return record_void(record, by=by, reason=reason)
