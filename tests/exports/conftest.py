"""A patient with a record on every form, holding free text a sponsor must never receive; with
`cart_forms`, a record of every form issue 16 added too."""

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
HLA_TYPING = "A*01:01,A*03:01; B*08:01,B*44:02"  # a named donor's tissue type: never a sponsor's
# Free text typed on the forms a CAR-T team added; each must reach monitors and never sponsors.
CART_FREE_TEXT = ("Asthma, treated by Dr Ilse Brandt", "hyper-CVAD at St Olaf's",
                  "orbit, seen by Mrs Vance", "dexamethasone from her uncle Piet",
                  "Klebsiella, from the Vance household", "nelarabine at Leeds, by Dr Brandt",
                  "given by the neighbour, Mr Okoro")
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
def cart_forms(full_patient):
    """RD-001's baseline, CAR-T safety forms, a deviation, and a patient followed into year 2:
    a record of every form issue 16 added, free text in each text field."""
    history, therapy, disease, bridging, organism, subsequent, deviation = CART_FREE_TEXT
    factories.medical_history(full_patient, condition=history)
    factories.prior_therapy(full_patient, regimen=therapy)
    factories.disease_at_screening(full_patient, em_other=disease)
    factories.bridging_therapy(full_patient, regimen=bridging)
    factories.vital_signs(full_patient)
    sepsis = factories.adverse_event(full_patient, term="Sepsis", grade=3,
                                     onset_date=date(2024, 3, 20), relatedness="possible")
    factories.infection_details(sepsis, organism=organism)
    iec_hs = factories.adverse_event(
        full_patient, term="Immune effector cell-associated HLH-like syndrome", grade=3,
        onset_date=date(2024, 3, 22), relatedness="probable")
    factories.iec_hs_details(iec_hs)
    factories.secondary_malignancy(full_patient, date(2024, 8, 1))
    factories.rcl_test(full_patient, "M3", on=date(2024, 6, 11))
    factories.deviation(full_patient, description=deviation)
    factories.product_lot("L-0044", donor=factories.donor("D-018", hla_typing=HLA_TYPING))
    followed = factories.patient("RD-003")
    factories.lymphodepletion(followed)
    factories.infusion(followed, product_lot="L-0043")
    factories.ltfu_visit(followed, "Y2", subsequent_anticancer_therapy=True,
                         subsequent_therapy=subsequent)

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
