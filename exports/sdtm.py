"""CDISC SDTM-shaped datasets of the trial: DM, EX, AE (with SUPPAE), RS, PC, PP and DS here; CM,
PR, MH, DV, LB, VS (with their SUPP--), FA and RELREC in `exports.sdtm_crfs`; the trial design
datasets TE, TA, TS, SE and SV in `exports.sdtm_design`. Pure.

Variable names, order and labels follow SDTMIG v3.4 (`exports.sdtm_variables`); dates are
ISO 8601 and study days have no day 0 (`exports.sdtm_rows`). USUBJID is STUDYID-SUBJID.

Mappings where the trial's CRFs meet SDTM:
- EX holds every study treatment: the lymphodepletion's fludarabine and cyclophosphamide (mg/m²
  once a day, EXENDTC the last day) and each RD13-02 infusion (EXDOSE in CAR-T cells/kg for a
  weight-based dose level, total cells for a flat one, falling back to what was recorded).
- DM: RFSTDTC is the first RD13-02 infusion (the protocol's day 0, SDTM day 1: the reference
  of every --DY); RFXSTDTC and RFXENDTC are the first and last EX dates (so the lymphodepletion's
  first day, and the last infusion), read from the EX rows. RFENDTC is the off-study date, else
  the death date, else (still on study) the latest date on the record; RFPENDTC the latest date
  on the record; RFSTDTC and RFENDTC are null for a patient never infused (SDTMIG v3.4: null for
  a subject who did not reach the reference start). A single-centre trial: SITEID "01",
  COUNTRY the setting `STUDY_COUNTRY`. RACE is not collected by the CRFs and stays null. The arm
  is the dose level of the first infusion (the escalation assigns it when the patient is
  infused, so nobody is assigned and not treated): for a patient never enrolled ARM, ARMCD,
  ACTARM and ACTARMCD are null with ARMNRS "SCREEN FAILURE", for one enrolled but not infused
  "NOT ASSIGNED". A later infusion at another dose level makes the actual arm UNPLANNED, with
  the levels received in ACTARMUD.
- EPOCH on AE, DS, EX, PC and RS: `exports.sdtm_rows` (SCREENING, TREATMENT, FOLLOW-UP).
- AE: AESCONG, AESDISAB, AESDTH, AESHOSP, AESLIFE and AESMIE are the seriousness criteria
  ticked on a serious event (null on one not serious). AEACN is read from the recorded action
  taken (`ACTION`: "treatment given" leaves RD13-02 unchanged, with AEACNOTH "TREATMENT
  GIVEN"; a delayed infusion is DRUG INTERRUPTED; "other" has no AEACN); null when not
  recorded. AETOXGR is the recorded grade: ASTCT 2019 for CRS and ICANS, CTCAE v5.0 otherwise (the
  scale in SUPPAE.TOXSCALE). AEDECOD is the CTCAE v5.0 term, itself a MedDRA lowest-level term.
  SUPPAE adds the ASTCT grade derived from the CRS and ICANS details (CRSGRDRV, ICNGRDRV) and
  the investigator's signed DLT decision (DLTADJ).
- RS: the investigator's overall response at each assessment (RSEVAL INVESTIGATOR) and the one
  the protocol's criteria derive from the recorded values (RSDRVFL Y).
- PC / PP: `exports.sdtm_pk`.
- DS: informed consent ("INFORMED CONSENT OBTAINED") and enrolment ("ENTERED INTO TRIAL"), protocol
  milestones (codelist PROTMLST); one disposition event per epoch (codelist NCOMPLT): the
  treatment period completed (COMPLETED, dated its last day, once the record goes beyond it
  with the patient still on study), and leaving the study (DSDECOD read from the recorded
  reason, `off_study_decode`). Death is the disposition event when the patient had not left
  the study before it (an OTHER EVENT after leaving), and is not repeated when the off-study
  reason is the death.
A sponsor's export (`deidentified`) is built from the sponsor's share of the rows
(`ExportData.sponsor_share`, which blanks what `core.sponsor_share` withholds), so no
variable can carry a withheld field: DSTERM is then the coded DSDECOD, read from the recorded
reason before it was blanked.
"""

from dataclasses import replace
from datetime import timedelta

