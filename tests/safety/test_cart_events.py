"""The safety events CAR-T brings (issue 16, point 5): infections and IEC-HS as details of an
adverse event, prolonged cytopenia and B/T-cell aplasia as coded terms, secondary malignancies
with CAR-transgene testing, and replication-competent lentivirus (RCL) tests on their schedule —
entered, checked, scheduled, exchanged, listed, exported and audited."""

import json
import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from casebook.record_labels import record_label
from casebook.record_view import adverse_event_parts
from casebook.selectors import patient_list
from casebook.visits import calendars, overdue_count
from core import edit_checks
from core.audit import field_changes, record_save, record_void
from exchange.dump import export_bundle
from exchange.services import bundle_import_json
from patients.schedule import RCL_TESTS
from safety.dlt_rules import AeFacts, DltSettings, ae_kind, dlt_flags
from safety.forms import CODED_TERMS
from safety.models import (
    AdverseEvent,
    DltCandidate,
    IecHsDetails,
    InfectionDetails,
    RclTest,
    SecondaryMalignancy,
)
from tests import factories
from tests.api.conftest import token_client
from tests.dlt import reconcile_candidates

pytestmark = pytest.mark.django_db
DAY0 = date(2024, 3, 12)  # the infused_patient fixture's first infusion
IEC_HS = "Immune effector cell-associated HLH-like syndrome"


def day(n: int) -> date:
    return DAY0 + timedelta(days=n)


def refusal(record) -> dict:
    with pytest.raises(ValidationError) as raised:
        record.full_clean()
    return raised.value.message_dict


# --- Terms and the details they offer -------------------------------------------------------

@pytest.mark.parametrize(("term", "kind"), [
    ("Sepsis", "infection"), ("Lung infection", "infection"),
    ("Cytomegalovirus infection reactivation", "infection"),
    (IEC_HS, "iec_hs"), ("IEC-HS", "iec_hs"),
    ("T-cell aplasia", "lymphopenia"), ("B-cell aplasia", "other_haematological"),
    ("Neutrophil count decreased", "neutropenia"), ("Platelet count decreased",
                                                    "thrombocytopenia"),
])
def test_cart_terms_have_their_kind(term, kind):
    assert ae_kind(term) == kind


def test_iec_hs_infections_and_aplasias_are_in_the_coded_term_list():
    for term in (IEC_HS, "Sepsis", "Lung infection", "T-cell aplasia", "B-cell aplasia",
                 "Neutrophil count decreased", "Platelet count decreased", "Anemia"):
        assert term in CODED_TERMS
    assert "IEC-HS" not in CODED_TERMS  # the acronym is matched, the spelt-out term listed


@pytest.mark.parametrize(("term", "offered"), [
    ("Sepsis", ["infection"]), (IEC_HS, ["iec-hs"]),
    ("Cytokine release syndrome", ["crs"]), ("Nausea", []),
])
def test_the_details_offered_follow_the_events_term(infused_patient, term, offered):
    ae = factories.adverse_event(infused_patient, term=term, grade=3)
    assert [crf.slug for crf, _current, _voided in adverse_event_parts(ae)] == offered


def test_infection_details_recorded_stay_shown_after_the_term_changes(infused_patient,
                                                                      coordinator):
    ae = factories.adverse_event(infused_patient, term="Sepsis", grade=3)
    factories.infection_details(ae)
    ae.term = "Fever"
    record_save(ae, by=coordinator, reason="blood cultures negative")
    assert [crf.slug for crf, *_ in adverse_event_parts(ae)] == ["infection"]


# --- Infection and IEC-HS details ----------------------------------------------------------

def test_an_organism_named_for_an_unidentified_pathogen_is_refused(infused_patient):
    ae = factories.adverse_event(infused_patient, term="Lung infection", grade=3)
    details = InfectionDetails(adverse_event=ae, pathogen_type="unknown",
                               organism="Aspergillus fumigatus", site="lower_respiratory")
    assert "only when the pathogen is identified" in refusal(details)["organism"][0]


def test_cmv_reactivation_in_blood_is_recorded_with_its_organism(infused_patient):
    ae = factories.adverse_event(infused_patient, term="Cytomegalovirus infection reactivation",
                                 grade=2)
    details = factories.infection_details(ae, pathogen_type="viral", organism="CMV",
                                          site="bloodstream")
    assert details.get_pathogen_type_display() == "Viral"
    assert record_label(details).startswith("Infection details of Cytomegalovirus infection")


