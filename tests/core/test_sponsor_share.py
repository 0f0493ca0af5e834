"""The declaration of what a sponsor does not receive, form by form. No database: it reads the
models' fields."""

import pytest

from core.sponsor_share import withheld_fields
from dosing.models import Infusion, Lymphodepletion
from efficacy.models import Death, DiseaseEvent, Hsct, ResponseAssessment
from labs.models import LabResult
from patients.models import EligibilityAssessment, FollowUpContact, Patient
from pk.models import PkSample
from safety.models import (
    AdverseEvent,
    ConcomitantMedication,
    CrsDetails,
    DltAdjudication,
    GvhdDetails,
    IcansDetails,
)

# Every clinical record's void marks: who voided it and why.
VOID_MARKS = {"voided_by", "void_reason"}


@pytest.mark.parametrize(("model", "withheld"), [
    (Patient, {"consent_version", "off_study_reason"}),
    (AdverseEvent, {"narrative"}),
    (DiseaseEvent, {"site"}),
    (Hsct, {"donor_type"}),
    # "Other, specify" and the indication are typed; the coded drug, dose and link are sent.
    (ConcomitantMedication, {"drug_specify", "indication"}),
    # The signature's meaning is a fixed sentence, but a text without a vocabulary all the same.
    (DltAdjudication, {"rationale", "signer_printed_name", "signed_by", "signature_meaning"}),
    (Infusion, set()), (Lymphodepletion, set()), (EligibilityAssessment, set()),
    (FollowUpContact, set()), (CrsDetails, set()), (IcansDetails, set()), (GvhdDetails, set()),
    (ResponseAssessment, set()), (Death, set()), (PkSample, set()), (LabResult, set()),
], ids=lambda value: getattr(value, "__name__", ""))
def test_free_text_and_people_are_withheld_and_nothing_else(model, withheld):
    assert withheld_fields(model) == withheld | VOID_MARKS


@pytest.mark.parametrize(("model", "field"), [
    (Patient, "subject_id"), (Patient, "consent_date"), (Patient, "enrollment_date"),
    (Patient, "off_study_date"), (Infusion, "product_lot"), (Infusion, "date"),
    (AdverseEvent, "term"), (AdverseEvent, "onset_date"), (DltAdjudication, "signed_at"),
])
def test_codes_and_the_dates_of_clinical_events_are_sent(model, field):
    assert field not in withheld_fields(model)
