"""Reads for the efficacy pages: the response category derived from an assessment, by the same
function and in the same series order as the review listing, the exports and the report
(`efficacy.response.derive_responses`, `SERIES_ORDER`)."""

from collections.abc import Iterable

from django.db.models import Q

from efficacy.models import SERIES_ORDER, ResponseAssessment
from efficacy.response import AssessmentValues, DerivedResponse, derive_responses


def _in_series(assessments: Iterable[ResponseAssessment]):
    for a in assessments:
        yield a.visit, a.response, AssessmentValues(
            a.marrow_blasts_pct, a.peripheral_blasts, a.extramedullary, a.anc_per_uL,
            a.platelets_per_uL)


def derived_responses(assessments: list[ResponseAssessment],
                      screening_marrow_blasts_pct: float | None) -> list[DerivedResponse]:
    """The derived category of each of one patient's assessments, given in series order
    (`SERIES_ORDER`: by date, then id)."""
    return list(derive_responses(_in_series(assessments), screening_marrow_blasts_pct))


def _before(assessment: ResponseAssessment) -> Q:
    """The assessments that come before this one in series order; an unsaved one comes after
    every saved assessment of its day."""
    same_day_before = Q(date=assessment.date)
    if assessment.pk is not None:
        same_day_before &= Q(pk__lt=assessment.pk)
    return Q(date__lt=assessment.date) | same_day_before


def derived_response(assessment: ResponseAssessment) -> DerivedResponse:
    """The category the assessment's values (saved or as typed) give, after the patient's
    assessments before it: one query, and one for the patient's screening value unless loaded."""
    earlier = list(ResponseAssessment.objects.filter(_before(assessment),
                                                     patient_id=assessment.patient_id)
                   .exclude(pk=assessment.pk).order_by(*SERIES_ORDER))
    return derived_responses([*earlier, assessment],
                             assessment.patient.screening_marrow_blasts_pct)[-1]
