"""Edit checks of the PK sample form. Declared once here (`core.edit_checks`); listed in
docs/edit-checks.md."""

from datetime import datetime

from django.utils import timezone

from core.edit_checks import HARD, SOFT, EditCheck, declare
from dosing.edit_checks import outside_window
from patients.schedule import PK_SAMPLES
from pk.models import PkSample

_WINDOWS = {w.key: w for w in PK_SAMPLES}


def _local_date(moment: datetime):
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def _already_recorded(sample, records):
    if sample.collected_at is None:
        return None
    for other in records.of(PkSample):
        if other.matrix == sample.matrix and other.collected_at == sample.collected_at:
            return (f"a {sample.get_matrix_display().lower()} sample of "
                    f"{records.patient.subject_id} collected at "
                    f"{timezone.localtime(sample.collected_at).isoformat()} is already recorded")
    return None


def _outside_window(sample, records):
    window = _WINDOWS.get(sample.nominal_day)
    if window is None or sample.collected_at is None:
        return None
    message = outside_window(window, _local_date(sample.collected_at), records,
                             f"the day-{sample.nominal_day} sample, collected")
    return message and f"{message}: a sampling-window deviation"


ALREADY_RECORDED = EditCheck("EC-PK-01", HARD, "collected_at", "PK sample already recorded",
                             _already_recorded)
OUTSIDE_WINDOW = EditCheck("EC-PK-02", SOFT, "collected_at", "PK sample outside its window",
                           _outside_window)


def declare_checks():
    declare(PkSample, ALREADY_RECORDED, OUTSIDE_WINDOW)
