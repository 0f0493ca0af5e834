"""Valid CRF records for tests, saved through the audited service like every other write."""

from datetime import UTC, date, datetime, timedelta

from django.contrib.auth import get_user_model

from core import edit_checks
from core.accounts import user_set_role
from core.audit import ClinicalRecord, record_save
from dosing.models import Donor, DoseLevel, Infusion, Lymphodepletion, ProductLot
from efficacy.models import Death, DiseaseEvent, Hsct, ResponseAssessment
from labs.models import TEST_UNITS, LabResult
from monitoring.models import ProtocolDeviation
from patients.models import (
    BridgingTherapy,
    DiseaseAtScreening,
    EligibilityAssessment,
    FollowUpContact,
    LtfuVisit,
    MedicalHistory,
    Patient,
    PriorTherapy,
    VitalSigns,
)
from pk.models import PkSample
from safety.models import (
    SERIOUSNESS_CRITERIA,
    AdverseEvent,
    ConcomitantMedication,
    CrsDetails,
    DltAdjudication,
    GvhdDetails,
    IcansDetails,
    IecHsDetails,
    InfectionDetails,
    RclTest,
    SecondaryMalignancy,
)

CONSENT = date(2024, 3, 1)


def user(role="coordinator", username=None, password="a-long-test-passphrase"):
    username = username or f"test-{role}"
    found = get_user_model().objects.filter(username=username).first()
    return found or user_set_role(username=username, role=role, password=password,
                                  full_name=f"Test {role.capitalize()}")[0]


def save(record, by=None):
    """Saved as entered; a soft edit check the test data break deliberately is confirmed (and
    opens its system query, as for a coordinator)."""
    deviations = edit_checks.findings(record, kind=edit_checks.SOFT) \
        if isinstance(record, ClinicalRecord) else []
    return record_save(record, by=by or user(),
                       confirmations={f.id: "test data (deliberate)" for f in deviations})


def dose_level(code="DL1", rank=None, **fields):
    found = DoseLevel.objects.filter(code=code).first()
    if found:
        return found
    fields.setdefault("cells_per_kg", 5e6 if "total_cells" not in fields else None)
    return save(DoseLevel(code=code, rank=rank or int(code[-1]), **fields))


def patient(subject_id="RD-001", **fields):
    values = dict(sex="M", age_at_consent=27, diagnosis="T-ALL", cd7_positive_blasts_pct=97.5,
                  screening_marrow_blasts_pct=60.0, consent_date=CONSENT,
                  enrollment_date=CONSENT + timedelta(days=3))
    values.update(fields)
    return save(Patient(subject_id=subject_id, **values))


def eligibility(p, **fields):
    values = {name: True for name in EligibilityAssessment.CRITERIA}
    values.update(fields)
    return save(EligibilityAssessment(patient=p, assessed_on=p.consent_date, **values))


def lymphodepletion(p, start=None, **fields):
    return save(Lymphodepletion(patient=p, start_date=start or CONSENT + timedelta(days=6),
                                fludarabine_mg_m2_per_day=30, cyclophosphamide_mg_m2_per_day=300,
                                days=3, **fields))


def infusion(p, on=None, number=1, level=None, **fields):
    fields.setdefault("cells_per_kg", 5e6)
    return save(Infusion(patient=p, number=number, date=on or CONSENT + timedelta(days=11),
                         dose_level=level or dose_level(), viability_pct=94.0, **fields))


def donor(code="D-017", **fields):
    found = Donor.objects.filter(donor_code=code).first()
    if found:
        return found
    values = dict(hla_typing="A*02:01,A*24:02; B*07:02,B*35:01", hla_match="5/10",
                  eligibility_date=CONSENT - timedelta(days=60))
    values.update(fields)
    return save(Donor(donor_code=code, **values))


