"""Protocol deviations: entered by hand, recorded by the soft edit checks that are deviations,
assessed by the investigator. Every write is an audited save (`core.audit.record_save`).

Recorded by the system (`deviations_follow`, told after every write of a clinical record, as the
system queries are): when a writer confirms one of `DEVIATION_CHECKS`, one deviation per record
and check (a later save that confirms it again adds none); when the data are corrected (the
check no longer fires on its record, or the record is voided) it is withdrawn, with the reason,
and kept; if the record breaks the check again the same deviation is reinstated.
"""

from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone

from core import edit_checks
from core.audit import record_save, system_user
from monitoring.models import DeviationCategory, DeviationSource, ProtocolDeviation
from monitoring.services import check_still_breaks

# The soft checks that are protocol deviations: check id -> (category, the record's date field,
# the date of the deviation). Eligibility assessed before consent is a consent deviation (nothing
# of the trial may be done before consent), not an eligibility one.
DEVIATION_CHECKS = {
    "EC-ELIG-01": (DeviationCategory.INFORMED_CONSENT, "assessed_on"),
    "EC-INF-02": (DeviationCategory.DOSE, "date"),
    "EC-RESP-02": (DeviationCategory.OUT_OF_WINDOW, "date"),
    "EC-PK-02": (DeviationCategory.OUT_OF_WINDOW, "collected_at"),
}
ASSESSED = "assessed by the investigator"


def _date_of(record, name: str):
    value = getattr(record, name)
    return timezone.localtime(value).date() if isinstance(value, datetime) else value


def deviations_follow(record, fired, confirmations, by) -> None:
    """Record the deviations `record` was saved breaking (confirmed), withdraw those whose
    check no longer fires. A fixed few queries, and one per current edit-check deviation of the
    patient on another record."""
    if isinstance(record, ProtocolDeviation):
        return
    patient = edit_checks.patient_of(record)
    if patient is None or patient.pk is None:
        return
    record_type = ContentType.objects.get_for_model(record)
    fired_ids = {f.id for f in fired} if not record.is_voided else set()
    system = system_user()
    current = (ProtocolDeviation.objects.filter(patient=patient, withdrawn_at__isnull=True)
               .exclude(edit_check=""))
    for deviation in current:
        if not check_still_breaks(deviation, record, record_type, fired_ids):
            _withdraw(deviation, system)
    for finding in fired:
        if finding.id in DEVIATION_CHECKS and not record.is_voided:
            _record(record, record_type, patient, finding, confirmations, system)


def _withdraw(deviation: ProtocolDeviation, system) -> None:
    deviation.withdrawn_at = timezone.now()
    deviation.withdrawn_reason = f"the data no longer break {deviation.edit_check}"
    record_save(deviation, by=system, reason=f"withdrawn: {deviation.withdrawn_reason}")


def _record(record, record_type, patient, finding, confirmations, system) -> None:
    category, date_field = DEVIATION_CHECKS[finding.id]
    deviation = ProtocolDeviation.objects.filter(
        record_type=record_type, record_id=record.pk, edit_check=finding.id).first()
    if deviation is not None and not deviation.is_withdrawn:
        return  # one per record and check, however often it is confirmed again
    confirmed = (confirmations.get(finding.id) or "").strip()
    if deviation is None:
        deviation = ProtocolDeviation(
            patient=patient, category=category, source=DeviationSource.EDIT_CHECK,
            edit_check=finding.id, record_type=record_type, record_id=record.pk,
            identified_on=timezone.localdate())
        reason = ""
    else:
        deviation.withdrawn_at, deviation.withdrawn_reason = None, ""
        reason = f"reinstated: the data break {finding.id} again"
    deviation.deviation_date = _date_of(record, date_field)
    deviation.description = f"{finding.text()} Confirmed: {confirmed}" if confirmed \
        else finding.text()
    record_save(deviation, by=system, reason=reason)


def deviation_assess(deviation: ProtocolDeviation, *, important: bool, impact_on_safety: bool,
                     impact_on_data: bool, corrective_action: str, by) -> ProtocolDeviation:
    """The investigator's assessment (again, if already assessed: the history keeps each)."""
    if deviation.is_voided:
        raise ValidationError("A voided deviation is not assessed.")
    deviation.important = important
    deviation.impact_on_safety, deviation.impact_on_data = impact_on_safety, impact_on_data
    deviation.corrective_action = (corrective_action or "").strip()
    deviation.assessed_by, deviation.assessed_at = by, timezone.now()
    return record_save(deviation, by=by, reason=ASSESSED)
