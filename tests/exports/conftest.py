"""A patient with a record on every form, holding free text a sponsor must never receive."""

from datetime import date, time

import pytest

from core.audit import record_save
from tests import factories

# Free text and names entered on the CRFs: each must reach monitors and never sponsors.
NARRATIVE = "Seen at home by Dr Quentin Marsh"
OFF_STUDY_REASON = "withdrew consent, moved to Lyon with her aunt"
SITE = "left orbit mass"
DONOR = "her brother Kaspar"
RATIONALE = "Prolonged grade 3 CRS per protocol"
CONSENT_VERSION = "v3 signed by mother Ilse"
INDICATION = "CRS, called in by nurse Odile"
DRUG_SPECIFIED = "siltuximab from Dr Marsh's own stock"
FREE_TEXT = (NARRATIVE, OFF_STUDY_REASON, SITE, DONOR, RATIONALE, CONSENT_VERSION, INDICATION,
             DRUG_SPECIFIED)


@pytest.fixture
def full_patient(db):
    """RD-001: consent 2024-03-01, enrolled 03-04, conditioned 03-07 (3 days), infused 03-12 at
    09:00 (SDTM day 1), a CRS on 03-14 with details, a confirmed DLT and siltuximab for it,
    assessments, PK samples (one below the LLOQ), a relapse, HSCT, death, and off study."""
    patient = factories.patient(consent_version=CONSENT_VERSION)
    factories.eligibility(patient)
    factories.lymphodepletion(patient)
    factories.infusion(patient, time=time(9, 0), product_lot="L-0042")
    crs = factories.adverse_event(patient, narrative=NARRATIVE, grade=3, outcome="recovered",
                                  resolution_date=date(2024, 3, 18), serious=True)
    factories.crs_details(crs, max_temp_c=39.5, hypotension="one_vasopressor")
    factories.conmed(patient, drug="siltuximab", drug_specify=DRUG_SPECIFIED, dose=11,
                     start=date(2024, 3, 15), indication=INDICATION, treated_event=crs)
    adjudication = factories.adjudication(crs)
    adjudication.rationale = RATIONALE
    record_save(adjudication, by=factories.user("investigator"), reason="wording")
    factories.adverse_event(patient, term="Neutrophil count decreased", grade=4,
                            onset_date=date(2024, 3, 11), relatedness="possible")
    factories.response(patient, visit="W4", on=date(2024, 4, 9))
    factories.response(patient, visit="UNSCHEDULED", on=date(2024, 4, 20), response="PR",
                       marrow_blasts_pct=10.0)
    factories.pk_sample(patient, day=0, value=None)
    for day, value in ((7, 50000.0), (14, 120000.0), (28, 30000.0)):
        factories.pk_sample(patient, day=day, value=value)
    factories.lab_result(patient, day=7, test="anc", value=0.4, ref_low=1.8, ref_high=7.5)
    factories.disease_event(patient, on=date(2024, 9, 1), site=SITE)
    hsct = factories.hsct(patient, on=date(2024, 6, 1))
    hsct.donor_type = DONOR
    record_save(hsct, by=factories.user(), reason="donor detail")
    factories.contact(patient, on=date(2024, 12, 1))
    factories.death(patient, on=date(2025, 1, 10))
    patient.refresh_from_db()
    patient.off_study_date, patient.off_study_reason = date(2024, 12, 20), OFF_STUDY_REASON
    record_save(patient, by=factories.user(), reason="off study")
    return patient


@pytest.fixture
def screen_failure(db):
    """RD-002: consented, never enrolled."""
    return factories.patient("RD-002", enrollment_date=None,
                             consent_date=date(2024, 5, 2))



@pytest.fixture
def screening_records(full_patient):
    """RD-001's records on the CRFs `full_patient` leaves empty (medical history, prior and
    bridging therapy, vital signs, a deviation), so that every SDTM dataset has rows."""
    factories.medical_history(full_patient)
    factories.prior_therapy(full_patient)
    factories.prior_therapy(full_patient, line=2, therapy_type="hsct", regimen="Flu/Bu",
                            hsct_donor_type="matched_sibling")
    factories.bridging_therapy(full_patient)
    factories.vital_signs(full_patient)
    factories.deviation(full_patient, impact_on_safety=False)
    return full_patient