def product_lot(lot_number="L-0042", released_for=None, **fields):
    """A lot released for `released_for` (or quarantined when None and no status is given)."""
    values = dict(donor=donor(), manufacture_date=CONSENT - timedelta(days=20),
                  car_positive_pct=45.0, viability_pct=92.0, total_nucleated_cells=1.0e9,
                  viable_cells=9.2e8, car_positive_viable_cells=3.25e8, sterility="negative",
                  endotoxin_eu_per_ml=0.2, mycoplasma="negative", vector_copies_per_cell=2.1,
                  release_status="released" if released_for else "quarantined",
                  release_date=CONSENT + timedelta(days=5) if released_for else None,
                  released_for=released_for)
    values.update(fields)
    return save(ProductLot(lot_number=lot_number, **values))


def adverse_event(p, **fields):
    """A serious event is hospitalised unless a seriousness criterion is given."""
    values = dict(term="Cytokine release syndrome", grade=2,
                  onset_date=CONSENT + timedelta(days=13), serious=False, relatedness="probable")
    values.update(fields)
    if values["serious"] and not any(values.get(c) for c in SERIOUSNESS_CRITERIA):
        values["sae_hospitalisation"] = True
    return save(AdverseEvent(patient=p, **values))


def crs_details(ae, **fields):
    values = dict(max_temp_c=39.1, hypotension="fluids", oxygen="none")
    values.update(fields)
    return save(CrsDetails(adverse_event=ae, **values))


def icans_details(ae, **fields):
    values = dict(instrument="ICE", ice_score=6)
    values.update(fields)
    return save(IcansDetails(adverse_event=ae, **values))


def gvhd_details(ae, **fields):
    values = dict(skin_stage=2, liver_stage=0, upper_gi_stage=0, lower_gi_stage=0, magic_grade=1)
    values.update(fields)
    return save(GvhdDetails(adverse_event=ae, **values))


def infection_details(ae, **fields):
    values = dict(pathogen_type="bacterial", organism="Escherichia coli", site="bloodstream")
    values.update(fields)
    return save(InfectionDetails(adverse_event=ae, **values))


def iec_hs_details(ae, **fields):
    values = dict(onset_date=ae.onset_date, ferritin_peak_ng_ml=30000.0, hyperferritinaemia=True,
                  transaminase_elevation=True, astct_grade=ae.grade)
    values.update(fields)
    return save(IecHsDetails(adverse_event=ae, **values))


def secondary_malignancy(p, on, **fields):
    values = dict(malignancy_type="t_cell", sample_sent=True, sample_sent_date=on,
                  transgene_result="pending")
    values.update(fields)
    return save(SecondaryMalignancy(patient=p, diagnosis_date=on, **values))


def rcl_test(p, timepoint="M3", on=None, result="negative"):
    day = {"M3": 91, "M6": 182, "M12": 365}.get(timepoint, 365 * int(timepoint[1:] or 0))
    return save(RclTest(patient=p, timepoint=timepoint,
                        sample_date=on or CONSENT + timedelta(days=11 + day), result=result))


def adjudication(ae, decision="confirmed", by=None):
    signer = by or user("investigator")
    return save(DltAdjudication(adverse_event=ae, decision=decision, rationale="per protocol",
                                signed_by=signer, signer_printed_name=signer.get_full_name(),
                                signed_at=datetime(2024, 4, 1, 9, tzinfo=UTC)), by=signer)


def response(p, visit="W4", on=None, **fields):
    values = dict(marrow_blasts_pct=0.4, mrd_pct=0.0, peripheral_blasts=False,
                  extramedullary="none", anc_per_uL=1500, platelets_per_uL=120000, response="CR")
    values.update(fields)
    return save(ResponseAssessment(patient=p, visit=visit, date=on or CONSENT + timedelta(days=39),
                                   **values))


def disease_event(p, on, **fields):
    return save(DiseaseEvent(patient=p, date=on, type=fields.pop("type", "relapse"),
                             site=fields.pop("site", "marrow")))


