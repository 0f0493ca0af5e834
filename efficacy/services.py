"""Efficacy glue: each response assessment beside the category the rules derive from its values.

A fixed number of queries (the assessments, the patients' baselines, day 0) at any size;
`efficacy.response.derive_responses` (pure) does the judging, each patient's assessments in
series order (`SERIES_ORDER`: date, then id), each in the context of those before it.
"""

from datetime import date
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from core.fast_reads import values_rows
from dosing.selectors import first_infusion_dates
from efficacy.models import SERIES_ORDER, ResponseAssessment
from efficacy.response import AssessmentValues, DerivedResponse, derive_responses
from patients.models import Patient


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
class AssessmentRecord(NamedTuple):
    """One current response assessment as the whole-trial reads take it (`read_assessments`)."""

    patient_id: int
    visit: str
    date: date
    response: str
    mrd_pct: float | None
    mrd_below_detection: bool
    marrow_blasts_pct: float | None
    peripheral_blasts: bool | None
    extramedullary: str
    anc_per_uL: float | None
    platelets_per_uL: float | None


# The columns of an AssessmentRecord, in its order.
ASSESSMENT_COLUMNS = AssessmentRecord._fields


def read_assessments(cutoff: date | None = None) -> list[AssessmentRecord]:
    """Every current assessment (dated ≤ cutoff), each patient's in series order."""
    assessments = ResponseAssessment.objects.order_by("patient_id", *SERIES_ORDER)
    if cutoff is not None:
        assessments = assessments.filter(date__lte=cutoff)
    return values_rows(assessments, *ASSESSMENT_COLUMNS, row=AssessmentRecord)


def assessment_rows_of(rows: list[AssessmentRecord], *, subjects: dict[int, str],
                       baselines: dict[int, float | None], day0: dict[int, date],
                       cutoff: date | None = None) -> list[AssessmentRow]:
    """`AssessmentRow`s of `read_assessments` rows (those after `cutoff` left out: only earlier
    assessments make the context of a later one, so leaving them out here or in the query is
    the same). The assessments of a patient not in `subjects` (voided) are left out too."""
    out = []
    kept = rows if cutoff is None else [row for row in rows if row.date <= cutoff]
    for patient_id, series in groupby(kept, key=itemgetter(0)):
        subject = subjects.get(patient_id)
        if subject is None:
            continue
        series = list(series)
        first = day0.get(patient_id)
        derived = derive_responses(
            ((visit, response, AssessmentValues(marrow, *values))
             for _patient, visit, _on, response, _mrd, _lod, marrow, *values in series),
            baselines.get(patient_id))
        out += [AssessmentRow(subject, visit, on, (on - first).days if first else None,
                              response, judged)
                for (_patient, visit, on, response, *_), judged in zip(series, derived,
                                                                     strict=True)]
    return out


def assessment_rows(cutoff: date | None = None) -> list[AssessmentRow]:
    """Every assessment dated ≤ cutoff beside its derived category: four queries."""
    patients = values_rows(Patient.objects.all(), "pk", "subject_id",
                           "screening_marrow_blasts_pct")
    return assessment_rows_of(
        read_assessments(cutoff), subjects={pk: subject for pk, subject, _ in patients},
        baselines={pk: baseline for pk, _, baseline in patients}, day0=first_infusion_dates())
