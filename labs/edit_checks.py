"""Edit checks of the laboratory result form. Declared once here (`core.edit_checks`); listed in
docs/edit-checks.md."""

from django.utils import timezone

from core.edit_checks import HARD, EditCheck, declare
from labs.models import LabResult


def _already_recorded(result, records):
    if result.collected_at is None or not result.test:
        return None
    for other in records.of(LabResult):
        if other.test == result.test and other.collected_at == result.collected_at:
            return (f"a {result.get_test_display()} result of {records.patient.subject_id} "
                    f"collected at {timezone.localtime(result.collected_at).isoformat()} is "
                    "already recorded")
    return None


ALREADY_RECORDED = EditCheck("EC-LAB-01", HARD, "collected_at",
                             "Laboratory result already recorded", _already_recorded)


def declare_checks():
    declare(LabResult, ALREADY_RECORDED)
