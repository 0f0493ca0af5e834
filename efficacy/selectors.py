"""Reads for the efficacy pages: the response category derived from an assessment."""

from .models import Response, ResponseAssessment, Visit
from .response import AssessmentValues, DerivedResponse, ResponseContext, derive_response


def response_context(assessment: ResponseAssessment) -> ResponseContext:
    """What the derivation needs from the patient's earlier assessments: one query.

    The nadir is the lowest earlier on-study marrow value (screening excluded: the screening value
    stands in when there is none yet); a prior CR/CRi is the investigator's recorded category.
    """
    earlier = list(ResponseAssessment.objects.filter(
        patient_id=assessment.patient_id, date__lt=assessment.date,
    ).exclude(pk=assessment.pk).values_list("visit", "marrow_blasts_pct", "response"))
    on_study = [m for visit, m, _ in earlier if visit != Visit.SCREENING and m is not None]
    return ResponseContext(
        screening_marrow_blasts_pct=assessment.patient.screening_marrow_blasts_pct,
        nadir_marrow_blasts_pct=min(on_study) if on_study else None,
        prior_cr=any(r in (Response.CR, Response.CRI) for _, _, r in earlier),
    )


def derived_response(assessment: ResponseAssessment) -> DerivedResponse:
    """The category the recorded values give, to set beside the investigator's."""
    values = AssessmentValues(
        marrow_blasts_pct=assessment.marrow_blasts_pct,
        peripheral_blasts=assessment.peripheral_blasts,
        extramedullary=assessment.extramedullary,
        anc_per_uL=assessment.anc_per_uL,
        platelets_per_uL=assessment.platelets_per_uL,
    )
    return derive_response(values, response_context(assessment))
