"""CDISC SDTM-shaped datasets of the trial: DM, EX, AE (with SUPPAE), RS, PC, PP and DS. Pure.

Variable names, order and labels follow SDTMIG v3.4 (`exports.sdtm_variables`); dates are
ISO 8601 and study days have no day 0 (`exports.sdtm_rows`). USUBJID is STUDYID-SUBJID.

Mappings where the trial's CRFs meet SDTM:
- DM: RFSTDTC = RFXSTDTC = the first infusion; RFXENDTC the last; RFENDTC the off-study date, or
  the death date; RFPENDTC the latest date on the patient's record. A single-centre trial:
  SITEID "01". The arm is the dose level of the first infusion (the escalation assigns it when
  the patient is infused, so planned and actual agree): "SCRNFAIL" for a patient never enrolled,
  "NOTASSGN"/"NOTTRT" for one enrolled but not infused.
- EX: each RD13-02 infusion (EXDOSE in CAR-T cells/kg for a weight-based dose level, total
  cells for a flat one, falling back to what was recorded), and the lymphodepletion's
  fludarabine and cyclophosphamide (mg/m² once a day, EXENDTC the last day).
- AE: AETOXGR is the recorded grade: ASTCT 2019 for CRS and ICANS, CTCAE v5.0 otherwise (the
  scale in SUPPAE.TOXSCALE). AEDECOD is the CTCAE v5.0 term, itself a MedDRA lowest-level term.
  SUPPAE adds the ASTCT grade derived from the CRS and ICANS details (CRSGRDRV, ICNGRDRV) and
  the investigator's signed DLT decision (DLTADJ).
- RS: the investigator's overall response at each assessment (RSEVAL INVESTIGATOR) and the one
  the protocol's criteria derive from the recorded values (RSDRVFL Y).
- PC / PP: `exports.sdtm_pk`.
- DS: informed consent and enrolment (protocol milestones); leaving the study (disposition
  event, DSDECOD read from the recorded reason, `off_study_decode`); death.
A sponsor's export (`deidentified`) is built from the sponsor's share of the rows
(`ExportData.sponsor_share`, which blanks what `core.sponsor_share` withholds), so no
variable can carry a withheld field: DSTERM is then the coded DSDECOD, read from the recorded
reason before it was blanked.
"""

from datetime import timedelta

from exports.sdtm_pk import pc_rows, pp_rows
from exports.sdtm_rows import DomainRows, Subject, dtc, sdtm_study_day, to_dataset
from exports.sdtm_variables import Dataset
from exports.specs import ExportData
from safety.dlt_rules import ae_kind
from safety.grading import derive_grade

SITE_ID = "01"
REL = {"unrelated": "NOT RELATED", "unlikely": "UNLIKELY RELATED",
       "possible": "POSSIBLY RELATED", "probable": "PROBABLY RELATED", "definite": "RELATED"}
OUT = {"recovered": "RECOVERED/RESOLVED", "recovering": "RECOVERING/RESOLVING",
       "not_recovered": "NOT RECOVERED/NOT RESOLVED",
       "sequelae": "RECOVERED/RESOLVED WITH SEQUELAE", "fatal": "FATAL", "unknown": "UNKNOWN"}
VISITNUM = {"SCREENING": 1, "W4": 2, "W8": 3, "W12": 4, "M6": 5, "M9": 6, "M12": 7}
# First matching words win; anything else is OTHER (CDISC NCOMPLT codelist terms).
OFF_STUDY_DECODES = (
    ("DEATH", ("death", "died", "deceased")),
    ("LOST TO FOLLOW-UP", ("lost to follow",)),
    ("WITHDRAWAL BY SUBJECT", ("withdr", "consent")),
    ("PROGRESSIVE DISEASE", ("progress", "relapse")),
    ("ADVERSE EVENT", ("adverse", "toxicit")),
    ("PHYSICIAN DECISION", ("physician", "investigator")),
    ("COMPLETED", ("complet",)),
)


def off_study_decode(reason: str, died_that_day: bool) -> str:
    """DSDECOD of leaving the study, from the recorded reason's words."""
    if died_that_day:
        return "DEATH"
    text = reason.casefold()
    for decode, words in OFF_STUDY_DECODES:
        if any(word in text for word in words):
            return decode
    return "OTHER"


