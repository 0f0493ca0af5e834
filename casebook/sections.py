"""A patient's casebook: every CRF of theirs, grouped by form, one query per form, with the
values derived from them beside the recorded ones (the derived response; the ASTCT grades and
open DLT candidates of each adverse event), read by the record pages' own selectors."""

from dataclasses import dataclass, field

from casebook.crfs import crf_of_model
from casebook.display import display_value, label_and_unit
from dosing.models import Infusion, Lymphodepletion
from efficacy.models import Death, DiseaseEvent, Hsct, ResponseAssessment
from efficacy.selectors import derived_responses
from labs.models import LabResult
from monitoring.models import ProtocolDeviation
from patients.models import (
    BridgingTherapy,
    DiseaseAtScreening,
    EligibilityAssessment,
    FollowUpContact,
    LtfuVisit,
    MedicalHistory,
    PriorTherapy,
    VitalSigns,
)
from pk.models import PkSample
from safety.models import (
    AdverseEvent,
    ConcomitantMedication,
    DltAdjudication,
    RclTest,
    SecondaryMalignancy,
)
from safety.selectors import derived_grades_of, dlt_flags_of

# (title, model, columns) in the order a reader follows the patient through the trial.
FORMS = (
    ("Eligibility", EligibilityAssessment, ("assessed_on",)),
    ("Medical history", MedicalHistory, ("condition", "start", "ongoing")),
    ("Prior therapies", PriorTherapy,
     ("line_number", "therapy_type", "regimen", "start", "end", "best_response",
      "hsct_donor_type", "car_t_target")),
    ("Disease at screening", DiseaseAtScreening, ("assessed_on", "cns_status")),
    ("Bridging therapies", BridgingTherapy, ("regimen", "start_date", "end_date")),
    ("Lymphodepletion", Lymphodepletion,
     ("start_date", "fludarabine_mg_m2_per_day", "cyclophosphamide_mg_m2_per_day", "days")),
    ("Infusions", Infusion,
     ("number", "date", "dose_level", "cells_per_kg", "total_cells", "viability_pct",
      "product_lot")),
    ("Adverse events", AdverseEvent,
     ("term", "grade", "onset_date", "resolution_date", "serious", "relatedness")),
    ("DLT adjudications", DltAdjudication,
     ("adverse_event", "decision", "signer_printed_name", "signed_at")),
    ("Concomitant medications", ConcomitantMedication,
     ("drug", "dose", "dose_unit", "route", "start_date", "stop_date", "ongoing",
      "treated_event")),
    ("Response assessments", ResponseAssessment,
     ("visit", "date", "marrow_blasts_pct", "mrd_pct", "extramedullary", "response")),
    ("Disease events", DiseaseEvent, ("date", "type", "site")),
    ("HSCT", Hsct, ("date", "donor_type")),
    ("Death", Death, ("date", "cause")),
    ("PK samples", PkSample,
     ("nominal_day", "collected_at", "matrix", "car_copies_per_ug_gdna", "below_lloq")),
    ("Laboratory results", LabResult,
     ("collected_at", "test", "value", "unit", "below_detection", "ref_low", "ref_high")),
    ("Secondary malignancies", SecondaryMalignancy,
     ("diagnosis_date", "malignancy_type", "sample_sent", "sample_sent_date",
      "transgene_result")),
    ("RCL tests", RclTest, ("timepoint", "sample_date", "result")),
    ("Vital signs", VitalSigns,
     ("measured_at", "timepoint", "temperature_c", "heart_rate", "systolic_bp", "diastolic_bp",
      "respiratory_rate", "spo2_pct", "oxygen_support")),
    ("Follow-up contacts", FollowUpContact, ("contact_date", "method")),
    ("Long-term follow-up", LtfuVisit,
     ("visit", "contact_date", "vital_status", "new_malignancy", "subsequent_anticancer_therapy")),
    ("Protocol deviations", ProtocolDeviation,
     ("category", "deviation_date", "identified_on", "source", "edit_check", "important",
      "withdrawn_at")),
)


@dataclass(frozen=True)
class Section:
    title: str
    headers: tuple[str, ...]
    rows: list  # (record, [values]) pairs
    slug: str | None  # the CRF's slug in URLs; None for records coordinators do not enter
    entry_noun: str = ""  # one record's name, for "Add …"
    model: type | None = None
    # Records of this form voided in error: out of the trial's data, but their page and audit
    # trail stay readable from the casebook.
    voided: list = field(default_factory=list)


def _header(field) -> str:
    """The column's label with its unit: the cells show the value and unit together."""
    label, _unit = label_and_unit(field)
    return label


def _patient_filter(model):
    field_names = {f.name for f in model._meta.get_fields()}
    return "patient" if "patient" in field_names else "adverse_event__patient"


def _order_within_patient(model) -> list[str]:
    """The model's ordering without its leading patient: one patient's records need no join to
    the patients table to be put in order."""
    return [o for o in model._meta.ordering if o != "patient"] or ["pk"]


def _derived_response(patient, records) -> tuple[tuple[str, ...], dict]:
    in_series = sorted(records, key=lambda r: (r.date, r.pk))
    derived = derived_responses(in_series, patient.screening_marrow_blasts_pct)
    return ("derived response",), {r.pk: [d.category] for r, d in zip(in_series, derived,
                                                                     strict=True)}


def _derived_safety(patient, records) -> tuple[tuple[str, ...], dict]:
    ids = [r.pk for r in records]
    grades, flags = derived_grades_of(ids), dlt_flags_of(ids)
    return ("derived ASTCT grade", "DLT candidate"), {r.pk: [
        ", ".join(f"{name} {graded.grade}" for name, graded in grades.get(r.pk, [])) or None,
        ", ".join(c.rule for c in flags.get(r.pk, [])) or None] for r in records}


def _extramedullary(_patient, records) -> tuple[tuple[str, ...], dict]:
    return ("extramedullary sites",), {r.pk: [", ".join(r.extramedullary_sites) or "none"]
                                       for r in records}


# (headers, {record id: values}) derived beside a form's own columns; a fixed number of queries.
DERIVED = {ResponseAssessment: _derived_response, AdverseEvent: _derived_safety,
           DiseaseAtScreening: _extramedullary}


def sections(patient) -> list[Section]:
    result = []
    for title, model, columns in FORMS:
        related = [c for c in columns if model._meta.get_field(c).is_relation]
        records = list(model.all_objects.filter(**{_patient_filter(model): patient})
                       .select_related(*related).order_by(*_order_within_patient(model)))
        current = [r for r in records if not r.is_voided]
        headers = tuple(_header(model._meta.get_field(c)) for c in columns)
        rows = [(r, [display_value(r, c) for c in columns]) for r in current]
        if model in DERIVED:
            derived_headers, derived = DERIVED[model](patient, current)
            headers += derived_headers
            rows = [(r, values + derived[r.pk]) for r, values in rows]
        crf = crf_of_model(model)
        result.append(Section(title, headers, rows, crf.slug if crf else None,
                              crf.noun if crf else "", model,
                              [r for r in records if r.is_voided]))
    return result
