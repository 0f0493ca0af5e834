"""Valid CRF records for tests, saved through the audited service like every other write."""

from datetime import UTC, date, datetime, timedelta

from django.contrib.auth import get_user_model

from core import edit_checks
from core.accounts import user_set_role
from core.audit import ClinicalRecord, record_save
from dosing.models import DoseLevel, Infusion, Lymphodepletion
from efficacy.models import Death, DiseaseEvent, Hsct, ResponseAssessment
from monitoring.models import ProtocolDeviation
from patients.models import EligibilityAssessment, FollowUpContact, LtfuVisit, Patient
from pk.models import PkSample
from safety.models import AdverseEvent, CrsDetails, DltAdjudication, GvhdDetails, IcansDetails

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


def adverse_event(p, **fields):
    values = dict(term="Cytokine release syndrome", grade=2,
                  onset_date=CONSENT + timedelta(days=13), serious=False, relatedness="probable")
    values.update(fields)
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


def contact(p, on):
    return save(FollowUpContact(patient=p, contact_date=on))


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