from exports.sdtm_crfs import cm_pr, dv, fa, lb, mh, vs
from exports.sdtm_design import relrec, se, sv, ta, te, ts
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
MILESTONE, DISPOSITION, OTHER = "PROTOCOL MILESTONE", "DISPOSITION EVENT", "OTHER EVENT"
# The CRF's seriousness criteria (`safety.models.SERIOUSNESS_CRITERIA`) → SDTM variables.
SERIOUSNESS_VARIABLES = {"sae_congenital_anomaly": "AESCONG", "sae_disability": "AESDISAB",
                         "sae_death": "AESDTH", "sae_hospitalisation": "AESHOSP",
                         "sae_life_threatening": "AESLIFE", "sae_medically_important": "AESMIE"}
# The recorded action taken → (AEACN, codelist ACN: the action on RD13-02; AEACNOTH).
ACTION = {"none": ("DOSE NOT CHANGED", None),
          "treatment": ("DOSE NOT CHANGED", "TREATMENT GIVEN"),
          "infusion_delayed": ("DRUG INTERRUPTED", "RD13-02 INFUSION DELAYED"),
          "infusion_interrupted": ("DRUG INTERRUPTED", None),
          "product_withdrawn": ("DRUG WITHDRAWN", None),
          "other": (None, "OTHER")}
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


def _lymphodepletion_end(ld: dict):
    return ld["start_date"] + timedelta(days=ld["days"] - 1)


def subjects(data: ExportData) -> dict[str, Subject]:
    """Each patient's USUBJID, reference start and treatment period (`exports.sdtm_rows`)."""
    infusions = _by_subject(data.rows["infusion"])
    conditioning = _by_subject(data.rows["lymphodepletion"])
    window = timedelta(days=data.trial.study.dlt_window_days)
    out = {}
    for patient in data.rows["patient"]:
        subject_id = patient["subject_id"]
        given = sorted(infusions.get(subject_id, []), key=lambda i: i["number"])
        lds = conditioning.get(subject_id, [])
        first = given[0] if given else None
        starts = [ld["start_date"] for ld in lds] + [i["date"] for i in given]
        if given:
            end = max(max(i["date"] for i in given), first["date"] + window)
        else:
            end = max((_lymphodepletion_end(ld) for ld in lds), default=None)
        out[subject_id] = Subject(
            usubjid=f"{data.study_id}-{subject_id}",
            first_infusion_date=first["date"] if first else None,
            first_infusion_dtc=dtc(first["date"], data.time_zone, first["time"]) if first
            else None,
            treatment_start=min(starts, default=None), treatment_end=end)
    return out


def _arm_of(level_code: str, levels: dict) -> str:
    level = levels[level_code]
    dose = (f"{level.cells_per_kg:.1e} CAR-T cells/kg" if level.cells_per_kg is not None
            else f"{level.total_cells:.1e} CAR-T cells")
    return f"RD13-02 {level_code} ({dose})"


def arm_values(patient: dict, given: list[dict], levels: dict) -> dict:
    """ARMCD, ARM, ACTARMCD, ACTARM, ARMNRS and ACTARMUD of a patient (module docstring)."""
    if not given:
        reason = "SCREEN FAILURE" if patient["enrollment_date"] is None else "NOT ASSIGNED"
        return {"ARMNRS": reason}
    planned = given[0]["dose_level"]
    arm = _arm_of(planned, levels)
    values = {"ARMCD": planned, "ARM": arm, "ACTARMCD": planned, "ACTARM": arm}
    received = list(dict.fromkeys(i["dose_level"] for i in given))
    if received != [planned]:
        values.update(ACTARMCD="UNPLANNED", ACTARM="Unplanned Treatment",
                      ACTARMUD="RD13-02 " + " then ".join(received))
    return values


