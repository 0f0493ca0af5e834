"""SDTM trial design datasets: TE, TA, TS (the trial) and SE, SV (each subject's path through it).
Pure.

- TE: three elements, one per EPOCH of `exports.sdtm_rows` (SCRN screening, TRT the study
  treatment, lymphodepletion to the end of the treatment period, FU follow-up), so SE and
  every domain's EPOCH follow one rule.
- TA: one arm per protocol dose level (ARMCD the level's code, as DM's ARMCD), each SCRN → TRT
  → FU; a patient not infused has no arm (DM.ARMNRS).
- TS: the trial's summary parameters (CDISC CT codelist TSPARMCD); the values the CRFs do not
  hold (phase, type, design) are the protocol's, constant here.
- SE: the elements each subject entered: screening from the consent to the first study
  treatment, treatment to the end of the treatment period, follow-up after it until the latest
  date on the record (each element's end is the next one's start, SDTMIG v3.4 §5.2).
- SV: one row per visit a subject had, read from the datasets that carry VISITNUM (RS's
  response visits and unscheduled ones, PC's PK days): its first and last date.
"""

from datetime import date

from exports.sdtm_rows import Subject, dtc, sdtm_study_day, to_dataset
from exports.sdtm_variables import Dataset
from exports.specs import ExportData

ELEMENTS = (  # ETCD, ELEMENT, TESTRL, TEENRL, EPOCH
    ("SCRN", "Screening", "Informed consent",
     "First study treatment (the lymphodepletion's first day)", "SCREENING"),
    ("TRT", "Lymphodepletion and RD13-02", "First study treatment",
     "Last infusion or the end of the DLT window, whichever is later", "TREATMENT"),
    ("FU", "Follow-up", "End of the treatment period", "Off study or death", "FOLLOW-UP"),
)
EPOCH_ELEMENT = {element[4]: (order, element) for order, element
                 in enumerate(ELEMENTS, start=1)}
CT = "CDISC CT"
CT_VERSION = "2024-03-29"


def te(data: ExportData) -> Dataset:
    return to_dataset("TE", [{"STUDYID": data.study_id, "DOMAIN": "TE", "ETCD": etcd,
                              "ELEMENT": element, "TESTRL": start, "TEENRL": end}
                             for etcd, element, start, end, _ in ELEMENTS])


def ta(data: ExportData, arms: dict[str, str]) -> Dataset:
    """`arms`: ARMCD → ARM, as DM names them."""
    return to_dataset("TA", [
        {"STUDYID": data.study_id, "DOMAIN": "TA", "ARMCD": code, "ARM": arm,
         "TAETORD": order, "ETCD": etcd, "ELEMENT": element,
         "TABRANCH": f"Assigned to {code} at infusion" if etcd == "SCRN" else None,
         "EPOCH": epoch}
        for code, arm in arms.items()
        for order, (etcd, element, _start, _end, epoch) in enumerate(ELEMENTS, start=1)])


def ts(data: ExportData, first_consent) -> Dataset:
    levels = data.trial.study.dose_levels
    parameters = [  # TSPARMCD, TSPARM, TSVAL, TSVALCD, TSVCDREF
        ("TITLE", "Trial Title", data.study_title, None, None),
        ("TPHASE", "Trial Phase Classification", "PHASE I TRIAL", "C15600", CT),
        ("STYPE", "Study Type", "INTERVENTIONAL", "C98388", CT),
        ("INTMODEL", "Intervention Model", "SINGLE GROUP", "C82639", CT),
        ("INTTYPE", "Intervention Type", "BIOLOGIC", None, CT),
        ("TTYPE", "Trial Type", "SAFETY", None, CT),
        ("TBLIND", "Trial is Blinded", "OPEN LABEL", None, CT),
        ("TCNTRL", "Control Type", "NONE", None, CT),
        ("RANDOM", "Trial is Randomized", "N", None, CT),
        ("TRT", "Investigational Therapy or Treatment", "RD13-02", None, None),
        ("NARMS", "Planned Number of Arms", str(len(levels)), None, None),
        ("DOSDESGN", "Dose Design", data.trial.study.escalation_design, None, None),
        ("SEXPOP", "Sex of Participants", "BOTH", None, CT),
        ("SDTIGVER", "SDTM IG Version", "3.4", None, None),
        ("SDTMVER", "SDTM Version", "2.0", None, None),
    ]
    if data.country:
        parameters.append(("FCNTRY", "Planned Country of Investigational Sites", data.country,
                           None, "ISO 3166-1 alpha-3"))
    if first_consent:
        parameters.append(("SSTDTC", "Study Start Date", first_consent.isoformat(), None,
                           None))
    rows = [{"STUDYID": data.study_id, "DOMAIN": "TS", "TSSEQ": 1, "TSPARMCD": code,
             "TSPARM": name, "TSVAL": value, "TSVALCD": value_code, "TSVCDREF": reference,
             "TSVCDVER": CT_VERSION if reference == CT else None}
            for code, name, value, value_code, reference in parameters]
    return to_dataset("TS", rows)


