"""The casebook's timeline: a patient's dated events from consent to the last contact, with the
study day (day 0 = first infusion), built from the records the casebook already loaded."""

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from dosing.models import Infusion, Lymphodepletion
from efficacy.models import Death, DiseaseEvent, Hsct, ResponseAssessment
from monitoring.models import ProtocolDeviation
from patients.models import (
    BridgingTherapy,
    DiseaseAtScreening,
    EligibilityAssessment,
    FollowUpContact,
    LtfuVisit,
)
from patients.schedule import study_day
from safety.models import AdverseEvent, DltAdjudication, SecondaryMalignancy


@dataclass(frozen=True)
class Event:
    on: date
    study_day: int | None
    what: str


def _as_date(value) -> date:
    return timezone.localtime(value).date() if isinstance(value, datetime) else value


def _record_events(record) -> list[tuple[date | None, str]]:
    match record:
        case EligibilityAssessment():
            verdict = "eligible" if record.is_eligible else "not eligible"
            return [(record.assessed_on, f"Eligibility assessed: {verdict}")]
        case DiseaseAtScreening():
            return [(record.assessed_on, f"Disease at screening: {record.cns_status}")]
        case BridgingTherapy():
            return [(record.start_date, f"Bridging therapy starts: {record.regimen}"),
                    (record.end_date, f"Bridging therapy ends: {record.regimen}")]
        case Lymphodepletion():
            return [(record.start_date, f"Lymphodepletion starts ({record.days} days)")]
        case Infusion():
            return [(record.date, f"Infusion {record.number} at {record.dose_level.code}")]
        case AdverseEvent():
            return [(record.onset_date, f"Onset: {record.term}, grade {record.grade}"),
                    (record.resolution_date, f"Resolved: {record.term}")]
        case DltAdjudication():
            return [(record.signed_at, f"DLT adjudication: {record.get_decision_display()}")]
        case ResponseAssessment():
            return [(record.date, f"Response assessment {record.visit}: {record.response}")]
        case DiseaseEvent():
            site = f" ({record.site})" if record.site else ""
            return [(record.date, f"{record.get_type_display()}{site}")]
        case Hsct():
            return [(record.date, "HSCT")]
        case Death():
            return [(record.date, f"Death: {record.get_cause_display().lower()}")]
        case SecondaryMalignancy():
            return [(record.diagnosis_date,
                     f"Secondary malignancy: {record.get_malignancy_type_display()}")]
        case FollowUpContact():
            return [(record.contact_date, f"Follow-up contact: {record.get_method_display()}")]
        case LtfuVisit():
            return [(record.contact_date, f"Long-term follow-up {record.visit}: "
                                          f"{record.get_vital_status_display().lower()}")]
        case ProtocolDeviation():
            return [(record.deviation_date,
                     f"Protocol deviation: {record.get_category_display().lower()}")]
    # PK samples and RCL tests have their own schedule tables; vital signs, medical history and
    # prior therapy their casebook sections
    return []


def chronicle(patient, sections) -> list[Event]:
    """Every dated event, oldest first; `patient` annotated with `first_infusion_date`."""
    day0 = getattr(patient, "first_infusion_date", None)
    dated = [(patient.consent_date, "Consent"), (patient.enrollment_date, "Enrollment"),
             (patient.off_study_date, f"Off study: {patient.off_study_reason}")]
    for section in sections:
        for record, _ in section.rows:
            dated.extend(_record_events(record))
    events = [Event(_as_date(on), study_day(day0, _as_date(on)) if day0 else None, what)
              for on, what in dated if on is not None]
    return sorted(events, key=lambda e: e.on)