def dm(data: ExportData, subject_of: dict[str, Subject], exposure: Dataset) -> Dataset:
    """DM; RFXSTDTC and RFXENDTC are read from the EX rows, so they agree with EX."""
    tz = data.time_zone
    infusions = _by_subject(data.rows["infusion"])
    deaths = {d["subject_id"]: d["date"] for d in data.rows["death"]}
    latest = {p.subject_id: p.latest_date() for p in data.trial.patients}
    levels = {level.code: level for level in data.trial.study.dose_levels}
    exposed: dict[str, list[tuple[str, str]]] = {}
    for row in _records(exposure):
        exposed.setdefault(row["USUBJID"], []).append((row["EXSTDTC"], row["EXENDTC"]))
    rows = DomainRows("DM", data.study_id)
    for patient in data.rows["patient"]:
        subject_id = patient["subject_id"]
        subject = subject_of[subject_id]
        given = sorted(infusions.get(subject_id, []), key=lambda i: i["number"])
        spans = exposed.get(subject.usubjid, [])
        death = deaths.get(subject_id)
        # The reference period ends when the patient leaves the study, dies, or (still on
        # study) on the latest date of the record; it exists only once it started.
        end = patient["off_study_date"] or death or latest.get(subject_id)
        rows.add(subject, SUBJID=subject_id, RFSTDTC=subject.first_infusion_dtc,
                 RFENDTC=dtc(end, tz) if subject.first_infusion_dtc else None,
                 RFXSTDTC=min((start for start, _ in spans), default=None),
                 RFXENDTC=max((stop for _, stop in spans), default=None),
                 RFICDTC=dtc(patient["consent_date"], tz),
                 RFPENDTC=dtc(latest.get(subject_id), tz), DTHDTC=dtc(death, tz),
                 DTHFL="Y" if death else None, SITEID=SITE_ID, AGE=patient["age_at_consent"],
                 AGEU="YEARS", SEX=patient["sex"], **arm_values(patient, given, levels),
                 COUNTRY=data.country)
    return _without_seq(rows)


def _without_seq(rows: DomainRows) -> Dataset:
    """DM has one row per subject and no --SEQ."""
    for row in rows.rows:
        del row["DMSEQ"]
    return rows.dataset()


def _records(dataset: Dataset) -> list[dict]:
    return [dict(zip(dataset.columns, row, strict=True)) for row in dataset.rows]


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
            end = _lymphodepletion_end(ld)
            for drug, dose in (("FLUDARABINE", ld["fludarabine_mg_m2_per_day"]),
                               ("CYCLOPHOSPHAMIDE", ld["cyclophosphamide_mg_m2_per_day"])):
                rows.add(subject, EXTRT=drug, EXCAT="LYMPHODEPLETION", EXDOSE=dose,
                         EXDOSU="mg/m2", EXDOSFRM="INJECTION", EXDOSFRQ="QD",
                         EXROUTE="INTRAVENOUS", EPOCH=subject.epoch(ld["start_date"]),
                         EXSTDTC=dtc(ld["start_date"], tz),
                         EXENDTC=dtc(end, tz), EXSTDY=sdtm_study_day(ld["start_date"], reference),
                         EXENDY=sdtm_study_day(end, reference))
        for infusion in sorted(infusions.get(subject_id, []), key=lambda i: i["number"]):
            dose, unit = _rd13_dose(infusion, levels[infusion["dose_level"]])
            on = dtc(infusion["date"], tz, infusion["time"])
            day = sdtm_study_day(infusion["date"], reference)
            rows.add(subject, EXTRT="RD13-02", EXCAT="CAR-T CELL THERAPY", EXDOSE=dose,
                     EXDOSU=unit, EXDOSFRM="SUSPENSION", EXDOSFRQ="ONCE",
                     EXROUTE="INTRAVENOUS", EXLOT=infusion["product_lot"] or None,
                     EPOCH=subject.epoch(infusion["date"]), EXSTDTC=on, EXENDTC=on,
                     EXSTDY=day, EXENDY=day)
    return rows.dataset()


