"""SDTM datasets: variables in the SDTMIG order, study days, ISO 8601 dates and the mappings."""

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from endpoints.report import build_report
from exports.loader import load_export_data
from exports.sdtm import off_study_decode, sdtm_datasets
from exports.sdtm_rows import dtc, sdtm_study_day
from tests import factories

pytestmark = pytest.mark.django_db

IDS = ["STUDYID", "DOMAIN", "USUBJID"]
EXPECTED_COLUMNS = {
    "DM": [*IDS, "SUBJID", "RFSTDTC", "RFENDTC", "RFXSTDTC", "RFXENDTC", "RFICDTC", "RFPENDTC",
           "DTHDTC", "DTHFL", "SITEID", "AGE", "AGEU", "SEX", "ARMCD", "ARM", "ACTARMCD",
           "ACTARM"],
    "EX": [*IDS, "EXSEQ", "EXTRT", "EXCAT", "EXDOSE", "EXDOSU", "EXDOSFRM", "EXDOSFRQ",
           "EXROUTE", "EXLOT", "EXSTDTC", "EXENDTC", "EXSTDY", "EXENDY"],
    "AE": [*IDS, "AESEQ", "AETERM", "AEDECOD", "AESER", "AEREL", "AEOUT", "AETOXGR", "AESTDTC",
           "AEENDTC", "AESTDY", "AEENDY"],
    "SUPPAE": ["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL",
               "QORIG", "QEVAL"],
    "RS": [*IDS, "RSSEQ", "RSTESTCD", "RSTEST", "RSORRES", "RSSTRESC", "RSDRVFL", "RSEVAL",
           "VISITNUM", "VISIT", "RSDTC", "RSDY"],
    "PC": [*IDS, "PCSEQ", "PCTESTCD", "PCTEST", "PCORRES", "PCORRESU", "PCSTRESC", "PCSTRESN",
           "PCSTRESU", "PCSPEC", "PCMETHOD", "PCDTC", "PCDY", "PCTPT", "PCTPTNUM", "PCELTM",
           "PCTPTREF", "PCRFTDTC"],
    "PP": [*IDS, "PPSEQ", "PPTESTCD", "PPTEST", "PPCAT", "PPORRES", "PPORRESU", "PPSTRESC",
           "PPSTRESN", "PPSTRESU", "PPSTAT", "PPREASND", "PPSPEC", "PPRFTDTC", "PPSTINT",
           "PPENINT"],
    "DS": [*IDS, "DSSEQ", "DSTERM", "DSDECOD", "DSCAT", "DSSTDTC", "DSSTDY"],
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
    infused, failed = dm["RD-001"], dm["RD-002"]
    assert infused["USUBJID"] == "RD13-02-PH1-RD-001"
    assert infused["RFSTDTC"] == infused["RFXSTDTC"] == "2024-03-12T09:00"
    assert infused["RFICDTC"] == "2024-03-01"
    assert (infused["RFENDTC"], infused["DTHDTC"], infused["DTHFL"]) == ("2024-12-20",
                                                                         "2025-01-10", "Y")
    assert infused["RFPENDTC"] == "2025-01-10"
    assert (infused["AGE"], infused["AGEU"], infused["SEX"]) == (27, "YEARS", "M")
    assert infused["ARMCD"] == infused["ACTARMCD"] == "DL1"
    assert failed["RFSTDTC"] is None and failed["ARMCD"] == "SCRNFAIL"


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
    pp = {r["PPTESTCD"]: r for r in records(datasets()["PP"]) if r["PPCAT"] == "CARTGCP"}
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


def test_ds_lists_consent_enrolment_leaving_and_death(full_patient):
    ds = records(datasets()["DS"])
    assert [(r["DSDECOD"], r["DSCAT"], r["DSSTDTC"], r["DSSTDY"]) for r in ds] == [
        ("INFORMED CONSENT OBTAINED", "PROTOCOL MILESTONE", "2024-03-01", -11),
        ("ENROLLED", "PROTOCOL MILESTONE", "2024-03-04", -8),
        ("WITHDRAWAL BY SUBJECT", "DISPOSITION EVENT", "2024-12-20", 284),
        ("DEATH", "OTHER EVENT", "2025-01-10", 305)]


def test_a_sponsors_ds_writes_the_coded_reason_not_the_recorded_words(full_patient):
    monitors = [r["DSTERM"] for r in records(datasets()["DS"])]
    sponsors = [r["DSTERM"] for r in records(datasets(deidentified=True)["DS"])]
    assert "withdrew consent, moved to Lyon with her aunt" in monitors
    assert sponsors[2] == "WITHDRAWAL BY SUBJECT"


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
