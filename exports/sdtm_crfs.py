"""SDTM domains of the screening, concomitant, laboratory, vital-signs and deviation CRFs: CM,
PR, MH, DV, LB and VS with their SUPP-- datasets; FA of the CRS and ICANS details; RELREC.
Pure.

Where the CRFs meet SDTMIG v3.4:
- CM holds every medication (SDTMIG v3.4 CM: "concomitant and prior medications"), told apart
  by CMCAT: CONCOMITANT MEDICATION (the conmed CRF), PRIOR CANCER THERAPY (a prior line's
  chemotherapy, targeted therapy or antibody, CAR-T, or other therapy; CMSCAT the type) and
  BRIDGING THERAPY. A prior line's radiotherapy or stem-cell transplant is not a medication but
  a procedure: PR (PRCAT PRIOR CANCER THERAPY). ML (meal data) does not apply. The line of
  therapy (LINE), its best response (BESTRESP), a prior CAR-T's target (CARTTGT) and a
  transplant's donor type (HSCTDON) are SUPPCM / SUPPPR qualifiers. CMTRT / PRTRT are the
  regimen or product as recorded. A conmed's CMTRT and CMDECOD are the drug when the CRF names
  one (tocilizumab, anakinra, siltuximab, IVIG; what is specified beside it stays in the forms
  export); for a class of drugs (corticosteroid, vasopressor, …) or "other", CMTRT is the agent
  specified (dexamethasone), CMDECOD null (no drug dictionary), the class in CMCLAS. Partial
  dates (YYYY, YYYY-MM) are kept at their precision, with no study day; their EPOCH is the one
  every day they can be falls in (`partial_epoch`), null when that is not one epoch.
- MH: the conditions other than the leukaemia, MHENRTPT ONGOING / MHENTPT SCREENING for one
  ongoing at screening, else BEFORE. MH events precede the study: no EPOCH.
- DV: each current deviation, the ones withdrawn after a correction left out. DVTERM is the
  site's description, DVDECOD the category, DVSCAT the investigator's assessment (IMPORTANT /
  NON-IMPORTANT; null until assessed); SUPPDV its impact on safety and on data (IMPSAF,
  IMPDAT).
- LB: one row per result, LBTESTCD from CDISC CT (LBTESTCD codelist); results are recorded in
  SI units (`labs.models.TEST_UNITS`), which are also the standard units, so LBSTRESN is the
  recorded value. A result below the limit of detection is "<limit" with LBSTRESN null.
  LBNRIND compares the result with the site's reference range given with it; LBTOX / LBTOXGR
  are the CTCAE v5.0 term and grade of `safety.grading.lab_grade`, null for a test CTCAE does
  not grade or without the limit its grade needs.
- VS: one row per measured value of a set of vital signs (VSTPT / VSTPTNUM its time point);
  the oxygen support at the time is SUPPVS.OXYSUPP on the SpO2 row.
- FA: the CRS and ICANS details (the episode's worst values the ASTCT grade is derived from) as
  findings about their adverse event: FAOBJ the event's AEDECOD, FACAT CRS DETAILS / ICANS
  DETAILS, dated the event's onset (the CRFs record no date of their own).
- RELREC: a medication given for an adverse event (the conmed's "adverse event treated") is
  related to that event, CMSEQ to AESEQ, one RELID per pair; an event's FA findings are related
  to it, one RELID per event. The DLT decision is a qualifier of the AE record itself
  (SUPPAE.DLTADJ), which needs no RELREC.

A sponsor's export is built from the sponsor's share, whose free text is blank: CMTRT, PRTRT
and MHTERM then say what the record is in coded words (the drug, the therapy's type,
"WITHHELD" for a condition), DVTERM is the category, and CMINDC is null.
"""

from datetime import date

from exports.sdtm_rows import (
    DomainRows,
    Subject,
    dtc,
    number_text,
    qualifier,
    sdtm_study_day,
    to_dataset,
)
from exports.sdtm_variables import Dataset
from exports.specs import ExportData
from safety.grading import LAB_TERMS, lab_grade

