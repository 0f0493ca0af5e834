"""SDTM domains of the screening, concomitant, laboratory, vital-signs and deviation CRFs (CM, PR,
MH, DV, LB, VS, their SUPP--, RELREC) and the trial design datasets (TE, TA, TS, SE, SV)."""

from datetime import UTC, date, datetime, time

import pytest

from core.audit import record_save
from exports.loader import load_export_data
from exports.sdtm import sdtm_datasets
from exports.sdtm_crfs import date_bounds, partial_epoch, reference_range_indicator
from exports.sdtm_rows import Subject
from tests import factories

pytestmark = pytest.mark.django_db

CONDITION = "Hepatitis B after a transfusion in Lyon"
REGIMEN = "hyper-CVAD at St Anne's"
BRIDGING = "dexamethasone + vincristine, Dr Marsh"
INDICATION = "CRS grade 3 per nurse Odile"
DEVIATION = "Dexamethasone 10 mg given by Dr Marsh for nausea"
FREE_TEXT = (CONDITION, REGIMEN, BRIDGING, INDICATION, DEVIATION)


@pytest.fixture
def patient(db):
    """RD-001: consent 2024-03-01, conditioned 03-07, infused 03-12 09:00 (day 1), with a record
    on every CRF these domains read."""
    patient = factories.patient()
    factories.lymphodepletion(patient)
    factories.infusion(patient, time=time(9, 0))
    crs = factories.adverse_event(patient, grade=3)
    factories.medical_history(patient, condition="Asthma", start="2015", ongoing=True)
    factories.medical_history(patient, condition=CONDITION, start="2010-05", ongoing=False)
    factories.prior_therapy(patient, line=1, regimen=REGIMEN)
    factories.prior_therapy(patient, line=2, therapy_type="hsct", regimen="Flu/Bu",
                            start="2023-08-14", end="2023-08-14", best_response="CRi",
                            hsct_donor_type="matched_sibling")
    factories.bridging_therapy(patient, regimen=BRIDGING)
    factories.conmed(patient, start=date(2024, 3, 15), indication=INDICATION,
                     treated_event=crs)
    factories.conmed(patient, drug="corticosteroid", drug_specify="dexamethasone", dose=10,
                     dose_unit="mg", start=date(2024, 3, 16), ongoing=True)
    factories.lab_result(patient, day=7, test="anc", value=0.4, ref_low=1.8, ref_high=7.5)
    factories.lab_result(patient, day=7, test="alt", value=150.0, ref_low=7, ref_high=40)
    factories.lab_result(patient, day=7, test="crp", value=5.0, below_detection=True)
    factories.vital_signs(patient, at=datetime(2024, 3, 14, 8, 0, tzinfo=UTC),
                          timepoint="during_crs", temperature_c=39.2, heart_rate=None,
                          respiratory_rate=None, oxygen_support="low_flow")
    factories.deviation(patient, on=date(2024, 3, 21), description=DEVIATION, important=True,
                        impact_on_safety=True, impact_on_data=False)
    withdrawn = factories.deviation(patient, on=date(2024, 3, 22), category="out_of_window")
    withdrawn.withdrawn_at = datetime(2024, 3, 25, tzinfo=UTC)
    record_save(withdrawn, by=factories.user(), reason="data corrected")
    factories.response(patient, visit="W4", on=date(2024, 4, 9))
    factories.pk_sample(patient, day=7, value=50000.0)
    factories.contact(patient, on=date(2024, 6, 30))
    return patient


def datasets(deidentified=False):
    return {d.name: d for d in sdtm_datasets(load_export_data(), deidentified=deidentified)}


def records(dataset) -> list[dict]:
    return [dict(zip(dataset.columns, row, strict=True)) for row in dataset.rows]


