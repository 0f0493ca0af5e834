"""The data cutoff a report may be asked for: a date from 1900-01-01 to today.

A report at a cutoff after today would describe data not yet entered (and dates near the end
of the calendar overflow the date arithmetic of the endpoints); one before the earliest
clinical date describes nothing. The API, the report pages, their plots and PDF and the
commands all apply this one rule, so they refuse the same cutoffs with the same message.
"""

from datetime import date

from core.ranges import EARLIEST_CLINICAL_DATE


class CutoffRefused(ValueError):
    """The cutoff is outside the dates a report may be cut at; the message names the rule."""


def cutoff_refusal(cutoff: date, *, today: date) -> str | None:
    """Why `cutoff` is refused (a sentence starting `cutoff:`), or None when it may be used."""
    if cutoff > today:
        return (f"cutoff: {cutoff} is after today ({today}); a report cannot be cut at a date "
                "whose data are not entered yet.")
    if cutoff < EARLIEST_CLINICAL_DATE:
        return (f"cutoff: {cutoff} is before {EARLIEST_CLINICAL_DATE}, the earliest clinical "
                "date.")
    return None


def checked_cutoff(cutoff: date, *, today: date) -> date:
    """`cutoff` itself, or CutoffRefused naming the rule it breaks."""
    if refusal := cutoff_refusal(cutoff, today=today):
        raise CutoffRefused(refusal)
    return cutoff