def test_iec_hs_grade_other_than_the_events_grade_is_refused(infused_patient):
    ae = factories.adverse_event(infused_patient, term=IEC_HS, grade=3)
    details = IecHsDetails(adverse_event=ae, onset_date=ae.onset_date, astct_grade=4,
                           hyperferritinaemia=True)
    assert "the ASTCT IEC-HS grade is the event's grade" in refusal(details)["astct_grade"][0]


def test_iec_hs_onset_before_the_event_began_is_refused(infused_patient):
    ae = factories.adverse_event(infused_patient, term=IEC_HS, grade=2, onset_date=day(10))
    details = IecHsDetails(adverse_event=ae, onset_date=day(8), astct_grade=2)
    assert "before the adverse event's onset" in refusal(details)["onset_date"][0]


def test_iec_hs_ferritin_must_be_a_positive_number(infused_patient):
    ae = factories.adverse_event(infused_patient, term=IEC_HS, grade=2)
    details = IecHsDetails(adverse_event=ae, onset_date=ae.onset_date, astct_grade=2,
                           ferritin_peak_ng_ml=0)
    assert "ferritin_peak_ng_ml" in refusal(details)


def test_iec_hs_after_crs_with_rising_ferritin_and_low_fibrinogen_lists_its_criteria(
        infused_patient):
    ae = factories.adverse_event(infused_patient, term=IEC_HS, grade=3, onset_date=day(12))
    details = factories.iec_hs_details(ae, ferritin_peak_ng_ml=85000, hyperferritinaemia=True,
                                       transaminase_elevation=False, hypofibrinogenaemia=True,
                                       cytopenias=True)
    assert details.criteria_met == ["hyperferritinaemia", "hypofibrinogenaemia", "cytopenias"]
    assert details.get_astct_grade_display().startswith("3: severe")


# --- The DLT rules --------------------------------------------------------------------------

SETTINGS = DltSettings()


@pytest.mark.requirement("CLIN-D5-01")
@pytest.mark.parametrize("grade", [3, 4, 5])
def test_t_cell_aplasia_is_never_a_dlt_whatever_its_grade(grade):
    # CD7-directed therapy: T-cell aplasia is the expected effect (clinical rules, D5 note)
    ae = AeFacts("T-cell aplasia", grade, onset_day=5, relatedness="definite")
    assert dlt_flags(ae, SETTINGS, as_of_day=60) == []


def test_saved_t_cell_aplasia_raises_no_candidate(infused_patient):
    factories.adverse_event(infused_patient, term="T-cell aplasia", grade=4,
                            relatedness="definite", onset_date=day(3))
    reconcile_candidates(today=day(60))
    assert not DltCandidate.objects.exists()


def test_b_cell_aplasia_grade_4_for_weeks_is_haematological_not_d4():
    ae = AeFacts("B-cell aplasia", 4, onset_day=5, relatedness="probable", resolution_day=40)
    assert dlt_flags(ae, SETTINGS) == []


def test_prolonged_grade_4_neutropenia_still_open_on_day_28_is_d5():
    ae = AeFacts("Neutrophil count decreased", 4, onset_day=3, relatedness="possible")
    [flag] = dlt_flags(ae, SETTINGS, as_of_day=35)
    assert flag.rule == "D5"


def test_grade_3_sepsis_lasting_ten_days_is_a_d4_candidate():
    ae = AeFacts("Sepsis", 3, onset_day=8, relatedness="possible", resolution_day=18)
    [flag] = dlt_flags(ae, SETTINGS)
    assert (flag.rule, flag.explanation) == ("D4", "grade 3 sepsis on day 8 lasting 10 days "
                                                   "(> 7 days) — D4")


def test_grade_4_iec_hs_beyond_seven_days_is_d4_and_named_iec_hs():
    ae = AeFacts(IEC_HS, 4, onset_day=12, relatedness="probable", resolution_day=22)
    [flag] = dlt_flags(ae, SETTINGS)
    assert flag.rule == "D4" and "grade 4 IEC-HS on day 12" in flag.explanation


# --- Secondary malignancy -------------------------------------------------------------------

def test_a_sample_sent_needs_its_date_and_a_result(infused_patient):
    malignancy = SecondaryMalignancy(patient=infused_patient, diagnosis_date=day(200),
                                     malignancy_type="t_cell", sample_sent=True)
    problems = refusal(malignancy)
    assert problems["sample_sent_date"] == ["required when a sample was sent."]
    assert "pending until it is known" in problems["transgene_result"][0]