def test_cm_holds_prior_bridging_and_concomitant_medications(patient):
    cm = records(datasets()["CM"])
    assert [(r["CMSEQ"], r["CMCAT"]) for r in cm] == [
        (1, "PRIOR CANCER THERAPY"), (2, "BRIDGING THERAPY"), (3, "CONCOMITANT MEDICATION"),
        (4, "CONCOMITANT MEDICATION")]
    prior, bridging, tocilizumab, steroid = cm
    assert (prior["CMTRT"], prior["CMSCAT"]) == (REGIMEN, "CHEMOTHERAPY")
    # Partial dates keep their precision and get no study day.
    assert (prior["CMSTDTC"], prior["CMENDTC"], prior["CMSTDY"]) == ("2023-01", "2023-06", None)
    assert prior["EPOCH"] == "SCREENING"  # every day of January 2023 is before the treatment
    assert (bridging["CMTRT"], bridging["CMSTDTC"], bridging["CMSTDY"]) == (
        BRIDGING, "2024-03-02", -10)
    assert (tocilizumab["CMTRT"], tocilizumab["CMDECOD"], tocilizumab["CMINDC"]) == (
        "Tocilizumab", "TOCILIZUMAB", INDICATION)
    assert (tocilizumab["CMDOSE"], tocilizumab["CMDOSU"], tocilizumab["CMROUTE"]) == (
        8.0, "mg/kg", "INTRAVENOUS")
    assert (tocilizumab["CMSTDY"], tocilizumab["EPOCH"]) == (4, "TREATMENT")
    assert (steroid["CMTRT"], steroid["CMDECOD"], steroid["CMCLAS"]) == (
        "dexamethasone", None, "CORTICOSTEROID")
    assert (steroid["CMENDTC"], steroid["CMENRF"]) == (None, "ONGOING")


def test_a_prior_transplant_is_a_procedure_with_its_qualifiers(patient):
    found = datasets()
    (pr,) = records(found["PR"])
    assert (pr["PRTRT"], pr["PRDECOD"], pr["PRCAT"]) == (
        "Flu/Bu", "HEMATOPOIETIC STEM CELL TRANSPLANT", "PRIOR CANCER THERAPY")
    assert (pr["PRSTDTC"], pr["PRSTDY"], pr["EPOCH"]) == ("2023-08-14", -211, "SCREENING")
    supp = {r["QNAM"]: r for r in records(found["SUPPPR"])}
    assert {q: supp[q]["QVAL"] for q in supp} == {"LINE": "2", "BESTRESP": "CRi",
                                                  "HSCTDON": "MATCHED SIBLING"}
    assert {(r["IDVAR"], r["IDVARVAL"]) for r in supp.values()} == {("PRSEQ", "1")}
    supp_cm = [(r["IDVARVAL"], r["QNAM"], r["QVAL"]) for r in records(found["SUPPCM"])]
    assert supp_cm == [("1", "LINE", "1"), ("1", "BESTRESP", "CR")]


def test_relrec_relates_a_medication_to_the_event_it_treated(patient):
    found = datasets()
    cm = records(found["CM"])
    relrec = records(found["RELREC"])
    assert [(r["RDOMAIN"], r["IDVAR"], r["IDVARVAL"]) for r in relrec] == [
        ("CM", "CMSEQ", "3"), ("AE", "AESEQ", "1")]
    assert len({r["RELID"] for r in relrec}) == 1
    # The oracle: the rows named exist, a CRS and the tocilizumab.
    ae = {str(r["AESEQ"]): r for r in records(found["AE"])}
    assert ae["1"]["AETERM"] == "Cytokine release syndrome"
    assert cm[2]["CMTRT"] == "Tocilizumab"


def test_mh_keeps_partial_dates_and_says_what_was_ongoing(patient):
    mh = records(datasets()["MH"])
    assert [(r["MHTERM"], r["MHSTDTC"], r["MHSTDY"], r["MHENRTPT"], r["MHENTPT"])
            for r in mh] == [("Asthma", "2015", None, "ONGOING", "SCREENING"),
                             (CONDITION, "2010-05", None, "BEFORE", "SCREENING")]


def test_dv_leaves_out_withdrawn_deviations_and_carries_the_assessment(patient):
    found = datasets()
    (dv,) = records(found["DV"])
    assert (dv["DVTERM"], dv["DVDECOD"], dv["DVSCAT"]) == (
        DEVIATION, "PROHIBITED MEDICATION", "IMPORTANT")
    assert (dv["DVSTDTC"], dv["DVSTDY"], dv["EPOCH"]) == ("2024-03-21", 10, "TREATMENT")
    assert {r["QNAM"]: r["QVAL"] for r in records(found["SUPPDV"])} == {
        "IMPSAF": "Y", "IMPDAT": "N"}


