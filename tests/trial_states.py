"""A small trial holding every kind of record in every state a page can show, built through the
real services (the import, `record_save`/`record_void`, the query cycle, the monitor's locks and
verification, the e-signatures), so that a test walking the pages meets each state at least once.

Beside a few imported patients of the synthetic trial, one patient per state:

- RD-101: every kind of CRF but those of RD-106 (HSCT, relapse, death): the baseline's (medical
  history, prior therapies, disease at screening, bridging, vital signs), tocilizumab linked to
  its CRS, infused from a product lot released for it (its chain of identity; a quarantined lot
  beside it), the CAR-T safety events (sepsis with infection details, IEC-HS, T-cell aplasia, a
  secondary malignancy, an RCL test), a year-2 long-term follow-up visit; protocol deviations
  entered by hand (one assessed by the investigator), raised by an edit check (an M6 visit out of
  its window) and withdrawn (its out-of-window PK sample voided); a pending DLT candidate (CRS
  grade 3), a signed decision (ICANS), a revoked one (neutropenia), an investigator-raised
  candidate; voided records of several kinds (an adverse event, CRS details, a response
  assessment, a PK sample queried and verified first); open, answered, closed and re-opened
  queries; a verified record (locked and unlocked since), one changed since verification, a
  locked form; of the forms issue 16 added: a voided lab result, medication, IEC-HS details and
  RCL test, a locked year-2 follow-up and infection details, a verified lab result;
- RD-102: a signed casebook (with a lab result and a medication), locked and unlocked since;
  RD-103: a casebook changed since it was signed (an adverse event and its medication);
  RD-104: a locked casebook;  RD-105: off study before conditioning (its signature revoked);
  RD-106: dead after an HSCT and a relapse;  RD-107: voided (enrolled twice, nothing
  recorded);  RD-108: screened, never enrolled.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from casebook.crfs import crf_of_model
from core.audit import record_save, record_void
from endpoints.data_cuts import data_cut_freeze
from endpoints.snapshots import recompute
from exchange.demo_trial import GVHD, ICANS, demo_bundle
from exchange.services import bundle_import_json
from monitoring import reviews
from monitoring.deviations import deviation_assess
from monitoring.models import ProtocolDeviation
from monitoring.services import query_answer, query_close, query_raise, query_reopen
from patients.models import Patient
from pk.models import PkSample
from safety.adjudication import dlt_adjudicate, dlt_adjudication_revoke
from safety.dlt_rules import KIND_TERMS
from safety.models import DltAdjudication
from safety.services import dlt_candidate_raise
from signoff.services import casebook_sign, casebook_signature_revoke
from tests import factories
from tests.factories import CONSENT
from tests.security.routes import FREE_TEXT, ROLES

PASSWORD = "a-long-test-passphrase"  # the factories' default; the crawler signs in with it
IMPORTED_PATIENTS = 2
# A few of each imported patient's events, samples and visits are enough to show every page;
# every other page is one more per record for each role that walks them.
KEEP = {key: 2 for key in ("adverse_events", "pk_samples", "response_assessments",
                           "lab_results", "vital_signs", "concomitant_medications",
                           "medical_history", "prior_therapies", "rcl_tests", "ltfu_visits")}
DAY0 = CONSENT + timedelta(days=11)  # the factories' first infusion
IEC_HS = KIND_TERMS["iec_hs"][0]


@dataclass
class TrialStates:
    users: dict  # role → user, each with PASSWORD
    records: dict = field(default_factory=dict)  # what the state is → the record in it
    patients: dict = field(default_factory=dict)  # what the state is → the patient in it
    queries: dict = field(default_factory=dict)  # status → a query in it
    # What the state is → a protocol deviation in it (its CRF page; deviations are not in the
    # admin, as queries are not)
    deviations: dict = field(default_factory=dict)
    data_cut: object = None  # a frozen data cut (its report pages)

    def crf_page(self, state: str) -> str:
        """The browser page of the record kept under `state`."""
        record = self.records[state]
        patient = self._patient_of(record)
        slug = crf_of_model(type(record)).slug
        return f"/patients/{patient.subject_id}/{slug}/{record.pk}/"

    def deviation_page(self, state: str) -> str:
        """The browser page of the protocol deviation kept under `state`."""
        deviation = self.deviations[state]
        return (f"/patients/{deviation.patient.subject_id}/protocol-deviation/"
                f"{deviation.pk}/")

    def admin_page(self, state: str) -> str:
        record = self.records[state]
        meta = record._meta
        return f"/admin/{meta.app_label}/{meta.model_name}/{record.pk}/change/"

    @staticmethod
    def _patient_of(record):
        if isinstance(record, Patient):
            return record
        return getattr(record, "patient", None) or record.adverse_event.patient


def _small_bundle() -> dict:
    bundle = demo_bundle(IMPORTED_PATIENTS, seed=1)
    for patient in bundle["patients"]:
        # A medication linked to an event left out goes too (it names the event by index).
        patient["concomitant_medications"] = [
            m for m in patient.get("concomitant_medications", [])
            if (m.get("treated_adverse_event") or 0) < KEEP["adverse_events"]]
        for key, count in KEEP.items():
            patient[key] = patient.get(key, [])[:count]
    return bundle


def _infused(subject_id: str, states: TrialStates | None = None) -> Patient:
    """An infused patient; with `states`, infused from a lot released for them."""
    patient = factories.patient(subject_id)
    factories.lymphodepletion(patient)
    lot = factories.product_lot(released_for=patient) if states else None
    infusion = factories.infusion(patient, on=DAY0, lot=lot, weight_kg=65.0)
    if states:
        states.records["infused from a released lot"] = infusion
        states.records["released lot"] = lot
        states.records["quarantined lot"] = factories.product_lot("L-0043")
    return patient


def _every_crf(states: TrialStates, users: dict):
    """RD-101: every kind of CRF, with the DLT, void, query and monitoring states."""
    patient = _infused("RD-101", states)
    factories.eligibility(patient)
    crs = factories.adverse_event(patient, grade=3, onset_date=DAY0 + timedelta(days=2))
    factories.crs_details(crs, hypotension="one_vasopressor")
    tocilizumab = factories.conmed(patient, start=crs.onset_date, treated_event=crs,
                                   indication="CRS grade 3")
    icans = factories.adverse_event(patient, term=ICANS, grade=3,
                                    onset_date=DAY0 + timedelta(days=5))
    factories.icans_details(icans, ice_score=1)
    neutropenia = factories.adverse_event(patient, term="Neutrophil count decreased", grade=4,
                                          onset_date=DAY0 + timedelta(days=1),
                                          relatedness="possible")
    gvhd = factories.adverse_event(patient, term=GVHD, grade=2,
                                   onset_date=DAY0 + timedelta(days=20))
    factories.gvhd_details(gvhd, skin_stage=3, magic_grade=2)
    nausea = factories.adverse_event(patient, term="Nausea", grade=2,
                                     onset_date=DAY0 + timedelta(days=3), relatedness="possible")
    response = factories.response(patient, on=DAY0 + timedelta(days=28))
    factories.pk_sample(patient, day=7)
    states.records["lab result"] = factories.lab_result(patient, day=1, test="anc", value=0.3,
                                                        ref_low=1.8, ref_high=7.5)
    factories.contact(patient, DAY0 + timedelta(days=60))
    _cart_safety_events(states, patient)
    _baseline(states, patient, crs)
    states.records["long-term follow-up"] = factories.ltfu_visit(patient, "Y2")
    states.patients["every CRF"] = patient
    states.records["treatment of a CRS"] = tocilizumab
    states.records.update({"pending DLT": crs, "signed DLT": icans, "revoked DLT": neutropenia,
                           "raised DLT": nausea, "open query": crs, "answered query": response,
                           "closed query": gvhd, "re-opened query": patient, "verified": icans,
                           "changed since verified": nausea, "locked form": response})
    recompute()  # the DLT rules raise their candidates from the data
    _dlt_states(states, users["investigator"])
    _voided_records(states, patient, users)
    _queries(states, patient, users)
    _monitoring(states, patient, users)
    _deviations(states, patient, users)


def _cart_safety_events(states: TrialStates, patient):
    """The safety events CAR-T brings: an infection, IEC-HS, T-cell aplasia, a secondary
    malignancy and an RCL test."""
    sepsis = factories.adverse_event(patient, term="Sepsis", grade=3, relatedness="possible",
                                     onset_date=DAY0 + timedelta(days=9),
                                     resolution_date=DAY0 + timedelta(days=12))
    iec_hs = factories.adverse_event(patient, term=IEC_HS, grade=3,
                                     onset_date=DAY0 + timedelta(days=11),
                                     resolution_date=DAY0 + timedelta(days=15))
    factories.adverse_event(patient, term="T-cell aplasia", grade=4, relatedness="definite",
                            onset_date=DAY0 + timedelta(days=14))
    states.records.update({
        "infection details": factories.infection_details(sepsis),
        "IEC-HS details": factories.iec_hs_details(iec_hs),
        "secondary malignancy": factories.secondary_malignancy(
            patient, DAY0 + timedelta(days=70)),
        "RCL test": factories.rcl_test(patient, "M3", on=DAY0 + timedelta(days=90)),
    })
def _baseline(states: TrialStates, patient, crs):
    """The baseline forms, a prior transplant and CAR-T among the lines, and vital signs taken
    during the CRS episode (shown on its CRS details page)."""
    states.records["medical history"] = factories.medical_history(patient)
    factories.prior_therapy(patient)
    factories.prior_therapy(patient, line=2, therapy_type="hsct", regimen="TBI/cyclophosphamide",
                            start="2023-09-14", end="", hsct_donor_type="haploidentical")
    states.records["prior therapy"] = factories.prior_therapy(
        patient, line=3, therapy_type="car_t", regimen="CD7 CAR-T", start="2024-01", end="",
        best_response="PD", car_t_target="CD7")
    states.records["disease at screening"] = factories.disease_at_screening(patient)
    states.records["bridging therapy"] = factories.bridging_therapy(patient)
    factories.vital_signs(patient)
    states.records["vital signs during CRS"] = factories.vital_signs(
        patient, at=datetime.combine(crs.onset_date, time(14), tzinfo=UTC),
        timepoint="during_crs", temperature_c=39.4, heart_rate=128, oxygen_support="low_flow")


def _dlt_states(states: TrialStates, investigator):
    records = states.records
    dlt_adjudicate(adverse_event=records["signed DLT"], decision="confirmed",
                   rationale="grade 3 ICANS, 5 days", by=investigator, password=PASSWORD)
    signed_too_early = dlt_adjudicate(
        adverse_event=records["revoked DLT"], decision="confirmed", rationale="signed too early",
        by=investigator, password=PASSWORD)
    records["revoked decision"] = dlt_adjudication_revoke(
        adjudication=signed_too_early, by=investigator, password=PASSWORD,
        reason="expected cytopenia, not dose-limiting")
    dlt_candidate_raise(adverse_event=records["raised DLT"], by=investigator,
                        rationale="persistent nausea")
    records["signed decision"] = DltAdjudication.objects.get(adverse_event=records["signed DLT"])


def _voided_records(states: TrialStates, patient, users: dict):
    """Voided records of several kinds, one of them queried and verified before it was voided."""
    monitor = users["monitor"]
    voided_ae = factories.adverse_event(patient, term="Headache", grade=1,
                                        onset_date=DAY0 + timedelta(days=4))
    voided_crs = factories.crs_details(factories.adverse_event(
        patient, grade=1, onset_date=DAY0 + timedelta(days=30)), max_temp_c=38.4,
        hypotension="none")
    voided_response = factories.response(patient, visit="W8", on=DAY0 + timedelta(days=56))
    voided_pk = factories.pk_sample(patient, day=14)
    states.queries["on a voided record"] = query_raise(
        record=voided_pk, patient=patient, field_name="collected_at", question="Time drawn?",
        by=monitor)
    reviews.form_verify(record=voided_pk, patient=patient, by=monitor)
    # The forms issue 16 added, voided: a lab result, a medication, IEC-HS details, an RCL test.
    voided_lab = factories.lab_result(patient, day=2, test="crp", value=85.0)
    voided_conmed = factories.conmed(patient, drug="anakinra", dose=100, dose_unit="mg",
                                     route="sc", start=DAY0 + timedelta(days=4))
    voided_iec_hs = factories.iec_hs_details(factories.adverse_event(
        patient, term=IEC_HS, grade=2, onset_date=DAY0 + timedelta(days=40)))
    voided_rcl = factories.rcl_test(patient, "M6", on=DAY0 + timedelta(days=182))
    for state, record in (("voided adverse event", voided_ae), ("voided CRS details", voided_crs),
                          ("voided response", voided_response), ("voided PK sample", voided_pk),
                          ("voided lab result", voided_lab), ("voided medication", voided_conmed),
                          ("voided IEC-HS details", voided_iec_hs),
                          ("voided RCL test", voided_rcl)):
        states.records[state] = record_void(record, by=users["coordinator"],
                                            reason="entered in error")


def _queries(states: TrialStates, patient, users: dict):
    monitor, coordinator, records = users["monitor"], users["coordinator"], states.records
    states.queries["open"] = query_raise(record=records["open query"], patient=patient,
                                         field_name="grade", question="Vasopressor dose?",
                                         by=monitor)
    answered = query_raise(record=records["answered query"], patient=patient,
                           field_name="mrd_pct", question="MRD method?", by=monitor)
    states.queries["answered"] = query_answer(query=answered, answer="flow cytometry",
                                              by=coordinator)
    closed = query_raise(record=records["closed query"], patient=patient, field_name="",
                         question="Biopsy?", by=monitor)
    query_answer(query=closed, answer="skin biopsy on file", by=coordinator)
    states.queries["closed"] = query_close(query=closed, by=monitor)
    reopened = query_raise(record=patient, patient=patient, field_name="age_at_consent",
                           question="Age at consent?", by=monitor)
    query_close(query=reopened, by=monitor)
    states.queries["re-opened"] = query_reopen(query=reopened, by=monitor,
                                               reason="source shows another age")


def _monitoring(states: TrialStates, patient, users: dict):
    """Verified, changed since verification, locked, and locked then unlocked records."""
    monitor, records = users["monitor"], states.records
    reviews.form_verify(record=records["verified"], patient=patient, by=monitor)
    reviews.form_lock(record=records["verified"], patient=patient, by=monitor)
    reviews.form_unlock(record=records["verified"], by=monitor, reason="late lab result")
    changed = records["changed since verified"]
    reviews.form_verify(record=changed, patient=patient, by=monitor)
    changed.grade = 1
    record_save(changed, by=users["coordinator"], reason="grade re-read in the notes")
    reviews.form_verify(record=records["locked form"], patient=patient, by=monitor)
    reviews.form_lock(record=records["locked form"], patient=patient, by=monitor)
    # Forms issue 16 added, locked: the year-2 follow-up and the infection details (an adverse
    # event's part); the lab result verified.
    for state in ("long-term follow-up", "infection details"):
        reviews.form_verify(record=records[state], patient=patient, by=monitor)
        reviews.form_lock(record=records[state], patient=patient, by=monitor)
    reviews.form_verify(record=records["lab result"], patient=patient, by=monitor)


def _deviations(states: TrialStates, patient, users: dict):
    """By hand (assessed and not), raised by an edit check, and withdrawn by a correction."""
    states.deviations["deviation by hand"] = factories.deviation(patient)
    assessed = factories.deviation(patient, category="missed_assessment",
                                   description="Day-14 ICE score not done")
    states.deviations["assessed deviation"] = deviation_assess(
        assessed, important=False, impact_on_safety=False, impact_on_data=True,
        corrective_action="ICE reminders added to the day-14 checklist",
        by=users["investigator"])
    late_m6 = factories.response(patient, visit="M6", on=DAY0 + timedelta(days=150))
    states.deviations["deviation by an edit check"] = ProtocolDeviation.objects.get(
        record_id=late_m6.pk, edit_check="EC-RESP-02")
    early = factories.save(PkSample(
        patient=patient, nominal_day=21, collected_at=datetime.combine(
            DAY0 + timedelta(days=17), time(9), tzinfo=UTC), car_copies_per_ug_gdna=900.0))
    record_void(early, by=users["coordinator"], reason="sample of another patient")
    states.deviations["withdrawn deviation"] = ProtocolDeviation.objects.get(
        record_id=early.pk, edit_check="EC-PK-02")


def _casebook_states(states: TrialStates, users: dict):
    coordinator, monitor, investigator = (users[role] for role in (
        "coordinator", "monitor", "investigator"))
    signed = _infused("RD-102")
    factories.lab_result(signed, day=7, test="platelets", value=40.0, ref_low=150, ref_high=400)
    factories.conmed(signed, drug="ivig", dose=0.4, dose_unit="g/kg", route="iv",
                     start=DAY0 + timedelta(days=30))
    casebook_sign(patient=signed, by=investigator, password=PASSWORD)
    reviews.casebook_lock(patient=signed, by=monitor, reason="ready for the database lock")
    reviews.casebook_unlock(patient=signed, by=monitor, reason="a late follow-up contact")

    changed = _infused("RD-103")
    ae = factories.adverse_event(changed, grade=1)
    medication = factories.conmed(changed, treated_event=ae, start=ae.onset_date)
    casebook_sign(patient=changed, by=investigator, password=PASSWORD)
    ae.grade = 2
    record_save(ae, by=coordinator, reason="fever above 38 with hypoxia")
    medication.dose = 12.0
    record_save(medication, by=coordinator, reason="dose re-read from the chart")

    locked = _infused("RD-104")
    factories.adverse_event(locked, grade=1)
    reviews.casebook_lock(patient=locked, by=monitor, reason="ready for the database lock")

    off_study = factories.patient("RD-105")
    casebook_signature_revoke(
        signature=casebook_sign(patient=off_study, by=investigator, password=PASSWORD),
        by=investigator, password=PASSWORD, reason="signed before the off-study form")
    off_study.off_study_date = off_study.enrollment_date + timedelta(days=2)
    off_study.off_study_reason = "withdrew consent"
    record_save(off_study, by=coordinator, reason="withdrawal form received")

    dead = _infused("RD-106")
    factories.response(dead, on=DAY0 + timedelta(days=28))
    factories.hsct(dead, DAY0 + timedelta(days=70))
    factories.disease_event(dead, DAY0 + timedelta(days=150))
    factories.death(dead, DAY0 + timedelta(days=200))

    twice = factories.patient("RD-107")
    record_void(twice, by=coordinator, reason="enrolled twice; the same patient is RD-106")

    screened = factories.patient("RD-108", enrollment_date=None)

    states.patients.update({"signed casebook": signed, "changed since signing": changed,
                            "locked casebook": locked, "off study": off_study, "dead": dead,
                            "voided patient": twice, "screened only": screened})
    states.records.update({"patient of a locked casebook": locked, "voided patient": twice,
                           "medication changed since signing": medication})


def trial_states() -> TrialStates:
    """Build the trial and one user per role (password PASSWORD); returns what is where."""
    users = {role: factories.user(role) for role in ROLES}
    bundle_import_json(_small_bundle())
    states = TrialStates(users)
    _every_crf(states, users)
    _casebook_states(states, users)
    recompute()  # the reports and the DLT queue as the nightly task leaves them
    states.data_cut = data_cut_freeze(
        name="SRC meeting 1, DL1 cohort", reason=f"committee meeting ({FREE_TEXT})", cutoff=None,
        by=users["monitor"], password=PASSWORD)
    return states