WITHHELD = "WITHHELD"
CONMED, PRIOR, BRIDGING = "CONCOMITANT MEDICATION", "PRIOR CANCER THERAPY", "BRIDGING THERAPY"
# The CRF's drug → (CMDECOD, CMCLAS): a named drug, or a class of drugs.
DRUGS = {"tocilizumab": ("TOCILIZUMAB", None), "anakinra": ("ANAKINRA", None),
         "siltuximab": ("SILTUXIMAB", None), "ivig": ("IMMUNOGLOBULIN", None),
         "corticosteroid": (None, "CORTICOSTEROID"), "vasopressor": (None, "VASOPRESSOR"),
         "antiseizure_prophylaxis": (None, "ANTIEPILEPTIC"),
         "anti_infective": (None, "ANTI-INFECTIVE"), "transfusion": (None, "BLOOD PRODUCT"),
         "other": (None, None)}
DRUG_NAMES = {"tocilizumab": "Tocilizumab", "anakinra": "Anakinra", "siltuximab": "Siltuximab",
              "ivig": "IVIG", "corticosteroid": "Corticosteroid", "vasopressor": "Vasopressor",
              "antiseizure_prophylaxis": "Antiseizure prophylaxis",
              "anti_infective": "Anti-infective", "transfusion": "Transfusion",
              "other": "Other medication"}
# CDISC CT: UNIT and ROUTE codelists.
DOSE_UNITS = {"mg": "mg", "mg/kg": "mg/kg", "mg/m2": "mg/m2", "g": "g", "g/kg": "g/kg",
              "ug/kg/min": "ug/kg/min", "units": "U", "mL": "mL", "mL/kg": "mL/kg"}
ROUTES = {"iv": "INTRAVENOUS", "oral": "ORAL", "sc": "SUBCUTANEOUS", "im": "INTRAMUSCULAR",
          "intrathecal": "INTRATHECAL"}
THERAPY_TYPES = {"chemotherapy": "CHEMOTHERAPY", "targeted": "TARGETED THERAPY OR ANTIBODY",
                 "radiotherapy": "RADIOTHERAPY", "hsct": "HEMATOPOIETIC STEM CELL TRANSPLANT",
                 "car_t": "CAR-T CELL THERAPY", "other": "OTHER"}
PROCEDURES = frozenset({"radiotherapy", "hsct"})
# The CRF's test → (LBTESTCD, LBTEST, LBCAT, LBSPEC); CDISC CT LBTESTCD / LBTEST.
LAB_TESTS = {
    "anc": ("NEUT", "Neutrophils", "HEMATOLOGY", "BLOOD"),
    "platelets": ("PLAT", "Platelets", "HEMATOLOGY", "BLOOD"),
    "haemoglobin": ("HGB", "Hemoglobin", "HEMATOLOGY", "BLOOD"),
    "lymphocytes": ("LYM", "Lymphocytes", "HEMATOLOGY", "BLOOD"),
    "alt": ("ALT", "Alanine Aminotransferase", "CHEMISTRY", "SERUM"),
    "ast": ("AST", "Aspartate Aminotransferase", "CHEMISTRY", "SERUM"),
    "bilirubin": ("BILI", "Bilirubin", "CHEMISTRY", "SERUM"),
    "creatinine": ("CREAT", "Creatinine", "CHEMISTRY", "SERUM"),
    "crp": ("CRP", "C Reactive Protein", "CHEMISTRY", "SERUM"),
    "ferritin": ("FERRITIN", "Ferritin", "CHEMISTRY", "SERUM"),
    "il6": ("IL6", "Interleukin 6", "IMMUNOLOGY", "SERUM"),
    "fibrinogen": ("FIBRINO", "Fibrinogen", "COAGULATION", "PLASMA"),
}
# The CRF's value → (VSTESTCD, VSTEST, unit); CDISC CT VSTESTCD / VSTEST / VSRESU.
VITALS = {
    "temperature_c": ("TEMP", "Temperature", "C"),
    "heart_rate": ("HR", "Heart Rate", "beats/min"),
    "systolic_bp": ("SYSBP", "Systolic Blood Pressure", "mmHg"),
    "diastolic_bp": ("DIABP", "Diastolic Blood Pressure", "mmHg"),
    "respiratory_rate": ("RESP", "Respiratory Rate", "breaths/min"),
    "spo2_pct": ("OXYSAT", "Oxygen Saturation", "%"),
}
VITAL_TIMEPOINTS = {"screening": ("SCREENING", 1), "infusion": ("INFUSION", 2),
                    "during_crs": ("DURING CRS", 3), "other": ("OTHER", 4)}
