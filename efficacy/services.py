"""Efficacy glue: each response assessment beside the category the rules derive from its values.

One query for the assessments and one for the patients' baselines, whatever the trial's size;
`efficacy.response.derive_response` (pure) does the judging, with each patient's context built
in date order (nadir of the earlier on-study marrow values, whether a CR/CRi came before).
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Min

from dosing.models import Infusion
from patients.models import Patient
from trial_edc.fast_reads import values_rows

from .models import ResponseAssessment, Visit
from .response import AssessmentValues, DerivedResponse, ResponseContext, derive_response


@dataclass(frozen=True)
class AssessmentRow:
    subject_id: str
    visit: str
    date: date
    day: int | None  # study day; None if the patient was not infused
    recorded: str
    derived: DerivedResponse


def assessment_rows(cutoff: date | None = None) -> list[AssessmentRow]:
    baselines = dict(Patient.objects.values_list("pk", "screening_marrow_blasts_pct"))
    subjects = dict(Patient.objects.values_list("pk", "subject_id"))
    day0 = dict(Infusion.objects.values("patient_id").annotate(first=Min("date"))
                .values_list("patient_id", "first"))
    assessments = ResponseAssessment.objects.order_by("patient_id", "date", "pk")
    if cutoff is not None:
        assessments = assessments.filter(date__lte=cutoff)
    rows, patient, nadir, prior_cr = [], None, None, False
    for patient_id, visit, on, response, marrow, *values in values_rows(
            assessments, "patient_id", "visit", "date", "response", "marrow_blasts_pct",
            "peripheral_blasts", "extramedullary", "anc_per_uL", "platelets_per_uL"):
        if patient_id != patient:
            patient, nadir, prior_cr = patient_id, None, False
        context = ResponseContext(screening_marrow_blasts_pct=baselines.get(patient_id),
                                  nadir_marrow_blasts_pct=nadir, prior_cr=prior_cr)
        derived = derive_response(AssessmentValues(marrow, *values), context)
        first = day0.get(patient_id)
        rows.append(AssessmentRow(subjects[patient_id], visit, on,
                                  (on - first).days if first else None, response, derived))
        if visit != Visit.SCREENING and marrow is not None:
            nadir = marrow if nadir is None else min(nadir, marrow)
        prior_cr = prior_cr or response in ("CR", "CRi")
    return rows
