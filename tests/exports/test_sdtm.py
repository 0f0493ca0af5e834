"""SDTM datasets: variables in the SDTMIG order, study days, ISO 8601 dates and the mappings."""

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from core.audit import record_save
from endpoints.report import build_report
from exports.loader import load_export_data
from exports.sdtm import off_study_decode, sdtm_datasets
from exports.sdtm_rows import Subject, dtc, sdtm_study_day
from tests import factories

pytestmark = pytest.mark.django_db

IDS = ["STUDYID", "DOMAIN", "USUBJID"]
SUPP = ["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL", "QORIG",
        "QEVAL"]
SUPP_REQUIRED = ["STUDYID", "RDOMAIN", "USUBJID", "QNAM", "QLABEL", "QVAL", "QORIG"]
EXPECTED_COLUMNS = {
    "DM": [*IDS, "SUBJID", "RFSTDTC", "RFENDTC", "RFXSTDTC", "RFXENDTC", "RFICDTC", "RFPENDTC",
           "DTHDTC", "DTHFL", "SITEID", "AGE", "AGEU", "SEX", "RACE", "ARMCD", "ARM", "ACTARMCD",
           "ACTARM", "ARMNRS", "ACTARMUD", "COUNTRY"],
    "EX": [*IDS, "EXSEQ", "EXTRT", "EXCAT", "EXDOSE", "EXDOSU", "EXDOSFRM", "EXDOSFRQ",
           "EXROUTE", "EXLOT", "EPOCH", "EXSTDTC", "EXENDTC", "EXSTDY", "EXENDY"],
    "AE": [*IDS, "AESEQ", "AETERM", "AEDECOD", "AESER", "AEACN", "AEACNOTH", "AEREL", "AEOUT",
           "AESCONG", "AESDISAB", "AESDTH", "AESHOSP", "AESLIFE", "AESMIE", "AETOXGR", "EPOCH",
           "AESTDTC", "AEENDTC", "AESTDY", "AEENDY"],
    "SUPPAE": SUPP,
    "RS": [*IDS, "RSSEQ", "RSTESTCD", "RSTEST", "RSORRES", "RSSTRESC", "RSDRVFL", "RSEVAL",
           "VISITNUM", "VISIT", "EPOCH", "RSDTC", "RSDY"],
    "PC": [*IDS, "PCSEQ", "PCTESTCD", "PCTEST", "PCORRES", "PCORRESU", "PCSTRESC", "PCSTRESN",
           "PCSTRESU", "PCSPEC", "PCMETHOD", "PCLLOQ", "VISITNUM", "VISIT", "EPOCH", "PCDTC",
           "PCDY", "PCTPT", "PCTPTNUM", "PCELTM", "PCTPTREF", "PCRFTDTC"],
    "PP": [*IDS, "PPSEQ", "PPTESTCD", "PPTEST", "PPCAT", "PPORRES", "PPORRESU", "PPSTRESC",
           "PPSTRESN", "PPSTRESU", "PPSTAT", "PPREASND", "PPSPEC", "PPTPTREF", "PPRFTDTC",
           "PPSTINT", "PPENINT"],
    "DS": [*IDS, "DSSEQ", "DSTERM", "DSDECOD", "DSCAT", "EPOCH", "DSSTDTC", "DSSTDY"],
    "CM": [*IDS, "CMSEQ", "CMTRT", "CMDECOD", "CMCAT", "CMSCAT", "CMINDC", "CMCLAS", "CMDOSE",
           "CMDOSU", "CMROUTE", "EPOCH", "CMSTDTC", "CMENDTC", "CMSTDY", "CMENDY", "CMENRF"],
    "SUPPCM": SUPP,
    "PR": [*IDS, "PRSEQ", "PRTRT", "PRDECOD", "PRCAT", "EPOCH", "PRSTDTC", "PRENDTC", "PRSTDY",
           "PRENDY"],
    "SUPPPR": SUPP,
    "MH": [*IDS, "MHSEQ", "MHTERM", "MHSTDTC", "MHSTDY", "MHENRTPT", "MHENTPT"],
    "DV": [*IDS, "DVSEQ", "DVTERM", "DVDECOD", "DVCAT", "DVSCAT", "EPOCH", "DVSTDTC", "DVSTDY"],
    "SUPPDV": SUPP,
    "LB": [*IDS, "LBSEQ", "LBTESTCD", "LBTEST", "LBCAT", "LBORRES", "LBORRESU", "LBSTRESC",
           "LBSTRESN", "LBSTRESU", "LBORNRLO", "LBORNRHI", "LBSTNRLO", "LBSTNRHI", "LBNRIND",
           "LBSPEC", "LBTOX", "LBTOXGR", "EPOCH", "LBDTC", "LBDY"],
    "VS": [*IDS, "VSSEQ", "VSTESTCD", "VSTEST", "VSORRES", "VSORRESU", "VSSTRESC", "VSSTRESN",
           "VSSTRESU", "EPOCH", "VSDTC", "VSDY", "VSTPT", "VSTPTNUM"],
    "SUPPVS": SUPP,
    "FA": [*IDS, "FASEQ", "FATESTCD", "FATEST", "FAOBJ", "FACAT", "FAORRES", "FAORRESU",
           "FASTRESC", "FASTRESN", "FASTRESU", "EPOCH", "FADTC", "FADY"],
    "TE": ["STUDYID", "DOMAIN", "ETCD", "ELEMENT", "TESTRL", "TEENRL"],
    "TA": ["STUDYID", "DOMAIN", "ARMCD", "ARM", "TAETORD", "ETCD", "ELEMENT", "TABRANCH",
           "TATRANS", "EPOCH"],
    "TS": ["STUDYID", "DOMAIN", "TSSEQ", "TSPARMCD", "TSPARM", "TSVAL", "TSVALCD", "TSVCDREF",
           "TSVCDVER"],
    "SE": [*IDS, "SESEQ", "ETCD", "ELEMENT", "TAETORD", "EPOCH", "SESTDTC", "SEENDTC", "SESTDY",
           "SEENDY"],
    "SV": [*IDS, "VISITNUM", "VISIT", "EPOCH", "SVSTDTC", "SVENDTC", "SVSTDY", "SVENDY",
           "SVUPDES"],
    "RELREC": ["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "RELTYPE", "RELID"],
}
# SDTMIG v3.4's Required variables of each domain written (Core "Req"): never null.
REQUIRED = {
    "DM": [*IDS, "SUBJID", "SITEID", "SEX", "COUNTRY"],
    "EX": [*IDS, "EXSEQ", "EXTRT"],
    "AE": [*IDS, "AESEQ", "AETERM", "AEDECOD"],
    "SUPPAE": SUPP_REQUIRED,
    "RS": [*IDS, "RSSEQ", "RSTESTCD", "RSTEST"],
    "PC": [*IDS, "PCSEQ", "PCTESTCD", "PCTEST"],
    "PP": [*IDS, "PPSEQ", "PPTESTCD", "PPTEST"],
    "DS": [*IDS, "DSSEQ", "DSTERM", "DSDECOD", "DSCAT"],
    "CM": [*IDS, "CMSEQ", "CMTRT"],
    "SUPPCM": SUPP_REQUIRED,
    "PR": [*IDS, "PRSEQ", "PRTRT"],
    "SUPPPR": SUPP_REQUIRED,
    "MH": [*IDS, "MHSEQ", "MHTERM"],
    "DV": [*IDS, "DVSEQ", "DVTERM"],
    "SUPPDV": SUPP_REQUIRED,
    "LB": [*IDS, "LBSEQ", "LBTESTCD", "LBTEST"],
    "VS": [*IDS, "VSSEQ", "VSTESTCD", "VSTEST"],
    "SUPPVS": SUPP_REQUIRED,
    "FA": [*IDS, "FASEQ", "FATESTCD", "FATEST", "FAOBJ"],
    "TE": ["STUDYID", "DOMAIN", "ETCD", "ELEMENT", "TESTRL"],
    "TA": ["STUDYID", "DOMAIN", "ARMCD", "ARM", "TAETORD", "ETCD", "EPOCH"],
    "TS": ["STUDYID", "DOMAIN", "TSSEQ", "TSPARMCD", "TSPARM"],
    "SE": [*IDS, "SESEQ", "ETCD", "SESTDTC"],
    "SV": [*IDS, "VISITNUM"],
    "RELREC": ["STUDYID", "RDOMAIN", "IDVAR", "RELID"],
}
ISO_8601 = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$")
ISO_DURATION = re.compile(r"^P\d+D$")


def datasets(deidentified=False):
    return {d.name: d for d in sdtm_datasets(load_export_data(), deidentified=deidentified)}


def records(dataset) -> list[dict]:
    return [dict(zip(dataset.columns, row, strict=True)) for row in dataset.rows]


@pytest.mark.parametrize(("on", "day"), [
    (date(2024, 3, 12), 1),  # the first infusion is day 1
    (date(2024, 3, 13), 2),
    (date(2024, 3, 11), -1),  # the day before is −1: there is no day 0
    (date(2024, 3, 1), -11),
    (date(2025, 3, 12), 366),
])
def test_study_days_count_from_day_1_without_a_day_0(on, day):
    assert sdtm_study_day(on, date(2024, 3, 12)) == day


def test_no_study_day_without_a_reference_or_a_date():
    assert sdtm_study_day(date(2024, 3, 12), None) is None
    assert sdtm_study_day(None, date(2024, 3, 12)) is None


def test_every_domain_has_the_standard_variables_in_order(full_patient, screen_failure):
    found = datasets()
    assert list(found) == list(EXPECTED_COLUMNS)
    for name, columns in EXPECTED_COLUMNS.items():
        assert list(found[name].columns) == columns, name


def test_no_required_variable_is_null(full_patient, screen_failure):
    for name, dataset in datasets().items():
        for variable in REQUIRED[name]:
            index = dataset.columns.index(variable)
            assert all(row[index] not in (None, "") for row in dataset.rows), (name, variable)


def test_no_study_day_is_0_and_every_date_is_iso_8601(full_patient, screen_failure):
    for dataset in datasets().values():
        for index, column in enumerate(dataset.columns):
            values = [row[index] for row in dataset.rows if row[index] is not None]
            if column.endswith("DTC"):
                assert all(ISO_8601.match(v) for v in values), (dataset.name, column, values)
            if column.endswith(("DY", "STDY", "ENDY")) and column != "VISITDY":
                assert 0 not in values, (dataset.name, column)


def test_dm_takes_the_first_infusion_as_reference_start(full_patient, screen_failure):
    dm = {r["SUBJID"]: r for r in records(datasets()["DM"])}
    infused = dm["RD-001"]
    assert infused["USUBJID"] == "RD13-02-PH1-RD-001"
    assert infused["RFSTDTC"] == "2024-03-12T09:00"
    assert infused["RFICDTC"] == "2024-03-01"
    assert (infused["RFENDTC"], infused["DTHDTC"], infused["DTHFL"]) == ("2024-12-20",
                                                                         "2025-01-10", "Y")
    assert infused["RFPENDTC"] == "2025-01-10"
    assert (infused["AGE"], infused["AGEU"], infused["SEX"]) == (27, "YEARS", "M")
    assert infused["ARMCD"] == infused["ACTARMCD"] == "DL1"
    assert infused["ARMNRS"] is None and infused["ACTARMUD"] is None
    assert infused["COUNTRY"] == "CHN"  # the setting's default: the trial's site
    assert infused["RACE"] is None  # not collected by the CRFs


def test_dm_exposure_dates_are_the_first_and_last_ex_dates(full_patient, screen_failure):
    # given: EX starts with the lymphodepletion (03-07) and ends with the infusion
    found = datasets()
    ex = records(found["EX"])
    dm = {r["USUBJID"]: r for r in records(found["DM"])}
    # then: the oracle is EX itself
    for usubjid, row in dm.items():
        starts = [r["EXSTDTC"] for r in ex if r["USUBJID"] == usubjid]
        ends = [r["EXENDTC"] for r in ex if r["USUBJID"] == usubjid]
        assert row["RFXSTDTC"] == (min(starts) if starts else None), usubjid
        assert row["RFXENDTC"] == (max(ends) if ends else None), usubjid
    assert dm["RD13-02-PH1-RD-001"]["RFXSTDTC"] == "2024-03-07"
    assert dm["RD13-02-PH1-RD-001"]["RFXENDTC"] == "2024-03-12T09:00"


def test_dm_gives_a_reference_end_to_an_infused_patient_still_on_study(db):
    # given: infused 2024-03-12, last seen 2024-06-30, neither off study nor dead
    patient = factories.patient()
    factories.infusion(patient)
    factories.contact(patient, on=date(2024, 6, 30))
    # when
    (row,) = records(datasets()["DM"])
    # then
    assert (row["RFSTDTC"], row["RFENDTC"], row["RFPENDTC"]) == (
        "2024-03-12", "2024-06-30", "2024-06-30")


def test_dm_leaves_the_arm_null_with_a_reason_for_a_patient_never_infused(full_patient,
                                                                          screen_failure):
    # given: RD-003 enrolled and conditioned, never infused
    enrolled = factories.patient("RD-003", consent_date=date(2024, 5, 2),
                                enrollment_date=date(2024, 5, 5))
    factories.lymphodepletion(enrolled, start=date(2024, 5, 10))
    # when
    dm = {r["SUBJID"]: r for r in records(datasets()["DM"])}
    # then
    arms = ("ARMCD", "ARM", "ACTARMCD", "ACTARM", "ACTARMUD")
    failed, not_assigned = dm["RD-002"], dm["RD-003"]
    assert [failed[v] for v in arms] == [None] * 5 and failed["ARMNRS"] == "SCREEN FAILURE"
    assert [not_assigned[v] for v in arms] == [None] * 5
    assert not_assigned["ARMNRS"] == "NOT ASSIGNED"
    assert failed["RFSTDTC"] is failed["RFENDTC"] is failed["RFXSTDTC"] is None
    # Conditioned: the lymphodepletion is study treatment, though no reference start.
    assert (not_assigned["RFSTDTC"], not_assigned["RFENDTC"]) == (None, None)
    assert (not_assigned["RFXSTDTC"], not_assigned["RFXENDTC"]) == ("2024-05-10", "2024-05-12")
    assert {r["SUBJID"] for r in dm.values() if r["ARMNRS"]} == {"RD-002", "RD-003"}


def test_dm_calls_a_second_infusion_at_another_dose_level_an_unplanned_arm(db):
    # given
    patient = factories.patient()
    factories.infusion(patient)
    factories.infusion(patient, number=2, on=date(2024, 4, 12),
                       level=factories.dose_level("DL2", cells_per_kg=1e7))
    # when
    (row,) = records(datasets()["DM"])
    # then: planned DL1, received DL1 then DL2
    assert (row["ARMCD"], row["ACTARMCD"], row["ACTARMUD"]) == ("DL1", "UNPLANNED",
                                                                "RD13-02 DL1 then DL2")
    assert row["ARMNRS"] is None


def test_ex_has_the_infusion_and_the_lymphodepletion_drugs(full_patient):
    ex = records(datasets()["EX"])
    assert [(r["EXTRT"], r["EXSEQ"]) for r in ex] == [
        ("FLUDARABINE", 1), ("CYCLOPHOSPHAMIDE", 2), ("RD13-02", 3)]
    fludarabine, _, infusion = ex
    # Conditioning 2024-03-07 for 3 days: days −5 … −3 before the infusion on day 1.
    assert (fludarabine["EXSTDTC"], fludarabine["EXENDTC"]) == ("2024-03-07", "2024-03-09")
    assert (fludarabine["EXSTDY"], fludarabine["EXENDY"]) == (-5, -3)
    assert (fludarabine["EXDOSE"], fludarabine["EXDOSU"]) == (30, "mg/m2")
    assert (infusion["EXDOSE"], infusion["EXDOSU"]) == (5e6, "CELLS/kg")
    assert (infusion["EXSTDTC"], infusion["EXSTDY"], infusion["EXLOT"]) == (
        "2024-03-12T09:00", 1, "L-0042")


def test_ae_carries_grade_seriousness_relatedness_and_study_days(full_patient):
    ae = records(datasets()["AE"])
    # In onset order: the neutropenia the day before the infusion, then the CRS.
    assert [(r["AESEQ"], r["AETERM"], r["AESTDY"]) for r in ae] == [
        (1, "Neutrophil count decreased", -1), (2, "Cytokine release syndrome", 3)]
    crs = ae[1]
    assert (crs["AETOXGR"], crs["AESER"], crs["AEREL"], crs["AEOUT"]) == (
        "3", "Y", "PROBABLY RELATED", "RECOVERED/RESOLVED")
    assert (crs["AESTDTC"], crs["AEENDTC"], crs["AEENDY"]) == ("2024-03-14", "2024-03-18", 7)


def test_ae_gives_the_seriousness_criteria_of_a_serious_event_only(db):
    # given: a serious event, life-threatening and hospitalised; one not serious
    patient = factories.patient()
    factories.infusion(patient)
    factories.adverse_event(patient, grade=4, serious=True, sae_life_threatening=True,
                            sae_hospitalisation=True)
    factories.adverse_event(patient, term="Nausea", grade=1, onset_date=date(2024, 3, 20))
    # when
    serious, mild = records(datasets()["AE"])
    # then
    criteria = ("AESDTH", "AESLIFE", "AESHOSP", "AESDISAB", "AESCONG", "AESMIE")
    assert [serious[v] for v in criteria] == ["N", "Y", "Y", "N", "N", "N"]
    assert [mild[v] for v in criteria] == [None] * 6 and mild["AESER"] == "N"


@pytest.mark.parametrize(("recorded", "acn", "other"), [
    ("none", "DOSE NOT CHANGED", None),
    ("treatment", "DOSE NOT CHANGED", "TREATMENT GIVEN"),
    ("infusion_delayed", "DRUG INTERRUPTED", "RD13-02 INFUSION DELAYED"),
    ("infusion_interrupted", "DRUG INTERRUPTED", None),
    ("product_withdrawn", "DRUG WITHDRAWN", None),
    ("other", None, "OTHER"),
    ("", None, None),  # not recorded
])
def test_aeacn_is_read_from_the_recorded_action_taken(db, recorded, acn, other):
    patient = factories.patient()
    factories.adverse_event(patient, action_taken=recorded)
    (row,) = records(datasets()["AE"])
    assert (row["AEACN"], row["AEACNOTH"]) == (acn, other)


def test_suppae_gives_the_scale_the_derived_astct_grade_and_the_dlt_decision(full_patient):
    supp = {(r["IDVARVAL"], r["QNAM"]): r["QVAL"] for r in records(datasets()["SUPPAE"])}
    assert supp == {("1", "TOXSCALE"): "CTCAE v5.0", ("2", "TOXSCALE"): "ASTCT 2019",
                    # 39.5 °C with one vasopressor: ASTCT grade 3.
                    ("2", "CRSGRDRV"): "3", ("2", "DLTADJ"): "CONFIRMED"}


def test_rs_has_the_investigators_and_the_derived_response_per_visit(full_patient):
    rs = records(datasets()["RS"])
    assert [(r["VISIT"], r["VISITNUM"], r["RSEVAL"], r["RSDRVFL"], r["RSSTRESC"])
            for r in rs] == [
        ("W4", 2, "INVESTIGATOR", None, "CR"), ("W4", 2, None, "Y", "CR"),
        ("UNSCHEDULED", 2.01, "INVESTIGATOR", None, "PR"),
        # Marrow blasts back to 10% after a CR: the criteria say relapse (PD).
        ("UNSCHEDULED", 2.01, None, "Y", "PD")]
    assert {r["RSTESTCD"] for r in rs} == {"OVRLRESP"}
    assert (rs[0]["RSDTC"], rs[0]["RSDY"]) == ("2024-04-09", 29)


def test_pc_gives_every_result_the_assays_lloq_and_a_visit(full_patient, settings):
    pc = records(datasets()["PC"])
    lloq = {"CARTGCP": settings.PK_LLOQ["car_copies_per_ug_gdna"],
            "CARTCELL": settings.PK_LLOQ["car_t_cells_per_uL"]}
    assert all(r["PCLLOQ"] == lloq[r["PCTESTCD"]] for r in pc)
    assert [(r["VISITNUM"], r["VISIT"]) for r in pc][:2] == [(100, "PK DAY 0"),
                                                             (107, "PK DAY 7")]
    # One visit name per number, across the domains that have visits.
    visits = {(r["VISITNUM"], r["VISIT"]) for name in ("PC", "RS")
              for r in records(datasets()[name])}
    assert len({number for number, _ in visits}) == len(visits)


def test_pc_and_pp_name_the_analyte_the_same_way(full_patient):
    found = datasets()
    pc, pp = records(found["PC"]), records(found["PP"])
    tests = {(r["PCTESTCD"], r["PCTEST"]) for r in pc}
    assert len({code for code, _ in tests}) == len({name for _, name in tests}) == len(tests)
    assert {r["PPCAT"] for r in pp} <= {name for _, name in tests}
    assert all(r["PPTPTREF"] == "FIRST INFUSION" for r in pp if r["PPRFTDTC"])
    assert all(r["PPRFTDTC"] for r in pp)


def test_pc_writes_blq_samples_as_blq_without_a_number(full_patient):
    pc = records(datasets()["PC"])
    day0, day7 = pc[0], pc[1]
    assert (day0["PCTPT"], day0["PCORRES"], day0["PCSTRESC"], day0["PCSTRESN"]) == (
        "DAY 0", "BLQ", "BLQ", None)
    assert (day7["PCTESTCD"], day7["PCORRES"], day7["PCSTRESN"], day7["PCSTRESU"]) == (
        "CARTGCP", "50000", 50000.0, "copies/ug gDNA")
    assert (day7["PCDTC"], day7["PCDY"], day7["PCELTM"]) == ("2024-03-19T09:00", 8, "P7D")
    assert all(ISO_DURATION.match(r["PCELTM"]) for r in pc)


def test_pp_holds_the_endpoint_reports_nca_parameters(full_patient):
    # given: the endpoint report's PK block for the same data
    data = load_export_data()
    reported = build_report(data.trial, date(2026, 1, 1))["pk"]["patients"][0]
    # when
    pp = {r["PPTESTCD"]: r for r in records(datasets()["PP"])
          if r["PPCAT"] == "CAR Transgene Copies"}
    # then
    assert pp["CMAX"]["PPSTRESN"] == reported["cmax"] == 120000.0
    assert pp["TMAX"]["PPSTRESN"] == pytest.approx(reported["tmax"])
    assert pp["AUCINT"]["PPSTRESN"] == pytest.approx(reported["auc_0_28"])
    assert (pp["AUCINT"]["PPSTINT"], pp["AUCINT"]["PPENINT"]) == ("P0D", "P28D")
    assert pp["TLST"]["PPSTRESN"] == pytest.approx(reported["tlast"])
    assert pp["CLST"]["PPSTRESN"] == reported["clast"] == 30000.0
    assert not reported["auc_0_28_partial"] and pp["AUCINT"]["PPSTAT"] is None


def test_pp_does_not_give_a_partial_area_as_the_day_0_28_auc(db):
    # given: samples up to day 14 only
    patient = factories.patient()
    factories.infusion(patient)
    for day, value in ((7, 50000.0), (14, 20000.0)):
        factories.pk_sample(patient, day=day, value=value)
    # when
    pp = {r["PPTESTCD"]: r for r in records(datasets()["PP"])}
    # then
    assert (pp["AUCINT"]["PPSTAT"], pp["AUCINT"]["PPREASND"]) == ("NOT DONE",
                                                                  "NO SAMPLE ON DAY 28")
    assert pp["AUCINT"]["PPORRES"] is None and pp["AUCINT"]["PPSTRESN"] is None
    assert pp["CMAX"]["PPSTRESN"] == 50000.0


def test_ds_lists_consent_enrolment_the_treatment_period_leaving_and_death(full_patient):
    ds = records(datasets()["DS"])
    assert [(r["DSDECOD"], r["DSCAT"], r["EPOCH"], r["DSSTDTC"], r["DSSTDY"]) for r in ds] == [
        ("INFORMED CONSENT OBTAINED", "PROTOCOL MILESTONE", "SCREENING", "2024-03-01", -11),
        ("ENTERED INTO TRIAL", "PROTOCOL MILESTONE", "SCREENING", "2024-03-04", -8),
        # Infused 03-12: the treatment period ends with the DLT window, protocol day 28.
        ("COMPLETED", "DISPOSITION EVENT", "TREATMENT", "2024-04-09", 29),
        ("WITHDRAWAL BY SUBJECT", "DISPOSITION EVENT", "FOLLOW-UP", "2024-12-20", 284),
        # Died after leaving the study: another event, not a second disposition.
        ("DEATH", "OTHER EVENT", "FOLLOW-UP", "2025-01-10", 305)]


def test_ds_makes_a_death_on_study_the_disposition_event(db):
    # given: died on day 10, never taken off study
    patient = factories.patient()
    factories.infusion(patient)
    factories.death(patient, on=date(2024, 3, 21), cause="adverse_event")
    # when
    ds = records(datasets()["DS"])
    # then: no completed treatment period, the death ends it
    assert [(r["DSTERM"], r["DSDECOD"], r["DSCAT"], r["EPOCH"]) for r in ds][2:] == [
        ("DEATH (ADVERSE EVENT)", "DEATH", "DISPOSITION EVENT", "TREATMENT")]


def test_ds_does_not_repeat_a_death_that_was_the_reason_for_leaving(db):
    patient = factories.patient()
    factories.infusion(patient)
    factories.death(patient, on=date(2024, 3, 21))
    patient.refresh_from_db()
    patient.off_study_date, patient.off_study_reason = date(2024, 3, 21), "died"
    record_save(patient, by=factories.user(), reason="off study")
    decodes = [r["DSDECOD"] for r in records(datasets()["DS"])]
    assert decodes.count("DEATH") == 1


def test_ds_has_one_disposition_event_per_epoch(full_patient, screen_failure):
    ds = records(datasets()["DS"])
    epochs = [(r["USUBJID"], r["EPOCH"]) for r in ds if r["DSCAT"] == "DISPOSITION EVENT"]
    assert len(epochs) == len(set(epochs))


def test_no_ae_starts_after_the_last_ds_date_within_the_treatment_period(db):
    # given: still on study, seen after the treatment period; an AE on protocol day 20
    patient = factories.patient()
    factories.lymphodepletion(patient)
    factories.infusion(patient)
    factories.adverse_event(patient, onset_date=date(2024, 4, 1))
    factories.contact(patient, on=date(2024, 6, 30))
    # when
    found = datasets()
    # then (CORE-000717: AESTDTC no later than the latest DSSTDTC)
    last_ds = max(r["DSSTDTC"] for r in records(found["DS"]))
    assert all(r["AESTDTC"] <= last_ds for r in records(found["AE"]))


def test_a_sponsors_ds_writes_the_coded_reason_not_the_recorded_words(full_patient):
    monitors = [r["DSTERM"] for r in records(datasets()["DS"])]
    sponsors = [r["DSTERM"] for r in records(datasets(deidentified=True)["DS"])]
    assert "withdrew consent, moved to Lyon with her aunt" in monitors
    assert sponsors[3] == "WITHDRAWAL BY SUBJECT"


@pytest.mark.parametrize(("reason", "died", "decode"), [
    ("Withdrew consent", False, "WITHDRAWAL BY SUBJECT"),
    ("lost to follow-up after relocation", False, "LOST TO FOLLOW-UP"),
    ("disease progression", False, "PROGRESSIVE DISEASE"),
    ("unacceptable toxicity", False, "ADVERSE EVENT"),
    ("study completed", False, "COMPLETED"),
    ("family decision", False, "OTHER"),
    ("family decision", True, "DEATH"),
])
def test_off_study_reasons_map_to_cdisc_terms(reason, died, decode):
    assert off_study_decode(reason, died) == decode


def test_dtc_writes_dates_and_times_to_the_minute_in_the_studys_time_zone():
    assert dtc(date(2024, 3, 12), UTC) == "2024-03-12"
    assert dtc(date(2024, 3, 12), UTC, time(10, 30)) == "2024-03-12T10:30"
    assert dtc(datetime(2024, 3, 12, 23, 30, tzinfo=UTC), UTC) == "2024-03-12T23:30"
    assert dtc(datetime(2024, 3, 12, 23, 30, tzinfo=UTC), ZoneInfo("Europe/Paris")) == \
        "2024-03-13T00:30"


@pytest.mark.parametrize(("on", "epoch"), [
    (date(2024, 3, 6), "SCREENING"),  # before the lymphodepletion
    (date(2024, 3, 7), "TREATMENT"),  # its first day
    (date(2024, 4, 9), "TREATMENT"),  # the treatment period's last day
    (date(2024, 4, 10), "FOLLOW-UP"),
    (None, None),
])
def test_epoch_counts_from_the_lymphodepletion_to_the_end_of_the_treatment_period(on, epoch):
    subject = Subject("S-1", date(2024, 3, 12), "2024-03-12", treatment_start=date(2024, 3, 7),
                      treatment_end=date(2024, 4, 9))
    assert subject.epoch(on) == epoch


def test_an_untreated_patient_is_in_screening_throughout():
    assert Subject("S-1", None, None).epoch(date(2030, 1, 1)) == "SCREENING"


def test_events_and_findings_carry_the_epoch_of_their_date(full_patient):
    found = datasets()
    assert [r["EPOCH"] for r in records(found["EX"])] == ["TREATMENT"] * 3
    # Neutropenia on 03-11 (conditioned from 03-07), CRS on 03-14.
    assert [r["EPOCH"] for r in records(found["AE"])] == ["TREATMENT", "TREATMENT"]
    # W4 on protocol day 28, the last of the treatment period; the unscheduled one after it.
    assert [r["EPOCH"] for r in records(found["RS"])] == ["TREATMENT"] * 2 + ["FOLLOW-UP"] * 2
    pc = records(found["PC"])
    assert {r["PCTPT"]: r["EPOCH"] for r in pc} == {"DAY 0": "TREATMENT", "DAY 7": "TREATMENT",
                                                    "DAY 14": "TREATMENT", "DAY 28": "TREATMENT"}
    for name in ("AE", "DS", "EX", "PC", "RS"):
        assert all(r["EPOCH"] in {"SCREENING", "TREATMENT", "FOLLOW-UP"}
                   for r in records(found[name])), name
