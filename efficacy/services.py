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
    for a in assessments:
        if a.patient_id != patient:
            patient, nadir, prior_cr = a.patient_id, None, False
        context = ResponseContext(screening_marrow_blasts_pct=baselines.get(a.patient_id),
                                  nadir_marrow_blasts_pct=nadir, prior_cr=prior_cr)
        derived = derive_response(AssessmentValues(
            marrow_blasts_pct=a.marrow_blasts_pct, peripheral_blasts=a.peripheral_blasts,
            extramedullary=a.extramedullary, anc_per_uL=a.anc_per_uL,
            platelets_per_uL=a.platelets_per_uL), context)
        first = day0.get(a.patient_id)
        rows.append(AssessmentRow(subjects[a.patient_id], a.visit, a.date,
                                  (a.date - first).days if first else None, a.response, derived))
        if a.visit != Visit.SCREENING and a.marrow_blasts_pct is not None:
            nadir = a.marrow_blasts_pct if nadir is None else min(nadir, a.marrow_blasts_pct)
        prior_cr = prior_cr or a.response in ("CR", "CRi")
    return rows