def _by_subject(rows: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row["subject_id"], []).append(row)
    return grouped


def subjects(data: ExportData) -> dict[str, Subject]:
    infusions = _by_subject(data.rows["infusion"])
    out = {}
    for patient in data.rows["patient"]:
        subject_id = patient["subject_id"]
        given = sorted(infusions.get(subject_id, []), key=lambda i: i["number"])
        first = given[0] if given else None
        out[subject_id] = Subject(
            usubjid=f"{data.study_id}-{subject_id}",
            first_infusion_date=first["date"] if first else None,
            first_infusion_dtc=dtc(first["date"], data.time_zone, first["time"]) if first
            else None)
    return out


def _arm(patient: dict, first_level: str | None, levels: dict) -> tuple[str, str, str, str]:
    if first_level is not None:
        level = levels[first_level]
        dose = (f"{level.cells_per_kg:.1e} CAR-T cells/kg" if level.cells_per_kg is not None
                else f"{level.total_cells:.1e} CAR-T cells")
        arm = f"RD13-02 {first_level} ({dose})"
        return first_level, arm, first_level, arm
    if patient["enrollment_date"] is None:
        return "SCRNFAIL", "Screen Failure", "SCRNFAIL", "Screen Failure"
    return "NOTASSGN", "Not Assigned", "NOTTRT", "Not Treated"


def dm(data: ExportData, subject_of: dict[str, Subject]) -> Dataset:
    tz = data.time_zone
    infusions = _by_subject(data.rows["infusion"])
    deaths = {d["subject_id"]: d["date"] for d in data.rows["death"]}
    latest = {p.subject_id: p.latest_date() for p in data.trial.patients}
    levels = {level.code: level for level in data.trial.study.dose_levels}
    rows = DomainRows("DM", data.study_id)
    for patient in data.rows["patient"]:
        subject_id = patient["subject_id"]
        subject = subject_of[subject_id]
        given = sorted(infusions.get(subject_id, []), key=lambda i: i["number"])
        last = max(given, key=lambda i: i["date"]) if given else None
        death = deaths.get(subject_id)
        armcd, arm, actarmcd, actarm = _arm(patient, given[0]["dose_level"] if given else None,
                                            levels)
        rows.add(subject, SUBJID=subject_id, RFSTDTC=subject.first_infusion_dtc,
                 RFENDTC=dtc(patient["off_study_date"] or death, tz),
                 RFXSTDTC=subject.first_infusion_dtc,
                 RFXENDTC=dtc(last["date"], tz, last["time"]) if last else None,
                 RFICDTC=dtc(patient["consent_date"], tz),
                 RFPENDTC=dtc(latest.get(subject_id), tz), DTHDTC=dtc(death, tz),
                 DTHFL="Y" if death else None, SITEID=SITE_ID, AGE=patient["age_at_consent"],
                 AGEU="YEARS", SEX=patient["sex"], ARMCD=armcd, ARM=arm, ACTARMCD=actarmcd,
                 ACTARM=actarm)
    return _without_seq(rows)


def _without_seq(rows: DomainRows) -> Dataset:
    """DM has one row per subject and no --SEQ."""
    for row in rows.rows:
        del row["DMSEQ"]
    return rows.dataset()


def _rd13_dose(infusion: dict, level) -> tuple[float | None, str | None]:
    per_kg = infusion["cells_per_kg"]
    if per_kg is None and infusion["total_cells"] is not None and infusion["weight_kg"]:
        per_kg = infusion["total_cells"] / infusion["weight_kg"]
    by_kg = (per_kg, "CELLS/kg")
    flat = (infusion["total_cells"], "CELLS")
    first, second = (by_kg, flat) if level.cells_per_kg is not None else (flat, by_kg)
    return first if first[0] is not None else second if second[0] is not None else (None, None)


