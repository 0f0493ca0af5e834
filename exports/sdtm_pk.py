"""SDTM PC (CAR-T concentrations per sample) and PP (their NCA parameters). Pure.

PC: one row per sample and analyte measured: CAR transgene copies/µg gDNA by qPCR (CARTGCP) and
CAR-T cells/µL by flow cytometry (CARTCELL). A qPCR result below the LLOQ is PCORRES/PCSTRESC
"BLQ" with PCSTRESN empty; every result carries the assay's LLOQ (PCLLOQ, in PCSTRESU; the
settings `PK_LLOQ_*`). PCTPT is the protocol's nominal day after the first infusion
(PCELTM P<n>D from PCTPTREF "FIRST INFUSION"). Each sampling day is a visit of its own,
"PK DAY <n>", numbered 100 + n so that it never meets the response visits' numbers (1–7).

PP: Cmax, Tmax, AUC(0–28 d), Tlast and Clast of each infused patient and analyte, computed by
`pk.nca` from the peripheral-blood samples exactly as the endpoint report does
(`endpoints.report.BloodSamples`, times in days from the first infusion). PPCAT is the analyte's
PCTEST (SDTMIG v3.4 PP assumption: the analyte the profile is of), and each parameter names
PPTPTREF "FIRST INFUSION" with its date PPRFTDTC. AUCINT carries PPSTINT P0D and PPENINT
P28D; an AUC that cannot cover day 0–28 (no sample on day 28, or none after day 0) is PPSTAT
"NOT DONE" with the reason, never a partial area under the full interval's name.
"""

from endpoints.report import CELLS, COPIES, BloodSamples
from exports.sdtm_rows import DomainRows, Subject, dtc, local_date, number_text, sdtm_study_day
from exports.sdtm_variables import Dataset
from exports.specs import ExportData

ANALYTES = {  # analyte → (PCTESTCD, PCTEST, unit, method)
    COPIES: ("CARTGCP", "CAR Transgene Copies", "copies/ug gDNA", "QPCR"),
    CELLS: ("CARTCELL", "CAR-T Cells", "cells/uL", "FLOW CYTOMETRY"),
}
SPECIMEN = {"peripheral_blood": "BLOOD", "bone_marrow": "BONE MARROW",
            "csf": "CEREBROSPINAL FLUID"}
BLQ = "BLQ"
PK_VISIT_BASE = 100


def _result(sample: dict, analyte: str) -> tuple[str, float | None] | None:
    """(text, number) of one analyte of a sample; None when it was not measured."""
    if analyte == COPIES and sample["below_lloq"]:
        return BLQ, None
    value = sample[analyte]
    return None if value is None else (number_text(value), float(value))


def pc_rows(data: ExportData, subject_of: dict[str, Subject]) -> Dataset:
    tz = data.time_zone
    rows = DomainRows("PC", data.study_id)
    for sample in data.rows["pk-sample"]:
        subject = subject_of[sample["subject_id"]]
        day = sample["nominal_day"]
        for analyte, (testcd, test, unit, method) in ANALYTES.items():
            result = _result(sample, analyte)
            if result is None:
                continue
            text, number = result
            on = local_date(sample["collected_at"], tz)
            rows.add(subject, PCTESTCD=testcd, PCTEST=test, PCORRES=text, PCORRESU=unit,
                     PCSTRESC=text, PCSTRESN=number, PCSTRESU=unit,
                     PCSPEC=SPECIMEN[sample["matrix"]], PCMETHOD=method,
                     PCLLOQ=data.lloq.get(analyte), VISITNUM=PK_VISIT_BASE + day,
                     VISIT=f"PK DAY {day}", EPOCH=subject.epoch(on),
                     PCDTC=dtc(sample["collected_at"], tz),
                     PCDY=sdtm_study_day(on, subject.first_infusion_date),
                     PCTPT=f"DAY {day}", PCTPTNUM=day, PCELTM=f"P{day}D",
                     PCTPTREF="FIRST INFUSION", PCRFTDTC=subject.first_infusion_dtc)
    return rows.dataset()


def _auc_status(result) -> str | None:
    if result.auc_0_28 is None:
        return "NO QUANTIFIED SAMPLE AFTER DAY 0"
    if result.auc_0_28_partial:
        return "NO SAMPLE ON DAY 28"
    return None


def pp_rows(data: ExportData, subject_of: dict[str, Subject]) -> Dataset:
    rows = DomainRows("PP", data.study_id)
    blood = BloodSamples.of(tuple(p for p in data.trial.patients if p.infusions))
    results = {analyte: blood.nca(analyte) for analyte in ANALYTES}
    for index, patient in enumerate(blood.patients):
        subject = subject_of[patient.subject_id]
        for analyte, (_testcd, test, unit, _method) in ANALYTES.items():
            result = results[analyte][index]
            if result is None:
                continue
            not_done = _auc_status(result)
            parameters = (
                ("CMAX", "Max Conc", result.cmax, unit, None),
                ("TMAX", "Time of CMAX", result.tmax, "DAYS", None),
                ("AUCINT", "AUC from T1 to T2", None if not_done else result.auc_0_28,
                 f"day*{unit}", not_done),
                ("TLST", "Time of Last Nonzero Conc", result.tlast, "DAYS", None),
                ("CLST", "Last Nonzero Conc", result.clast, unit, None),
            )
            for code, name, value, param_unit, reason in parameters:
                interval = {"PPSTINT": "P0D", "PPENINT": "P28D"} if code == "AUCINT" else {}
                rows.add(subject, PPTESTCD=code, PPTEST=name, PPCAT=test,
                         PPORRES=None if value is None else number_text(value),
                         PPORRESU=param_unit,
                         PPSTRESC=None if value is None else number_text(value),
                         PPSTRESN=None if value is None else float(value),
                         PPSTRESU=param_unit, PPSTAT="NOT DONE" if reason else None,
                         PPREASND=reason, PPSPEC="BLOOD", PPTPTREF="FIRST INFUSION",
                         PPRFTDTC=subject.first_infusion_dtc,
                         **interval)
    return rows.dataset()