OXYGEN = {"none": "ROOM AIR", "low_flow": "LOW-FLOW OXYGEN", "high_flow": "HIGH-FLOW OXYGEN",
          "positive_pressure": "POSITIVE PRESSURE"}
DEVIATIONS = {"eligibility": "ELIGIBILITY CRITERIA NOT MET",
              "informed_consent": "INFORMED CONSENT", "out_of_window": "OUT OF WINDOW",
              "dose": "DOSE OUTSIDE ITS LEVEL", "prohibited_medication": "PROHIBITED MEDICATION",
              "missed_assessment": "MISSED ASSESSMENT", "other": "OTHER"}
BEST_RESPONSES = {"CR": "CR", "CRi": "CRi", "PR": "PR", "SD": "SD", "PD": "PD", "NE": "NE",
                  "unknown": "UNKNOWN"}


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else "Y" if value else "N"


def complete_date(text: str | None) -> date | None:
    """A partial date's day when it is complete (YYYY-MM-DD); None for YYYY or YYYY-MM."""
    return date.fromisoformat(text) if text and len(text) == 10 else None


def date_bounds(text: str) -> tuple[date, date]:
    """The first and last day a partial date (YYYY, YYYY-MM or YYYY-MM-DD) can be."""
    if len(text) == 10:
        day = date.fromisoformat(text)
        return day, day
    if len(text) == 7:
        year, month = int(text[:4]), int(text[5:])
        after = date(year + month // 12, month % 12 + 1, 1)
        return date(year, month, 1), date.fromordinal(after.toordinal() - 1)
    return date(int(text), 1, 1), date(int(text), 12, 31)


def partial_epoch(subject: Subject, text: str | None) -> str | None:
    """EPOCH of a partial date: the epoch of its first and its last possible day, when they
    agree (a prior therapy of 2023 is in SCREENING for a patient treated in 2024); else null."""
    if not text:
        return None
    first, last = (subject.epoch(day) for day in date_bounds(text))
    return first if first == last else None


class Timing:
    """EPOCH, --STDTC/--ENDTC and study days of an intervention (dates or partial dates)."""

    def __init__(self, data: ExportData, subject: Subject):
        self.tz, self.subject = data.time_zone, subject

    def of(self, prefix: str, start, end) -> dict:
        first = complete_date(start) if isinstance(start, str) else start
        last = complete_date(end) if isinstance(end, str) else end
        reference = self.subject.first_infusion_date
        epoch = partial_epoch(self.subject, start) if isinstance(start, str) else \
            self.subject.epoch(start)
        return {"EPOCH": epoch,
                f"{prefix}STDTC": start if isinstance(start, str) else dtc(start, self.tz),
                f"{prefix}ENDTC": end if isinstance(end, str) else dtc(end, self.tz),
                f"{prefix}STDY": sdtm_study_day(first, reference),
                f"{prefix}ENDY": sdtm_study_day(last, reference)}


def _prior_qualifiers(therapy: dict) -> list[tuple[str, str, str, str]]:
    values = [("LINE", "Line of Therapy", str(therapy["line_number"]), "Collected"),
              ("BESTRESP", "Best Response to Therapy",
               BEST_RESPONSES.get(therapy["best_response"]), "Collected")]
    if therapy["car_t_target"]:
        values.append(("CARTTGT", "CAR-T Target", therapy["car_t_target"], "Collected"))
    if therapy["hsct_donor_type"]:
        values.append(("HSCTDON", "HSCT Donor Type",
                       therapy["hsct_donor_type"].replace("_", " ").upper(), "Collected"))
    return [q for q in values if q[2] is not None]


def cm_pr(data: ExportData, subject_of: dict[str, Subject]
          ) -> tuple[Dataset, Dataset, Dataset, Dataset, list[dict]]:
    """CM, SUPPCM, PR, SUPPPR, and the RELREC rows relating a medication to the event it
    treated."""
    cm, pr = DomainRows("CM", data.study_id), DomainRows("PR", data.study_id)
    supp_cm, supp_pr, relrec = [], [], []
    for therapy in data.rows["prior-therapy"]:
        subject = subject_of[therapy["subject_id"]]
        timing = Timing(data, subject)
        kind = THERAPY_TYPES[therapy["therapy_type"]]
        if therapy["therapy_type"] in PROCEDURES:
            seq = pr.add(subject, PRTRT=therapy["regimen"] or kind, PRDECOD=kind, PRCAT=PRIOR,
                         **timing.of("PR", therapy["start"], therapy["end"]))
            supp_pr += [qualifier("PR", data.study_id, subject, seq, *q)
                        for q in _prior_qualifiers(therapy)]
        else:
            seq = cm.add(subject, CMTRT=therapy["regimen"] or kind, CMCAT=PRIOR, CMSCAT=kind,
                         **timing.of("CM", therapy["start"], therapy["end"]))
            supp_cm += [qualifier("CM", data.study_id, subject, seq, *q)
                        for q in _prior_qualifiers(therapy)]
    for bridging in data.rows["bridging-therapy"]:
        subject = subject_of[bridging["subject_id"]]
        cm.add(subject, CMTRT=bridging["regimen"] or BRIDGING, CMCAT=BRIDGING,
               CMENRF="ONGOING" if bridging["end_date"] is None else None,
               **Timing(data, subject).of("CM", bridging["start_date"], bridging["end_date"]))
    for med in data.rows["conmed"]:
        subject = subject_of[med["subject_id"]]
        decod, clas = DRUGS[med["drug"]]
        named = DRUG_NAMES[med["drug"]]
        # A drug the CRF names is CMTRT itself; for a class, or "other", the agent specified.
        trt = named if decod else med["drug_specify"] or named
        seq = cm.add(subject, CMTRT=trt, CMDECOD=decod, CMCAT=CONMED, CMINDC=med["indication"],
                     CMCLAS=clas, CMDOSE=med["dose"], CMDOSU=DOSE_UNITS.get(med["dose_unit"]),
                     CMROUTE=ROUTES.get(med["route"]),
                     CMENRF="ONGOING" if med["ongoing"] else None,
                     **Timing(data, subject).of("CM", med["start_date"], med["stop_date"]))
        if med["treated_event"] is not None:
            relid = f"CMAE{seq}"
            relrec += [{"STUDYID": data.study_id, "RDOMAIN": domain, "USUBJID": subject.usubjid,
                        "IDVAR": f"{domain}SEQ", "IDVARVAL": str(value), "RELID": relid}
                       for domain, value in (("CM", seq), ("AE", med["treated_event"]))]
    return (cm.dataset(), to_dataset("SUPPCM", supp_cm), pr.dataset(),
            to_dataset("SUPPPR", supp_pr), relrec)


def mh(data: ExportData, subject_of: dict[str, Subject]) -> Dataset:
    rows = DomainRows("MH", data.study_id)
    for history in data.rows["medical-history"]:
        ongoing = history["ongoing"]
        subject = subject_of[history["subject_id"]]
        rows.add(subject, MHTERM=history["condition"] or WITHHELD, MHSTDTC=history["start"],
                 MHSTDY=sdtm_study_day(complete_date(history["start"]),
                                       subject.first_infusion_date),
                 MHENRTPT="ONGOING" if ongoing else "BEFORE",
                 MHENTPT="SCREENING")
    return rows.dataset()


def dv(data: ExportData, subject_of: dict[str, Subject]) -> tuple[Dataset, Dataset]:
    """DV and SUPPDV, from the current deviations (`sdtm.current_deviations`)."""
    rows, supp = DomainRows("DV", data.study_id), []
    for deviation in data.rows["protocol-deviation"]:
        subject = subject_of[deviation["subject_id"]]
        decod = DEVIATIONS[deviation["category"]]
        important = deviation["important"]
        on = deviation["deviation_date"]
        seq = rows.add(subject, DVTERM=deviation["description"] or decod, DVDECOD=decod,
                       DVCAT="PROTOCOL DEVIATION",
                       DVSCAT=None if important is None
                       else "IMPORTANT" if important else "NON-IMPORTANT",
                       EPOCH=subject.epoch(on), DVSTDTC=dtc(on, data.time_zone),
                       DVSTDY=sdtm_study_day(on, subject.first_infusion_date))
        for qnam, qlabel, field in (("IMPSAF", "Impact on Subject Safety", "impact_on_safety"),
                                    ("IMPDAT", "Impact on Data", "impact_on_data")):
            if deviation[field] is not None:
                supp.append(qualifier("DV", data.study_id, subject, seq, qnam, qlabel,
                                      _yes_no(deviation[field]), "Assigned", "INVESTIGATOR"))
    return rows.dataset(), to_dataset("SUPPDV", supp)


def reference_range_indicator(value: float, below_detection: bool, low: float | None,
                              high: float | None) -> str | None:
    """LBNRIND: LOW, HIGH or NORMAL against the range given; null without one, or for a "<limit"
    result that the range cannot place."""
    if below_detection:
        return "LOW" if low is not None and value <= low else None
    if low is not None and value < low:
        return "LOW"
    if high is not None and value > high:
        return "HIGH"
    return "NORMAL" if low is not None or high is not None else None


def lb(data: ExportData, subject_of: dict[str, Subject]) -> Dataset:
    tz = data.time_zone
    rows = DomainRows("LB", data.study_id)
    for result in data.rows["lab-result"]:
        subject = subject_of[result["subject_id"]]
        testcd, test, category, specimen = LAB_TESTS[result["test"]]
        value, below = result["value"], bool(result["below_detection"])
        low, high = result["ref_low"], result["ref_high"]
        text = ("<" if below else "") + number_text(value)
        graded = lab_grade(result["test"], value, low=low, high=high)
        on = result["collected_at"].astimezone(tz).date()
        rows.add(subject, LBTESTCD=testcd, LBTEST=test, LBCAT=category, LBORRES=text,
                 LBORRESU=result["unit"], LBSTRESC=text, LBSTRESN=None if below else value,
                 LBSTRESU=result["unit"],
                 LBORNRLO=None if low is None else number_text(low),
                 LBORNRHI=None if high is None else number_text(high),
                 LBSTNRLO=low, LBSTNRHI=high,
                 LBNRIND=reference_range_indicator(value, below, low, high), LBSPEC=specimen,
                 LBTOX=LAB_TERMS[result["test"]].upper() if graded else None,
                 LBTOXGR=str(graded.grade) if graded else None, EPOCH=subject.epoch(on),
                 LBDTC=dtc(result["collected_at"], tz),
                 LBDY=sdtm_study_day(on, subject.first_infusion_date))
    return rows.dataset()


def vs(data: ExportData, subject_of: dict[str, Subject]) -> tuple[Dataset, Dataset]:
    tz = data.time_zone
    rows, supp = DomainRows("VS", data.study_id), []
    for measured in data.rows["vital-signs"]:
        subject = subject_of[measured["subject_id"]]
        on = measured["measured_at"].astimezone(tz).date()
        timepoint, timepoint_number = VITAL_TIMEPOINTS[measured["timepoint"]]
        for field, (testcd, test, unit) in VITALS.items():
            value = measured[field]
            if value is None:
                continue
            seq = rows.add(subject, VSTESTCD=testcd, VSTEST=test, VSORRES=number_text(value),
                           VSORRESU=unit, VSSTRESC=number_text(value), VSSTRESN=float(value),
                           VSSTRESU=unit, EPOCH=subject.epoch(on),
                           VSDTC=dtc(measured["measured_at"], tz),
                           VSDY=sdtm_study_day(on, subject.first_infusion_date),
                           VSTPT=timepoint, VSTPTNUM=timepoint_number)
            if testcd == "OXYSAT" and measured["oxygen_support"]:
                supp.append(qualifier("VS", data.study_id, subject, seq, "OXYSUPP",
                                      "Oxygen Support", OXYGEN[measured["oxygen_support"]],
                                      "Collected"))
    return rows.dataset(), to_dataset("SUPPVS", supp)


# The CRS and ICANS details' fields → (FATESTCD, FATEST, unit): the worst values of the episode.
EVENT_FINDINGS = {
    "crs": ("CRS DETAILS", (("max_temp_c", "MAXTEMP", "Maximum Temperature", "C"),
                            ("hypotension", "HYPOTEN", "Hypotension Treatment", None),
                            ("oxygen", "OXYREQ", "Oxygen Requirement", None),
                            ("fever_masked", "FEVMASK", "Fever Masked by Treatment", None),
                            ("died_of_crs", "CRSDTH", "Death Due to CRS", None))),
    "icans": ("ICANS DETAILS", (("ice_score", "ICESCORE", "ICE Score", None),
                                ("capd_score", "CAPDSCOR", "CAPD Score", None),
                                ("unable_to_assess", "UNASSESS", "Unable to Assess ICE/CAPD",
                                 None),
                                ("consciousness", "LOC", "Level of Consciousness", None),
                                ("seizure", "SEIZURE", "Seizure", None),
                                ("motor_weakness", "MOTORWK", "Deep Focal Motor Weakness", None),
                                ("cerebral_edema", "CEREDEMA", "Cerebral Edema", None))),
}


def _finding(value) -> tuple[str, float | None]:
    if isinstance(value, bool):
        return ("Y" if value else "N"), None
    if isinstance(value, int | float):
        return number_text(value), float(value)
    return value.replace("_", " ").upper(), None


def fa(data: ExportData, subject_of: dict[str, Subject]) -> tuple[Dataset, list[dict]]:
    """FA: the CRS and ICANS details as findings about their adverse event (FAOBJ its AEDECOD,
    dated the event's onset, which the details describe), and the RELREC rows relating each
    finding to the event."""
    tz = data.time_zone
    events = {(e["subject_id"], e["ae_seq"]): e for e in data.rows["adverse-event"]}
    rows, relrec = DomainRows("FA", data.study_id), []
    for slug, (category, tests) in EVENT_FINDINGS.items():
        for details in data.rows[slug]:
            key = (details["subject_id"], details["ae_seq"])
            event, subject = events[key], subject_of[details["subject_id"]]
            onset = event["onset_date"]
            relid = f"AEFA{details['ae_seq']}"
            relrec.append({"STUDYID": data.study_id, "RDOMAIN": "AE",
                           "USUBJID": subject.usubjid, "IDVAR": "AESEQ",
                           "IDVARVAL": str(details["ae_seq"]), "RELID": relid})
            for field, testcd, test, unit in tests:
                if details[field] is None:
                    continue
                text, number = _finding(details[field])
                seq = rows.add(subject, FATESTCD=testcd, FATEST=test, FAOBJ=event["term"],
                               FACAT=category, FAORRES=text, FAORRESU=unit, FASTRESC=text,
                               FASTRESN=number, FASTRESU=unit, EPOCH=subject.epoch(onset),
                               FADTC=dtc(onset, tz),
                               FADY=sdtm_study_day(onset, subject.first_infusion_date))
                relrec.append({"STUDYID": data.study_id, "RDOMAIN": "FA",
                               "USUBJID": subject.usubjid, "IDVAR": "FASEQ",
                               "IDVARVAL": str(seq), "RELID": relid})
    return rows.dataset(), relrec