def ex(data: ExportData, subject_of: dict[str, Subject]) -> Dataset:
    tz = data.time_zone
    levels = {level.code: level for level in data.trial.study.dose_levels}
    conditioning = _by_subject(data.rows["lymphodepletion"])
    infusions = _by_subject(data.rows["infusion"])
    rows = DomainRows("EX", data.study_id)
    for subject_id, subject in subject_of.items():
        reference = subject.first_infusion_date
        for ld in conditioning.get(subject_id, []):
            end = ld["start_date"] + timedelta(days=ld["days"] - 1)
            for drug, dose in (("FLUDARABINE", ld["fludarabine_mg_m2_per_day"]),
                               ("CYCLOPHOSPHAMIDE", ld["cyclophosphamide_mg_m2_per_day"])):
                rows.add(subject, EXTRT=drug, EXCAT="LYMPHODEPLETION", EXDOSE=dose,
                         EXDOSU="mg/m2", EXDOSFRM="INJECTION", EXDOSFRQ="QD",
                         EXROUTE="INTRAVENOUS", EXSTDTC=dtc(ld["start_date"], tz),
                         EXENDTC=dtc(end, tz), EXSTDY=sdtm_study_day(ld["start_date"], reference),
                         EXENDY=sdtm_study_day(end, reference))
        for infusion in sorted(infusions.get(subject_id, []), key=lambda i: i["number"]):
            dose, unit = _rd13_dose(infusion, levels[infusion["dose_level"]])
            on = dtc(infusion["date"], tz, infusion["time"])
            day = sdtm_study_day(infusion["date"], reference)
            rows.add(subject, EXTRT="RD13-02", EXCAT="CAR-T CELL THERAPY", EXDOSE=dose,
                     EXDOSU=unit, EXDOSFRM="SUSPENSION", EXDOSFRQ="ONCE",
                     EXROUTE="INTRAVENOUS", EXLOT=infusion["product_lot"] or None,
                     EXSTDTC=on, EXENDTC=on, EXSTDY=day, EXENDY=day)
    return rows.dataset()


def _details_by_ae(rows: list[dict]) -> dict[tuple[str, int], dict]:
    return {(row["subject_id"], row["ae_seq"]): row for row in rows}


def _grade(condition: str, row: dict) -> str:
    return str(derive_grade(condition, row).grade)


def ae(data: ExportData, subject_of: dict[str, Subject]) -> tuple[Dataset, Dataset]:
    """AE and SUPPAE (module docstring)."""
    tz = data.time_zone
    crs, icans = _details_by_ae(data.rows["crs"]), _details_by_ae(data.rows["icans"])
    decisions = _details_by_ae(data.rows["dlt-adjudication"])
    rows, supp = DomainRows("AE", data.study_id), []
    for event in data.rows["adverse-event"]:
        subject = subject_of[event["subject_id"]]
        reference = subject.first_infusion_date
        rows.add(subject, AETERM=event["term"], AEDECOD=event["term"],
                 AESER="Y" if event["serious"] else "N", AEREL=REL[event["relatedness"]],
                 AEOUT=OUT.get(event["outcome"]), AETOXGR=str(event["grade"]),
                 AESTDTC=dtc(event["onset_date"], tz), AEENDTC=dtc(event["resolution_date"], tz),
                 AESTDY=sdtm_study_day(event["onset_date"], reference),
                 AEENDY=sdtm_study_day(event["resolution_date"], reference))
        key = (event["subject_id"], event["ae_seq"])
        qualifiers = [("TOXSCALE", "Toxicity Grading Scale",
                       "ASTCT 2019" if ae_kind(event["term"]) in ("crs", "icans")
                       else "CTCAE v5.0", "Assigned", None)]
        if key in crs:
            qualifiers.append(("CRSGRDRV", "ASTCT CRS Grade Derived from Details",
                               _grade("CRS", crs[key]), "Derived", None))
        if key in icans:
            qualifiers.append(("ICNGRDRV", "ASTCT ICANS Grade Derived from Details",
                               _grade("ICANS", icans[key]), "Derived", None))
        if key in decisions:
            qualifiers.append(("DLTADJ", "DLT Adjudication",
                               decisions[key]["decision"].upper(), "Collected", "INVESTIGATOR"))
        supp += [{"STUDYID": data.study_id, "RDOMAIN": "AE", "USUBJID": subject.usubjid,
                  "IDVAR": "AESEQ", "IDVARVAL": str(event["ae_seq"]), "QNAM": qnam,
                  "QLABEL": qlabel, "QVAL": qval, "QORIG": qorig, "QEVAL": qeval}
                 for qnam, qlabel, qval, qorig, qeval in qualifiers]
    return rows.dataset(), to_dataset("SUPPAE", supp)