def seriousness(event: dict) -> dict[str, str]:
    """AESCONG … AESMIE: Y/N as ticked on a serious event; null on one not serious, whose form
    does not ask them."""
    if not event["serious"]:
        return {}
    return {variable: "Y" if event[field] else "N"
            for field, variable in SERIOUSNESS_VARIABLES.items()}


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
        acn, acn_other = ACTION.get(event["action_taken"], (None, None))
        rows.add(subject, AETERM=event["term"], AEDECOD=event["term"],
                 AESER="Y" if event["serious"] else "N", AEACN=acn, AEACNOTH=acn_other,
                 AEREL=REL[event["relatedness"]], AEOUT=OUT.get(event["outcome"]),
                 **seriousness(event), AETOXGR=str(event["grade"]),
                 EPOCH=subject.epoch(event["onset_date"]),
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
                      VISIT=a["visit"], EPOCH=subject.epoch(a["date"]), RSDTC=dtc(a["date"], tz),
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


def _disposition(patient: dict, subject: Subject, decode: str | None, death: dict | None,
                 latest) -> list[tuple[str, str, str, object]]:
    """(DSTERM, DSDECOD, DSCAT, date) of a patient's disposition records (module docstring)."""
    events = [("INFORMED CONSENT OBTAINED", "INFORMED CONSENT OBTAINED", MILESTONE,
               patient["consent_date"])]
    if patient["enrollment_date"]:
        events.append(("ENROLLED", "ENTERED INTO TRIAL", MILESTONE, patient["enrollment_date"]))
    left, died = patient["off_study_date"], death["date"] if death else None
    ended = min((d for d in (left, died) if d is not None), default=None)
    end = subject.treatment_end
    if subject.first_infusion_date and end and (ended is None or ended > end) \
            and latest is not None and latest > end:
        events.append(("COMPLETED TREATMENT PERIOD", "COMPLETED", DISPOSITION, end))
    if left:
        # The recorded words; a sponsor's share has none, and gets the code.
        events.append((patient["off_study_reason"] or decode, decode, DISPOSITION, left))
    if death and decode != "DEATH":
        cause = death["cause"].replace("_", " ").upper()
        # Death ends the study when the patient had not left it before; after leaving, it is
        # another event.
        category = OTHER if left and left < died else DISPOSITION
        events.append((f"DEATH ({cause})", "DEATH", category, died))
    return events


def ds(data: ExportData, subject_of: dict[str, Subject], decodes: dict[str, str]) -> Dataset:
    tz = data.time_zone
    deaths = {d["subject_id"]: d for d in data.rows["death"]}
    latest = {p.subject_id: p.latest_date() for p in data.trial.patients}
    rows = DomainRows("DS", data.study_id)
    for patient in data.rows["patient"]:
        subject_id = patient["subject_id"]
        subject = subject_of[subject_id]
        events = _disposition(patient, subject, decodes.get(subject_id),
                              deaths.get(subject_id), latest.get(subject_id))
        for term, decode, category, on in sorted(events, key=lambda e: e[3]):
            rows.add(subject, DSTERM=term, DSDECOD=decode, DSCAT=category,
                     EPOCH=subject.epoch(on), DSSTDTC=dtc(on, tz),
                     DSSTDY=sdtm_study_day(on, subject.first_infusion_date))
    return rows.dataset()


def current_deviations(data: ExportData) -> ExportData:
    """The data without the deviations withdrawn after a correction (read before a sponsor's
    share blanks the withdrawal, which it does not receive)."""
    rows = {**data.rows, "protocol-deviation": [
        row for row in data.rows["protocol-deviation"] if row["withdrawn_at"] is None]}
    return replace(data, rows=rows)


def sdtm_datasets(data: ExportData, *, deidentified: bool) -> tuple[Dataset, ...]:
    """Every dataset of `exports.sdtm_variables.DATASETS`, in its order; the subjects' records
    sorted by USUBJID and --SEQ."""
    decodes = off_study_decodes(data)
    data = current_deviations(data)
    if deidentified:
        data = data.sponsor_share()
    subject_of = subjects(data)
    adverse_events, supp = ae(data, subject_of)
    exposure = ex(data, subject_of)
    medications, supp_cm, procedures, supp_pr, related = cm_pr(data, subject_of)
    deviations, supp_dv = dv(data, subject_of)
    vitals, supp_vs = vs(data, subject_of)
    findings, related_to_ae = fa(data, subject_of)
    responses, concentrations = rs(data, subject_of), pc_rows(data, subject_of)
    levels = {level.code: level for level in data.trial.study.dose_levels}
    first_consent = min((p["consent_date"] for p in data.rows["patient"]), default=None)
    return (dm(data, subject_of, exposure), exposure, adverse_events, supp, responses,
            concentrations, pp_rows(data, subject_of), ds(data, subject_of, decodes),
            medications, supp_cm, procedures, supp_pr, mh(data, subject_of), deviations,
            supp_dv, lb(data, subject_of), vitals, supp_vs, findings, te(data),
            ta(data, {code: _arm_of(code, levels) for code in levels}),
            ts(data, first_consent), se(data, subject_of),
            sv(data, subject_of, responses, concentrations),
            relrec(related + related_to_ae))