def test_lb_uses_cdisc_test_codes_the_reference_range_and_the_ctcae_grade(patient):
    lb = {r["LBTESTCD"]: r for r in records(datasets()["LB"])}
    assert set(lb) == {"NEUT", "ALT", "CRP"}
    neut, alt, crp = lb["NEUT"], lb["ALT"], lb["CRP"]
    # ANC 0.4 ×10⁹/L = 400/µL < 500: CTCAE grade 4; below the LLN 1.8.
    assert (neut["LBORRES"], neut["LBSTRESN"], neut["LBSTRESU"]) == ("0.4", 0.4, "10^9/L")
    assert (neut["LBORNRLO"], neut["LBSTNRHI"], neut["LBNRIND"]) == ("1.8", 7.5, "LOW")
    assert (neut["LBTOX"], neut["LBTOXGR"]) == ("NEUTROPHIL COUNT DECREASED", "4")
    # ALT 150 U/L with ULN 40: 3.75 × ULN, grade 2.
    assert (alt["LBNRIND"], alt["LBTOXGR"], alt["LBCAT"]) == ("HIGH", "2", "CHEMISTRY")
    # Below the limit of detection: "<5", no number; CRP has no CTCAE grade.
    assert (crp["LBORRES"], crp["LBSTRESN"], crp["LBTOXGR"], crp["LBNRIND"]) == (
        "<5", None, None, None)
    assert (neut["LBDTC"], neut["LBDY"], neut["EPOCH"]) == ("2024-03-19T07:30", 8, "TREATMENT")


@pytest.mark.parametrize(("text", "bounds"), [
    ("2023", (date(2023, 1, 1), date(2023, 12, 31))),
    ("2024-02", (date(2024, 2, 1), date(2024, 2, 29))),
    ("2023-12", (date(2023, 12, 1), date(2023, 12, 31))),
    ("2024-03-07", (date(2024, 3, 7), date(2024, 3, 7))),
])
def test_a_partial_date_spans_the_days_it_can_be(text, bounds):
    assert date_bounds(text) == bounds


def test_a_partial_date_has_an_epoch_only_when_all_its_days_share_it():
    subject = Subject("S-1", date(2024, 3, 12), "2024-03-12", treatment_start=date(2024, 3, 7),
                      treatment_end=date(2024, 4, 9))
    assert partial_epoch(subject, "2023") == "SCREENING"
    assert partial_epoch(subject, "2024-03") is None  # screening, then treatment
    assert partial_epoch(subject, "2024-03-20") == "TREATMENT"
    assert partial_epoch(subject, None) is None


@pytest.mark.parametrize(("value", "below", "low", "high", "expected"), [
    (1.0, False, 1.8, 7.5, "LOW"), (1.8, False, 1.8, 7.5, "NORMAL"),
    (7.6, False, 1.8, 7.5, "HIGH"), (3.0, False, None, None, None),
    (1.0, True, 1.8, None, "LOW"), (5.0, True, 1.8, None, None),
])
def test_the_reference_range_indicator(value, below, low, high, expected):
    assert reference_range_indicator(value, below, low, high) == expected


def test_vs_has_a_row_per_measured_value_and_the_oxygen_support(patient):
    found = datasets()
    vs = records(found["VS"])
    assert [(r["VSTESTCD"], r["VSORRES"], r["VSSTRESU"]) for r in vs] == [
        ("TEMP", "39.2", "C"), ("SYSBP", "118", "mmHg"), ("DIABP", "74", "mmHg"),
        ("OXYSAT", "98", "%")]
    assert {(r["VSTPT"], r["VSTPTNUM"], r["VSDY"], r["VSDTC"]) for r in vs} == {
        ("DURING CRS", 3, 3, "2024-03-14T08:00")}
    (supp,) = records(found["SUPPVS"])
    assert (supp["IDVARVAL"], supp["QNAM"], supp["QVAL"]) == ("4", "OXYSUPP", "LOW-FLOW OXYGEN")