def rs(data: ExportData, subject_of: dict[str, Subject]) -> Dataset:
    tz = data.time_zone
    rows = DomainRows("RS", data.study_id)
    last_planned: dict[str, tuple[float, int]] = {}
    for a in sorted(data.assessments, key=lambda a: a["subject_id"]):  # stable: date order kept
        subject = subject_of[a["subject_id"]]
        if a["visit"] in VISITNUM:
            visitnum = VISITNUM[a["visit"]]
            last_planned[a["subject_id"]] = (visitnum, 0)
        else:  # unscheduled: after the last planned visit, x.01, x.02, …
            base, k = last_planned.get(a["subject_id"], (0, 0))
            last_planned[a["subject_id"]] = (base, k + 1)
            visitnum = round(base + (k + 1) / 100, 2)
        common = dict(RSTESTCD="OVRLRESP", RSTEST="Overall Response", VISITNUM=visitnum,
                      VISIT=a["visit"], RSDTC=dtc(a["date"], tz),
                      RSDY=sdtm_study_day(a["date"], subject.first_infusion_date))
        rows.add(subject, RSORRES=a["recorded"], RSSTRESC=a["recorded"],
                 RSEVAL="INVESTIGATOR", **common)
        rows.add(subject, RSSTRESC=a["derived"], RSDRVFL="Y", **common)
    return rows.dataset()


def off_study_decodes(data: ExportData) -> dict[str, str]:
    """Subject ID → DSDECOD of leaving the study, from the recorded reasons."""
    died_on = {d["subject_id"]: d["date"] for d in data.rows["death"]}
    return {p["subject_id"]: off_study_decode(p["off_study_reason"] or "",
                                              died_on.get(p["subject_id"]) == p["off_study_date"])
            for p in data.rows["patient"] if p["off_study_date"]}


def ds(data: ExportData, subject_of: dict[str, Subject], decodes: dict[str, str]) -> Dataset:
    tz = data.time_zone
    deaths = {d["subject_id"]: d for d in data.rows["death"]}
    rows = DomainRows("DS", data.study_id)
    for patient in data.rows["patient"]:
        subject = subject_of[patient["subject_id"]]
        death = deaths.get(patient["subject_id"])
        events = [("INFORMED CONSENT OBTAINED", "INFORMED CONSENT OBTAINED",
                   "PROTOCOL MILESTONE", patient["consent_date"])]
        if patient["enrollment_date"]:
            events.append(("ENROLLED", "ENROLLED", "PROTOCOL MILESTONE",
                           patient["enrollment_date"]))
        if patient["off_study_date"]:
            decode = decodes[patient["subject_id"]]
            # The recorded words; a sponsor's share has none, and gets the code.
            term = patient["off_study_reason"] or decode
            events.append((term, decode, "DISPOSITION EVENT", patient["off_study_date"]))
        if death:
            cause = death["cause"].replace("_", " ").upper()
            events.append((f"DEATH ({cause})", "DEATH", "OTHER EVENT", death["date"]))
        for term, decode, category, on in events:
            rows.add(subject, DSTERM=term, DSDECOD=decode, DSCAT=category,
                     DSSTDTC=dtc(on, tz), DSSTDY=sdtm_study_day(on, subject.first_infusion_date))
    return rows.dataset()


def sdtm_datasets(data: ExportData, *, deidentified: bool) -> tuple[Dataset, ...]:
    """DM, EX, AE, SUPPAE, RS, PC, PP and DS, each sorted by USUBJID and --SEQ."""
    decodes = off_study_decodes(data)
    if deidentified:
        data = data.sponsor_share()
    subject_of = subjects(data)
    adverse_events, supp = ae(data, subject_of)
    return (dm(data, subject_of), ex(data, subject_of), adverse_events, supp,
            rs(data, subject_of), pc_rows(data, subject_of), pp_rows(data, subject_of),
            ds(data, subject_of, decodes))