def test_a_result_without_a_sample_sent_is_refused(infused_patient):
    malignancy = SecondaryMalignancy(patient=infused_patient, diagnosis_date=day(200),
                                     malignancy_type="myeloid", transgene_result="negative")
    assert refusal(malignancy)["transgene_result"] == ["only when a sample was sent."]


def test_a_t_cell_lymphoma_not_sent_for_transgene_testing_is_a_soft_finding(infused_patient):
    lymphoma = SecondaryMalignancy(patient=infused_patient, diagnosis_date=day(300),
                                   malignancy_type="t_cell")
    [finding] = edit_checks.findings(lymphoma)
    assert (finding.id, finding.check.kind) == ("EC-SM-01", edit_checks.SOFT)
    assert "FDA's 2024 class warning" in finding.message


def test_an_mds_not_sent_for_transgene_testing_is_not_flagged(infused_patient):
    mds = SecondaryMalignancy(patient=infused_patient, diagnosis_date=day(300),
                              malignancy_type="myeloid")
    assert edit_checks.findings(mds) == []


def test_a_transgene_positive_t_cell_malignancy_is_recorded_and_audited(infused_patient,
                                                                        coordinator):
    lymphoma = factories.secondary_malignancy(infused_patient, day(400))
    lymphoma.transgene_result = "positive"
    record_save(lymphoma, by=coordinator, reason="sponsor's lab result received")
    changes = field_changes(lymphoma)
    assert changes[0]["reason"] == "sponsor's lab result received"
    assert record_label(lymphoma) == "Secondary malignancy, diagnosed 16 Apr 2025"


# --- RCL tests on their schedule ------------------------------------------------------------

def test_the_rcl_schedule_is_months_3_6_12_then_yearly_to_year_15():
    assert [(w.key, w.target_day) for w in RCL_TESTS[:5]] == [
        ("M3", 91), ("M6", 182), ("M12", 365), ("Y2", 730), ("Y3", 1095)]
    assert RCL_TESTS[-1].key == "Y15" and len(RCL_TESTS) == 17


def _calendar(today):
    [patient] = patient_list()
    return calendars([patient], today=today)[patient.pk]["rcl"]


def test_a_missed_month_3_rcl_test_is_overdue_and_counted(infused_patient):
    # day 173: M3 (days 77–105) closed and M6's window (from day 168) is open
    rcl = {s.visit: s.status for s in _calendar(day(173))}
    assert (rcl["M3"], rcl["M6"], rcl["M12"]) == ("missed", "due", "upcoming")
    [patient] = patient_list()
    assert overdue_count(calendars([patient], today=day(173))[patient.pk]) >= 1


def test_a_month_3_rcl_test_recorded_in_its_window_is_done(infused_patient):
    factories.rcl_test(infused_patient, "M3", on=day(92))
    rcl = {s.visit: s for s in _calendar(day(173))}
    assert rcl["M3"].status == "done" and not rcl["M3"].out_of_window


def test_an_rcl_test_outside_its_window_is_a_soft_finding(infused_patient):
    late = RclTest(patient=infused_patient, timepoint="M3", sample_date=day(120),
                   result="negative")
    [finding] = edit_checks.findings(late)
    assert finding.id == "EC-RCL-01"
    assert "day 120" in finding.message and "days 77–105" in finding.message


def test_the_same_timepoint_twice_is_refused(infused_patient):
    factories.rcl_test(infused_patient, "M6", on=day(182))
    again = RclTest(patient=infused_patient, timepoint="M6", sample_date=day(183),
                    result="pending")
    with pytest.raises(ValidationError, match="already recorded"):
        again.full_clean()


def test_the_status_grid_shows_the_missed_rcl_test(client, monitor, infused_patient):
    # today is long after 2024: every window up to today's has closed
    client.force_login(monitor)
    page = client.get("/patients/RD-001/").content.decode()
    grid = page[page.index('id="status"'):]
    missed = re.search(r'class="cell state-([a-z_]+)" href="([^"]*)"><span class="form">'
                       r"M3 RCL test</span>", grid)
    assert missed and missed.group(1) == "overdue"
    assert missed.group(2) == "/patients/RD-001/rcl-test/new/"
    assert "<h3>RCL tests</h3>" in page