def test_trial_design_datasets(patient):
    found = datasets()
    te = records(found["TE"])
    assert [r["ETCD"] for r in te] == ["SCRN", "TRT", "FU"]
    ta = records(found["TA"])
    assert [(r["ARMCD"], r["TAETORD"], r["ETCD"], r["EPOCH"]) for r in ta] == [
        ("DL1", 1, "SCRN", "SCREENING"), ("DL1", 2, "TRT", "TREATMENT"),
        ("DL1", 3, "FU", "FOLLOW-UP")]
    dm = records(found["DM"])[0]
    assert ta[0]["ARM"] == dm["ARM"]
    ts = {r["TSPARMCD"]: r["TSVAL"] for r in records(found["TS"])}
    assert (ts["TPHASE"], ts["SDTIGVER"], ts["NARMS"], ts["SSTDTC"]) == (
        "PHASE I TRIAL", "3.4", "1", "2024-03-01")
    # Elements: screening to the lymphodepletion, treatment to day 28 after the infusion
    # (2024-04-09, the end of the DLT window), follow-up to the latest date on record.
    se = records(found["SE"])
    assert [(r["ETCD"], r["SESTDTC"], r["SEENDTC"]) for r in se] == [
        ("SCRN", "2024-03-01", "2024-03-07"), ("TRT", "2024-03-07", "2024-04-09"),
        ("FU", "2024-04-09", "2024-06-30")]
    # Every EPOCH a record carries is an element the subject entered.
    epochs = {r["EPOCH"] for r in se}
    for name in ("AE", "CM", "LB", "VS", "DV", "EX", "RS", "PC"):
        assert {r["EPOCH"] for r in records(found[name]) if r["EPOCH"]} <= epochs, name


def test_sv_has_each_visit_with_the_dates_its_records_give(patient):
    found = datasets()
    sv = records(found["SV"])
    assert [(r["VISITNUM"], r["VISIT"], r["SVSTDTC"], r["SVSTDY"]) for r in sv] == [
        (2, "W4", "2024-04-09", 29), (107, "PK DAY 7", "2024-03-19", 8)]
    visits = {(r["USUBJID"], r["VISITNUM"]) for r in sv}
    for name in ("RS", "PC"):
        assert {(r["USUBJID"], r["VISITNUM"]) for r in records(found[name])} <= visits


def test_a_sponsor_gets_coded_words_for_the_free_text(patient):
    full, sponsor = datasets(), datasets(deidentified=True)
    text = "".join(str(v) for d in sponsor.values() for row in d.rows for v in row)
    for value in FREE_TEXT:
        assert value not in text
    assert "".join(str(v) for d in full.values() for row in d.rows for v in row).count(
        DEVIATION) == 1
    assert [r["MHTERM"] for r in records(sponsor["MH"])] == ["WITHHELD", "WITHHELD"]
    cm = records(sponsor["CM"])
    assert [r["CMTRT"] for r in cm] == ["CHEMOTHERAPY", "BRIDGING THERAPY", "Tocilizumab",
                                        "Corticosteroid"]
    assert all(r["CMINDC"] is None for r in cm)
    (dv,) = records(sponsor["DV"])
    assert dv["DVTERM"] == dv["DVDECOD"] == "PROHIBITED MEDICATION"
    # The records are all there, with the same keys and dates.
    for name in ("CM", "PR", "MH", "DV", "LB", "VS", "RELREC", "SE", "SV"):
        assert len(sponsor[name].rows) == len(full[name].rows), name


def test_fa_holds_the_crs_details_related_to_their_event(patient):
    # given: the CRS (AESEQ 1) with its details
    crs = patient.adverse_events.get()
    factories.crs_details(crs, max_temp_c=39.5, hypotension="one_vasopressor")
    # when
    found = datasets()
    fa = {r["FATESTCD"]: r for r in records(found["FA"])}
    # then
    assert (fa["MAXTEMP"]["FAORRES"], fa["MAXTEMP"]["FASTRESN"], fa["MAXTEMP"]["FAORRESU"]) == (
        "39.5", 39.5, "C")
    assert fa["HYPOTEN"]["FASTRESC"] == "ONE VASOPRESSOR"
    (ae,) = records(found["AE"])
    assert {r["FAOBJ"] for r in fa.values()} == {ae["AEDECOD"]}
    assert {(r["FADTC"], r["FADY"], r["FACAT"]) for r in fa.values()} == {
        (ae["AESTDTC"], ae["AESTDY"], "CRS DETAILS")}
    related = [r for r in records(found["RELREC"]) if r["RELID"].startswith("AEFA")]
    assert {(r["RDOMAIN"], r["IDVARVAL"]) for r in related} == {("AE", "1")} | {
        ("FA", str(r["FASEQ"])) for r in fa.values()}
