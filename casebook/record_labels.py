"""Records and fields named as people at the site say them: "W4 response assessment · assessment
date", "Infusion 1, 12 Oct 2026", never "response assessment 80 · date".

`record_label` reads only the record and, for the details of an adverse event, the event it
belongs to (select or prefetch it: `AE_PARENT`); `field_label` reads the model's verbose names.
"""

from datetime import date

from django.core.exceptions import FieldDoesNotExist
from django.utils import dateformat, timezone
from django.utils.text import capfirst

from dosing.models import Infusion, Lymphodepletion
from efficacy.models import Death, DiseaseEvent, Hsct, ResponseAssessment, Visit
from labs.models import LabResult
from monitoring.models import ProtocolDeviation
from patients.models import (
    BridgingTherapy,
    DiseaseAtScreening,
    EligibilityAssessment,
    FollowUpContact,
    LtfuVisit,
    MedicalHistory,
    Patient,
    PriorTherapy,
    VitalSigns,
)
from pk.models import PkSample
from safety.models import AdverseEvent, ConcomitantMedication, RclTest, SecondaryMalignancy

DATE_FORMAT = "j M Y"  # 12 Oct 2026: unambiguous in every country the trial recruits in
AE_PARENT = "adverse_event"  # what the details of an adverse event need selected for their label

# A field whose verbose name is just "date" is named by what is dated.
DATE_NAMES = {
    ResponseAssessment: "assessment date", Infusion: "infusion date", Death: "date of death",
    Hsct: "transplant date", DiseaseEvent: "event date",
}


def _day(value) -> str:
    return dateformat.format(value, DATE_FORMAT) if isinstance(value, date) else "date not given"


def _local_day(moment) -> str:
    return _day(timezone.localtime(moment) if moment is not None else None)


def _visit(code: str) -> str:
    """"W4", "M6"; "Screening" and "Unscheduled" by their label."""
    if code in (Visit.SCREENING, Visit.UNSCHEDULED):
        return Visit(code).label
    return code


def record_label(record) -> str:
    """What the record is, in the words of the site: its kind and what tells it from the
    patient's others (visit, number, term, date)."""
    if isinstance(record, Patient):
        return f"Patient {record.subject_id} (enrolment)"
    if isinstance(record, ResponseAssessment):
        return f"{_visit(record.visit)} response assessment, {_day(record.date)}"
    if isinstance(record, Infusion):
        return f"Infusion {record.number}, {_day(record.date)}"
    if isinstance(record, AdverseEvent):
        return f"Adverse event {record.term} (grade {record.grade}), {_day(record.onset_date)}"
    if isinstance(record, ConcomitantMedication):
        return f"{record.drug_name}, {_day(record.start_date)}"
    if hasattr(record, "adverse_event_id") and record.adverse_event_id is not None:
        kind = capfirst(record._meta.verbose_name)
        return f"{kind} of {record_label(record.adverse_event).replace('Adverse event ', '', 1)}"
    if isinstance(record, LabResult):
        value = "" if record.value is None else f"{record.value:g} "
        return (f"{record.get_test_display()} {'< ' if record.below_detection else ''}"
                f"{value}{record.get_unit_display()}, {_local_day(record.collected_at)}")
    if isinstance(record, LtfuVisit):
        return f"{record.visit} long-term follow-up visit, {_day(record.contact_date)}"
    if isinstance(record, PkSample):
        return f"PK sample day {record.nominal_day}, {record.get_matrix_display().lower()}"
    if isinstance(record, RclTest):
        return f"RCL test {record.timepoint}, {_day(record.sample_date)}"
    if isinstance(record, SecondaryMalignancy):
        return f"Secondary malignancy, diagnosed {_day(record.diagnosis_date)}"
    if baseline := _baseline_label(record):
        return baseline
    dated = {EligibilityAssessment: "assessed_on", Lymphodepletion: "start_date",
             FollowUpContact: "contact_date", DiseaseAtScreening: "assessed_on",
             BridgingTherapy: "start_date", ProtocolDeviation: "deviation_date"}
    for model, name in dated.items():
        if isinstance(record, model):
            return f"{capfirst(model._meta.verbose_name)}, {_day(getattr(record, name))}"
    when = getattr(record, "date", None)
    kind = capfirst(record._meta.verbose_name)
    return f"{kind}, {_day(when)}" if when is not None else kind


def _baseline_label(record) -> str | None:
    """Medical history and prior therapy by what they are (their dates may be partial); vital
    signs by their time point and time."""
    if isinstance(record, MedicalHistory):
        since = f" (since {record.start})" if record.start else ""
        return f"Medical history {record.condition}{since}"
    if isinstance(record, PriorTherapy):
        return f"Prior therapy line {record.line_number}, {record.regimen} ({record.start})"
    if isinstance(record, VitalSigns):
        at = record.measured_at
        when = dateformat.format(timezone.localtime(at), f"{DATE_FORMAT} H:i") if at else \
            "time not given"
        return f"Vital signs ({record.get_timepoint_display().lower()}), {when}"
    return None


def field_label(model, field_name: str) -> str:
    """The field's verbose name ("assessment date" for a response assessment's date); "" for
    the whole record; the name itself for a field the model no longer has."""
    if not field_name:
        return ""
    if field_name == "date" and model in DATE_NAMES:
        return DATE_NAMES[model]
    try:
        return str(model._meta.get_field(field_name).verbose_name)
    except FieldDoesNotExist:  # a renamed field: an old query keeps its stored name
        return field_name