def test_the_casebook_lists_the_new_forms_with_their_record_names(client, monitor,
                                                                  infused_patient):
    test = factories.rcl_test(infused_patient, "M3", on=day(91))
    factories.secondary_malignancy(infused_patient, day(300), malignancy_type="myeloid",
                                   sample_sent=False, sample_sent_date=None,
                                   transgene_result="")
    client.force_login(monitor)
    page = client.get("/patients/RD-001/").content.decode()
    assert "Secondary malignancies" in page and "Myeloid neoplasm" in page
    assert record_label(test) == "RCL test M3, 11 Jun 2024"


def test_an_rcl_test_is_voided_with_its_reason_and_kept(infused_patient, coordinator):
    test = factories.rcl_test(infused_patient, "M3", on=day(91))
    record_void(test, by=coordinator, reason="sample of another patient")
    assert not RclTest.objects.exists()
    kept = RclTest.all_objects.get()
    assert kept.void_reason == "sample of another patient"


# --- Exchange, API, exports -----------------------------------------------------------------

def _every_new_kind(patient):
    sepsis = factories.adverse_event(patient, term="Sepsis", grade=3, relatedness="possible",
                                     onset_date=day(9), resolution_date=day(12))
    factories.infection_details(sepsis, organism="Klebsiella pneumoniae")
    iec_hs = factories.adverse_event(patient, term=IEC_HS, grade=3, onset_date=day(11))
    factories.iec_hs_details(iec_hs, hypofibrinogenaemia=True)
    factories.secondary_malignancy(patient, day(300))
    factories.rcl_test(patient, "M3", on=day(91))
    factories.rcl_test(patient, "M6", on=day(182), result="pending")


def test_the_bundle_round_trips_the_new_forms(infused_patient):
    _every_new_kind(infused_patient)
    first = export_bundle()
    [patient] = first["patients"]
    assert [t["timepoint"] for t in patient["rcl_tests"]] == ["M3", "M6"]
    assert patient["secondary_malignancies"][0]["malignancy_type"] == "t_cell"
    sepsis = next(e for e in patient["adverse_events"] if e["term"] == "Sepsis")
    assert sepsis["infection"]["organism"] == "Klebsiella pneumoniae"
    bundle_import_json(first, replace=True, confirm_soft_checks="migrated")
    assert export_bundle() == first
    assert RclTest.objects.count() == 2 and IecHsDetails.objects.count() == 1


def test_a_bundle_without_the_new_keys_still_imports(infused_patient):
    factories.adverse_event(infused_patient)
    bundle = export_bundle()
    for patient in bundle["patients"]:
        del patient["secondary_malignancies"], patient["rcl_tests"]
        for event in patient["adverse_events"]:
            del event["infection"], event["iec_hs"]
    bundle_import_json(bundle, replace=True)
    assert AdverseEvent.objects.count() == 1


@pytest.mark.parametrize("listing", ["infections", "iec-hs", "secondary-malignancies",
                                     "rcl-tests"])
def test_the_api_lists_the_new_forms(infused_patient, listing):
    _every_new_kind(infused_patient)
    response = token_client("monitor").get(f"/api/v1/{listing}/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert rows and {row["subject_id"] for row in rows} == {"RD-001"}


def test_a_sponsor_never_receives_the_organism_typed(infused_patient):
    _every_new_kind(infused_patient)
    [sponsor_row] = token_client("sponsor").get("/api/v1/infections/").json()["results"]
    [monitor_row] = token_client("monitor").get("/api/v1/infections/").json()["results"]
    assert "organism" not in sponsor_row and sponsor_row["pathogen_type"] == "bacterial"
    assert monitor_row["organism"] == "Klebsiella pneumoniae"


def test_odm_and_forms_csv_carry_the_new_forms(infused_patient, tmp_path):
    _every_new_kind(infused_patient)
    client = token_client("monitor")
    odm = client.get("/api/v1/exports/odm.xml").content.decode()
    for oid in ("F.RCL_TEST", "F.SECONDARY_MALIGNANCY", "IG.INFECTION", "IG.IEC_HS"):
        assert f'OID="{oid}"' in odm
    sponsor_odm = token_client("sponsor").get("/api/v1/exports/odm.xml").content.decode()
    assert "Klebsiella" not in sponsor_odm and "Klebsiella" in odm


def test_the_casebook_export_command_writes_the_rcl_tests(infused_patient, tmp_path):
    factories.rcl_test(infused_patient, "M3", on=day(91))
    target = tmp_path / "trial.json"
    call_command("export_casebook", str(target))
    [patient] = json.loads(target.read_text())["patients"]
    assert patient["rcl_tests"] == [{"timepoint": "M3", "sample_date": "2024-06-11",
                                     "result": "negative"}]