def hsct(p, on, **fields):
    return save(Hsct(patient=p, date=on, donor_type="haploidentical", **fields))


def death(p, on, cause="disease_progression"):
    return save(Death(patient=p, date=on, cause=cause))


def pk_sample(p, day=7, value=120000.0, **fields):
    at = datetime.combine(CONSENT + timedelta(days=11 + day), datetime.min.time(), tzinfo=UTC)
    return save(PkSample(patient=p, nominal_day=day, collected_at=at.replace(hour=9),
                         car_copies_per_ug_gdna=value, below_lloq=value is None, **fields))


def lab_result(p, day=7, test="anc", value=3.0, **fields):
    """A laboratory result `day` days after the factories' first infusion, 07:30 UTC."""
    at = datetime.combine(CONSENT + timedelta(days=11 + day), datetime.min.time(), tzinfo=UTC)
    return save(LabResult(patient=p, collected_at=at.replace(hour=7, minute=30), test=test,
                          value=value, unit=TEST_UNITS[test], **fields))


def contact(p, on):
    return save(FollowUpContact(patient=p, contact_date=on))


def conmed(p, drug="tocilizumab", start=None, **fields):
    """Tocilizumab 8 mg/kg IV, one day, two days after the first infusion unless told."""
    start = start or CONSENT + timedelta(days=13)
    values = dict(dose=8.0, dose_unit="mg/kg", route="iv", stop_date=start)
    values.update(fields)
    if values.get("ongoing"):
        values["stop_date"] = None
    return save(ConcomitantMedication(patient=p, drug=drug, start_date=start, **values))
def medical_history(p, condition="Asthma", start="2015", ongoing=True):
    return save(MedicalHistory(patient=p, condition=condition, start=start, ongoing=ongoing))


def prior_therapy(p, line=1, **fields):
    values = dict(therapy_type="chemotherapy", regimen="hyper-CVAD", start="2023-01",
                  end="2023-06", best_response="CR")
    values.update(fields)
    return save(PriorTherapy(patient=p, line_number=line, **values))


def disease_at_screening(p, **fields):
    values = dict(assessed_on=p.consent_date, cns_status="CNS1", em_mediastinum=True)
    values.update(fields)
    return save(DiseaseAtScreening(patient=p, **values))


def bridging_therapy(p, start=None, end=None, **fields):
    start = start or CONSENT + timedelta(days=1)
    return save(BridgingTherapy(patient=p, regimen=fields.pop("regimen", "dexamethasone"),
                                start_date=start, end_date=end or start + timedelta(days=3),
                                **fields))


def vital_signs(p, at=None, **fields):
    values = dict(timepoint="screening", temperature_c=36.8, heart_rate=82, systolic_bp=118,
                  diastolic_bp=74, respiratory_rate=16, spo2_pct=98.0)
    values.update(fields)
    at = at or datetime.combine(CONSENT, datetime.min.time(), tzinfo=UTC).replace(hour=9)
    return save(VitalSigns(patient=p, measured_at=at, **values))
def deviation(p, on=None, category="prohibited_medication", **fields):
    """A deviation entered by hand (coordinator)."""
    on = on or CONSENT + timedelta(days=20)
    values = dict(description="Dexamethasone 10 mg given for nausea (prohibited before day 28)",
                  deviation_date=on, identified_on=on + timedelta(days=2))
    values.update(fields)
    return save(ProtocolDeviation(patient=p, category=category, **values))


def ltfu_visit(p, visit="Y2", on=None, **fields):
    """A long-term follow-up visit of a patient reached alive with nothing new (day 0 is the
    factories' infusion, 2024-03-12: year n is day 365 × n)."""
    year = int(visit[1:])
    values = dict.fromkeys(LtfuVisit.FINDINGS, False)
    values.update(vital_status="alive")
    values.update(fields)
    return save(LtfuVisit(patient=p, visit=visit,
                          contact_date=on or CONSENT + timedelta(days=11 + 365 * year),
                          **values))