def se(data: ExportData, subject_of: dict[str, Subject]) -> Dataset:
    tz = data.time_zone
    latest = {p.subject_id: p.latest_date() for p in data.trial.patients}
    rows = []
    for patient in data.rows["patient"]:
        subject = subject_of[patient["subject_id"]]
        last = latest.get(patient["subject_id"]) or patient["consent_date"]
        spans = [("SCREENING", patient["consent_date"], subject.treatment_start or last)]
        if subject.treatment_start:
            end = subject.treatment_end or subject.treatment_start
            spans.append(("TREATMENT", subject.treatment_start, end))
            if last and last > end:
                spans.append(("FOLLOW-UP", end, last))
        for seq, (epoch, start, end) in enumerate(spans, start=1):
            order, (etcd, element, *_rest) = EPOCH_ELEMENT[epoch]
            rows.append({"STUDYID": data.study_id, "DOMAIN": "SE", "USUBJID": subject.usubjid,
                         "SESEQ": seq, "ETCD": etcd, "ELEMENT": element, "TAETORD": order,
                         "EPOCH": epoch, "SESTDTC": dtc(start, tz), "SEENDTC": dtc(end, tz),
                         "SESTDY": sdtm_study_day(start, subject.first_infusion_date),
                         "SEENDY": sdtm_study_day(end, subject.first_infusion_date)})
    return to_dataset("SE", rows)


def sv(data: ExportData, subject_of: dict[str, Subject], *visited: Dataset) -> Dataset:
    """SV from the datasets with VISITNUM and a --DTC (module docstring)."""
    references = {s.usubjid: s for s in subject_of.values()}
    visits: dict[tuple[str, float], dict] = {}
    for dataset in visited:
        columns = dataset.columns
        dated = f"{dataset.name}DTC"
        for row in dataset.rows:
            record = dict(zip(columns, row, strict=True))
            on = (record[dated] or "")[:10]
            if not on or record["VISITNUM"] is None:
                continue
            key = (record["USUBJID"], float(record["VISITNUM"]))
            visit = visits.setdefault(key, {"VISIT": record["VISIT"], "dates": set()})
            visit["dates"].add(on)
    rows = []
    for (usubjid, number), visit in sorted(visits.items()):
        subject = references[usubjid]
        first, last = min(visit["dates"]), max(visit["dates"])
        start, end = date.fromisoformat(first), date.fromisoformat(last)
        rows.append({"STUDYID": data.study_id, "DOMAIN": "SV", "USUBJID": usubjid,
                     "VISITNUM": number, "VISIT": visit["VISIT"], "EPOCH": subject.epoch(start),
                     "SVSTDTC": first, "SVENDTC": last,
                     "SVSTDY": sdtm_study_day(start, subject.first_infusion_date),
                     "SVENDY": sdtm_study_day(end, subject.first_infusion_date),
                     "SVUPDES": "UNSCHEDULED RESPONSE ASSESSMENT"
                     if not float(number).is_integer() else None})
    return to_dataset("SV", rows)


def relrec(rows: list[dict]) -> Dataset:
    """RELREC of record-level relationships (RELTYPE null, SDTMIG v3.4 §8.2)."""
    return to_dataset("RELREC", [{**row, "RELTYPE": None} for row in rows])
