"""Efficacy glue: each response assessment beside the category the rules derive from its values.

A fixed number of queries (the assessments, the patients' baselines, day 0) at any size;
`efficacy.response.derive_response` (pure) does the judging, with each patient's context built
in date order (nadir of the earlier on-study marrow values, whether a CR/CRi came before).
"""

from datetime import date
from typing import NamedTuple

from dosing.selectors import first_infusion_dates
from patients.models import Patient
from trial_edc.fast_reads import values_rows

from .models import ResponseAssessment, Visit
from .response import AssessmentValues, DerivedResponse, ResponseContext, derive_response


class AssessmentRow(NamedTuple):
    """A named tuple: a recompute builds one per assessment of the trial."""

    subject_id: str
    visit: str
    date: date
    day: int | None  # study day; None if the patient was not infused
    recorded: str
    derived: DerivedResponse


# The columns of one assessment as the rows read them (`read_assessments`): the loader's
# `AssessmentData` takes the first five after the patient id.
ASSESSMENT_COLUMNS = ("patient_id", "visit", "date", "response", "mrd_pct", "marrow_blasts_pct",
                      "peripheral_blasts", "extramedullary", "anc_per_uL", "platelets_per_uL")


def read_assessments(cutoff: date | None = None) -> list[tuple]:
    """Every current assessment (dated ≤ cutoff) as `ASSESSMENT_COLUMNS` rows, in date order
    within each patient."""
    assessments = ResponseAssessment.objects.order_by("patient_id", "date", "pk")
    if cutoff is not None:
        assessments = assessments.filter(date__lte=cutoff)
    return values_rows(assessments, *ASSESSMENT_COLUMNS)


def assessment_rows_of(rows: list[tuple], *, subjects: dict[int, str],
                       baselines: dict[int, float | None], day0: dict[int, date],
                       cutoff: date | None = None) -> list[AssessmentRow]:
    """`AssessmentRow`s of `read_assessments` rows (those after `cutoff` left out: only earlier
    assessments make the context of a later one, so leaving them out here or in the query is
    the same)."""
    out, patient = [], None
    for patient_id, visit, on, response, _mrd, marrow, *values in rows:
        if cutoff is not None and on > cutoff:
            continue
        if patient_id != patient:
            patient, first, nadir, prior_cr = patient_id, day0.get(patient_id), None, False
            baseline = baselines.get(patient_id)
            context = ResponseContext(screening_marrow_blasts_pct=baseline)
        derived = derive_response(AssessmentValues(marrow, *values), context)
        out.append(AssessmentRow(subjects[patient_id], visit, on,
                                 (on - first).days if first else None, response, derived))
        changed = False
        if visit != Visit.SCREENING and marrow is not None and (nadir is None or marrow < nadir):
            nadir, changed = marrow, True
        if not prior_cr and response in ("CR", "CRi"):
            prior_cr = changed = True
        if changed:  # the next assessment's context
            context = ResponseContext(baseline, nadir, prior_cr)
    return out


def assessment_rows(cutoff: date | None = None) -> list[AssessmentRow]:
    """Every assessment dated ≤ cutoff beside its derived category: four queries."""
    patients = values_rows(Patient.objects.all(), "pk", "subject_id",
                           "screening_marrow_blasts_pct")
    return assessment_rows_of(
        read_assessments(cutoff), subjects={pk: subject for pk, subject, _ in patients},
        baselines={pk: baseline for pk, _, baseline in patients}, day0=first_infusion_dates())
