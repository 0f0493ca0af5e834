"""The DLT candidates as the live recompute brings them in line, on a chosen day: the
production path (`endpoints.trial_rows.read_trial_rows` → `safety.services.safety_rows_of` →
`dlt_candidates_reconcile`), with `today` set by the test instead of the clock."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from endpoints.trial_rows import read_trial_rows
from safety.services import (
    SafetyRow,
    dlt_candidates_reconcile,
    read_graded_details,
    safety_rows_of,
)


def trial_safety_rows() -> list[SafetyRow]:
    """Every current adverse event as the recompute reads it."""
    rows = read_trial_rows()
    return safety_rows_of(rows.adverse_events, read_graded_details(), rows.day0(),
                          rows.cytopenia_counts)


@transaction.atomic
def reconcile_candidates(*, today: date | None = None) -> dict[str, int]:
    """Raise, update and void the rules' candidates as a recompute on `today` would."""
    return dlt_candidates_reconcile(trial_safety_rows(),
                                    today=today or timezone.localdate()).counts
