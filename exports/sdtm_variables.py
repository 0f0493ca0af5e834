"""The SDTM datasets' variables, in the SDTMIG v3.4 order of each domain, with their labels,
types and origins (Define-XML 2.1 origin types: Collected, Derived, Assigned). Pure.

Only the variables this trial collects or derives are listed, and the Expected ones it does not
collect (DM's RACE, left null); SDTMIG's order is kept among them.
"""

from dataclasses import dataclass

CHAR, NUM = "Char", "Num"
COLLECTED, DERIVED, ASSIGNED = "Collected", "Derived", "Assigned"


@dataclass(frozen=True)
class Variable:
    name: str  # at most 8 characters (SAS transport v5)
    label: str  # at most 40 characters
    type: str  # Char or Num
    origin: str


@dataclass(frozen=True)
class Dataset:
    name: str  # DM, EX, AE, SUPPAE, …: `DATASETS`
    label: str
    variables: tuple[Variable, ...]
    rows: tuple[tuple, ...]  # one value per variable: str, float/int or None

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variables)


def _vars(*specs: tuple[str, str, str, str]) -> tuple[Variable, ...]:
    return tuple(Variable(*spec) for spec in specs)


EPOCH = ("EPOCH", "Epoch", CHAR, DERIVED)
IDENTIFIERS = (("STUDYID", "Study Identifier", CHAR, ASSIGNED),
               ("DOMAIN", "Domain Abbreviation", CHAR, ASSIGNED),
               ("USUBJID", "Unique Subject Identifier", CHAR, DERIVED))


def _supp(parent: str) -> tuple[str, tuple[Variable, ...]]:
    """A SUPP-- dataset: one row per qualifier of a parent record."""
    return (f"Supplemental Qualifiers for {parent}", _vars(
        ("STUDYID", "Study Identifier", CHAR, ASSIGNED),
        ("RDOMAIN", "Related Domain Abbreviation", CHAR, ASSIGNED),
        ("USUBJID", "Unique Subject Identifier", CHAR, DERIVED),
        ("IDVAR", "Identifying Variable", CHAR, ASSIGNED),
        ("IDVARVAL", "Identifying Variable Value", CHAR, DERIVED),
        ("QNAM", "Qualifier Variable Name", CHAR, ASSIGNED),
        ("QLABEL", "Qualifier Variable Label", CHAR, ASSIGNED),
        ("QVAL", "Data Value", CHAR, DERIVED),
        ("QORIG", "Origin", CHAR, ASSIGNED),
        ("QEVAL", "Evaluator", CHAR, ASSIGNED)))


def _interventions(prefix: str, noun: str):
    """An interventions domain's timing: epoch, start and end dates and their study days."""
    return (EPOCH,
            (f"{prefix}STDTC", f"Start Date/Time of {noun}", CHAR, COLLECTED),
            (f"{prefix}ENDTC", f"End Date/Time of {noun}", CHAR, COLLECTED),
            (f"{prefix}STDY", f"Study Day of Start of {noun}", NUM, DERIVED),
            (f"{prefix}ENDY", f"Study Day of End of {noun}", NUM, DERIVED))


def _results(prefix: str, origin: str):
    """A findings domain's result and unit variables."""
    return ((f"{prefix}ORRES", "Result or Finding in Original Units", CHAR, origin),
            (f"{prefix}ORRESU", "Original Units", CHAR, ASSIGNED),
            (f"{prefix}STRESC", "Character Result/Finding in Std Format", CHAR, DERIVED),
            (f"{prefix}STRESN", "Numeric Result/Finding in Standard Units", NUM, DERIVED),
            (f"{prefix}STRESU", "Standard Units", CHAR, ASSIGNED))


DATASETS: dict[str, tuple[str, tuple[Variable, ...]]] = {
    "DM": ("Demographics", _vars(
        *IDENTIFIERS,
        ("SUBJID", "Subject Identifier for the Study", CHAR, COLLECTED),
        ("RFSTDTC", "Subject Reference Start Date/Time", CHAR, DERIVED),
        ("RFENDTC", "Subject Reference End Date/Time", CHAR, DERIVED),
        ("RFXSTDTC", "Date/Time of First Study Treatment", CHAR, DERIVED),
        ("RFXENDTC", "Date/Time of Last Study Treatment", CHAR, DERIVED),
        ("RFICDTC", "Date/Time of Informed Consent", CHAR, COLLECTED),
        ("RFPENDTC", "Date/Time of End of Participation", CHAR, DERIVED),
        ("DTHDTC", "Date/Time of Death", CHAR, COLLECTED),
        ("DTHFL", "Subject Death Flag", CHAR, DERIVED),
        ("SITEID", "Study Site Identifier", CHAR, ASSIGNED),
        ("AGE", "Age", NUM, COLLECTED),
        ("AGEU", "Age Units", CHAR, ASSIGNED),
        ("SEX", "Sex", CHAR, COLLECTED),
        ("RACE", "Race", CHAR, COLLECTED),
        ("ARMCD", "Planned Arm Code", CHAR, DERIVED),
        ("ARM", "Description of Planned Arm", CHAR, DERIVED),
        ("ACTARMCD", "Actual Arm Code", CHAR, DERIVED),
        ("ACTARM", "Description of Actual Arm", CHAR, DERIVED),
        ("ARMNRS", "Reason Arm and/or Actual Arm is Null", CHAR, DERIVED),
        ("ACTARMUD", "Description of Unplanned Actual Arm", CHAR, DERIVED),
        ("COUNTRY", "Country", CHAR, ASSIGNED))),
    "EX": ("Exposure", _vars(
        *IDENTIFIERS,
        ("EXSEQ", "Sequence Number", NUM, DERIVED),
        ("EXTRT", "Name of Treatment", CHAR, ASSIGNED),
        ("EXCAT", "Category of Treatment", CHAR, ASSIGNED),
        ("EXDOSE", "Dose", NUM, COLLECTED),
        ("EXDOSU", "Dose Units", CHAR, ASSIGNED),
        ("EXDOSFRM", "Dose Form", CHAR, ASSIGNED),
        ("EXDOSFRQ", "Dosing Frequency per Interval", CHAR, ASSIGNED),
        ("EXROUTE", "Route of Administration", CHAR, ASSIGNED),
        ("EXLOT", "Lot Number", CHAR, COLLECTED),
        EPOCH,
        ("EXSTDTC", "Start Date/Time of Treatment", CHAR, COLLECTED),
        ("EXENDTC", "End Date/Time of Treatment", CHAR, DERIVED),
        ("EXSTDY", "Study Day of Start of Treatment", NUM, DERIVED),
        ("EXENDY", "Study Day of End of Treatment", NUM, DERIVED))),
    "AE": ("Adverse Events", _vars(
        *IDENTIFIERS,
        ("AESEQ", "Sequence Number", NUM, DERIVED),
        ("AETERM", "Reported Term for the Adverse Event", CHAR, COLLECTED),
        ("AEDECOD", "Dictionary-Derived Term", CHAR, DERIVED),
        ("AESER", "Serious Event", CHAR, COLLECTED),
        ("AEACN", "Action Taken with Study Treatment", CHAR, DERIVED),
        ("AEACNOTH", "Other Action Taken", CHAR, DERIVED),
        ("AEREL", "Causality", CHAR, COLLECTED),
        ("AEOUT", "Outcome of Adverse Event", CHAR, COLLECTED),
        ("AESCONG", "Congenital Anomaly or Birth Defect", CHAR, COLLECTED),
        ("AESDISAB", "Persist or Signif Disability/Incapacity", CHAR, COLLECTED),
        ("AESDTH", "Results in Death", CHAR, COLLECTED),
        ("AESHOSP", "Requires or Prolongs Hospitalization", CHAR, COLLECTED),
        ("AESLIFE", "Is Life Threatening", CHAR, COLLECTED),
        ("AESMIE", "Other Medically Important Serious Event", CHAR, COLLECTED),
        ("AETOXGR", "Standard Toxicity Grade", CHAR, COLLECTED),
        EPOCH,
        ("AESTDTC", "Start Date/Time of Adverse Event", CHAR, COLLECTED),
        ("AEENDTC", "End Date/Time of Adverse Event", CHAR, COLLECTED),
        ("AESTDY", "Study Day of Start of Adverse Event", NUM, DERIVED),
        ("AEENDY", "Study Day of End of Adverse Event", NUM, DERIVED))),
    "SUPPAE": _supp("AE"),
    "RS": ("Disease Response", _vars(
        *IDENTIFIERS,
        ("RSSEQ", "Sequence Number", NUM, DERIVED),
        ("RSTESTCD", "Assessment Short Name", CHAR, ASSIGNED),
        ("RSTEST", "Assessment Name", CHAR, ASSIGNED),
        ("RSORRES", "Result or Finding in Original Units", CHAR, COLLECTED),
        ("RSSTRESC", "Character Result/Finding in Std Format", CHAR, DERIVED),
        ("RSDRVFL", "Derived Flag", CHAR, DERIVED),
        ("RSEVAL", "Evaluator", CHAR, ASSIGNED),
        ("VISITNUM", "Visit Number", NUM, DERIVED),
        ("VISIT", "Visit Name", CHAR, COLLECTED),
        EPOCH,
        ("RSDTC", "Date/Time of Assessment", CHAR, COLLECTED),
        ("RSDY", "Study Day of Assessment", NUM, DERIVED))),
    "PC": ("Pharmacokinetics Concentrations", _vars(
        *IDENTIFIERS,
        ("PCSEQ", "Sequence Number", NUM, DERIVED),
        ("PCTESTCD", "Pharmacokinetic Test Short Name", CHAR, ASSIGNED),
        ("PCTEST", "Pharmacokinetic Test Name", CHAR, ASSIGNED),
        *_results("PC", COLLECTED),
        ("PCSPEC", "Specimen Material Type", CHAR, COLLECTED),
        ("PCMETHOD", "Method of Test or Examination", CHAR, ASSIGNED),
        ("PCLLOQ", "Lower Limit of Quantitation", NUM, ASSIGNED),
        ("VISITNUM", "Visit Number", NUM, DERIVED),
        ("VISIT", "Visit Name", CHAR, DERIVED),
        EPOCH,
        ("PCDTC", "Date/Time of Specimen Collection", CHAR, COLLECTED),
        ("PCDY", "Study Day of Specimen Collection", NUM, DERIVED),
        ("PCTPT", "Planned Time Point Name", CHAR, DERIVED),
        ("PCTPTNUM", "Planned Time Point Number", NUM, COLLECTED),
        ("PCELTM", "Planned Elapsed Time from Time Point Ref", CHAR, DERIVED),
        ("PCTPTREF", "Time Point Reference", CHAR, ASSIGNED),
        ("PCRFTDTC", "Date/Time of Reference Time Point", CHAR, DERIVED))),
    "PP": ("Pharmacokinetics Parameters", _vars(
        *IDENTIFIERS,
        ("PPSEQ", "Sequence Number", NUM, DERIVED),
        ("PPTESTCD", "Parameter Short Name", CHAR, ASSIGNED),
        ("PPTEST", "Parameter Name", CHAR, ASSIGNED),
        ("PPCAT", "Parameter Category", CHAR, ASSIGNED),
        *_results("PP", DERIVED),
        ("PPSTAT", "Completion Status", CHAR, DERIVED),
        ("PPREASND", "Reason Not Done", CHAR, DERIVED),
        ("PPSPEC", "Specimen Material Type", CHAR, ASSIGNED),
        ("PPTPTREF", "Time Point Reference", CHAR, ASSIGNED),
        ("PPRFTDTC", "Date/Time of Reference Point", CHAR, DERIVED),
        ("PPSTINT", "Planned Start of Assessment Interval", CHAR, ASSIGNED),
        ("PPENINT", "Planned End of Assessment Interval", CHAR, ASSIGNED))),
    "DS": ("Disposition", _vars(
        *IDENTIFIERS,
        ("DSSEQ", "Sequence Number", NUM, DERIVED),
        ("DSTERM", "Reported Term for the Disposition Event", CHAR, COLLECTED),
        ("DSDECOD", "Standardized Disposition Term", CHAR, DERIVED),
        ("DSCAT", "Category for Disposition Event", CHAR, ASSIGNED),
        EPOCH,
        ("DSSTDTC", "Start Date/Time of Disposition Event", CHAR, COLLECTED),
        ("DSSTDY", "Study Day of Start of Disposition Event", NUM, DERIVED))),
    "CM": ("Concomitant/Prior Medications", _vars(
        *IDENTIFIERS,
        ("CMSEQ", "Sequence Number", NUM, DERIVED),
        ("CMTRT", "Reported Name of Drug, Med, or Therapy", CHAR, COLLECTED),
        ("CMDECOD", "Standardized Medication Name", CHAR, ASSIGNED),
        ("CMCAT", "Category for Medication", CHAR, ASSIGNED),
        ("CMSCAT", "Subcategory for Medication", CHAR, COLLECTED),
        ("CMINDC", "Indication", CHAR, COLLECTED),
        ("CMCLAS", "Medication Class", CHAR, ASSIGNED),
        ("CMDOSE", "Dose per Administration", NUM, COLLECTED),
        ("CMDOSU", "Dose Units", CHAR, COLLECTED),
        ("CMROUTE", "Route of Administration", CHAR, COLLECTED),
        *_interventions("CM", "Medication"),
        ("CMENRF", "End Relative to Reference Period", CHAR, COLLECTED))),
    "SUPPCM": _supp("CM"),
    "PR": ("Procedures", _vars(
        *IDENTIFIERS,
        ("PRSEQ", "Sequence Number", NUM, DERIVED),
        ("PRTRT", "Reported Name of Procedure", CHAR, COLLECTED),
        ("PRDECOD", "Standardized Procedure Name", CHAR, ASSIGNED),
        ("PRCAT", "Category", CHAR, ASSIGNED),
        *_interventions("PR", "Procedure"))),
    "SUPPPR": _supp("PR"),
    "MH": ("Medical History", _vars(
        *IDENTIFIERS,
        ("MHSEQ", "Sequence Number", NUM, DERIVED),
        ("MHTERM", "Reported Term for the Medical History", CHAR, COLLECTED),
        ("MHSTDTC", "Start Date/Time of Medical History Event", CHAR, COLLECTED),
        ("MHSTDY", "Study Day of Start of Medical History", NUM, DERIVED),
        ("MHENRTPT", "End Relative to Reference Time Point", CHAR, COLLECTED),
        ("MHENTPT", "End Reference Time Point", CHAR, ASSIGNED))),
    "DV": ("Protocol Deviations", _vars(
        *IDENTIFIERS,
        ("DVSEQ", "Sequence Number", NUM, DERIVED),
        ("DVTERM", "Protocol Deviation Term", CHAR, COLLECTED),
        ("DVDECOD", "Protocol Deviation Coded Term", CHAR, ASSIGNED),
        ("DVCAT", "Category for Protocol Deviation", CHAR, ASSIGNED),
        ("DVSCAT", "Subcategory for Protocol Deviation", CHAR, COLLECTED),
        EPOCH,
        ("DVSTDTC", "Start Date/Time of Deviation", CHAR, COLLECTED),
        ("DVSTDY", "Study Day of Start of Deviation", NUM, DERIVED))),
    "SUPPDV": _supp("DV"),
    "LB": ("Laboratory Test Results", _vars(
        *IDENTIFIERS,
        ("LBSEQ", "Sequence Number", NUM, DERIVED),
        ("LBTESTCD", "Lab Test or Examination Short Name", CHAR, ASSIGNED),
        ("LBTEST", "Lab Test or Examination Name", CHAR, ASSIGNED),
        ("LBCAT", "Category for Lab Test", CHAR, ASSIGNED),
        *_results("LB", COLLECTED),
        ("LBORNRLO", "Reference Range Lower Limit in Orig Unit", CHAR, COLLECTED),
        ("LBORNRHI", "Reference Range Upper Limit in Orig Unit", CHAR, COLLECTED),
        ("LBSTNRLO", "Reference Range Lower Limit-Std Units", NUM, DERIVED),
        ("LBSTNRHI", "Reference Range Upper Limit-Std Units", NUM, DERIVED),
        ("LBNRIND", "Reference Range Indicator", CHAR, DERIVED),
        ("LBSPEC", "Specimen Type", CHAR, ASSIGNED),
        ("LBTOX", "Toxicity", CHAR, DERIVED),
        ("LBTOXGR", "Standard Toxicity Grade", CHAR, DERIVED),
        EPOCH,
        ("LBDTC", "Date/Time of Specimen Collection", CHAR, COLLECTED),
        ("LBDY", "Study Day of Specimen Collection", NUM, DERIVED))),
    "VS": ("Vital Signs", _vars(
        *IDENTIFIERS,
        ("VSSEQ", "Sequence Number", NUM, DERIVED),
        ("VSTESTCD", "Vital Signs Test Short Name", CHAR, ASSIGNED),
        ("VSTEST", "Vital Signs Test Name", CHAR, ASSIGNED),
        *_results("VS", COLLECTED),
        EPOCH,
        ("VSDTC", "Date/Time of Measurements", CHAR, COLLECTED),
        ("VSDY", "Study Day of Vital Signs", NUM, DERIVED),
        ("VSTPT", "Planned Time Point Name", CHAR, COLLECTED),
        ("VSTPTNUM", "Planned Time Point Number", NUM, ASSIGNED))),
    "SUPPVS": _supp("VS"),
    "FA": ("Findings About Events or Interventions", _vars(
        *IDENTIFIERS,
        ("FASEQ", "Sequence Number", NUM, DERIVED),
        ("FATESTCD", "Findings About Test Short Name", CHAR, ASSIGNED),
        ("FATEST", "Findings About Test Name", CHAR, ASSIGNED),
        ("FAOBJ", "Object of the Observation", CHAR, DERIVED),
        ("FACAT", "Category for Findings About", CHAR, ASSIGNED),
        *_results("FA", COLLECTED),
        EPOCH,
        ("FADTC", "Date/Time of Collection", CHAR, DERIVED),
        ("FADY", "Study Day of Collection", NUM, DERIVED))),
    "TE": ("Trial Elements", _vars(
        ("STUDYID", "Study Identifier", CHAR, ASSIGNED),
        ("DOMAIN", "Domain Abbreviation", CHAR, ASSIGNED),
        ("ETCD", "Element Code", CHAR, ASSIGNED),
        ("ELEMENT", "Description of Element", CHAR, ASSIGNED),
        ("TESTRL", "Rule for Start of Element", CHAR, ASSIGNED),
        ("TEENRL", "Rule for End of Element", CHAR, ASSIGNED))),
    "TA": ("Trial Arms", _vars(
        ("STUDYID", "Study Identifier", CHAR, ASSIGNED),
        ("DOMAIN", "Domain Abbreviation", CHAR, ASSIGNED),
        ("ARMCD", "Planned Arm Code", CHAR, ASSIGNED),
        ("ARM", "Description of Planned Arm", CHAR, ASSIGNED),
        ("TAETORD", "Planned Order of Element within Arm", NUM, ASSIGNED),
        ("ETCD", "Element Code", CHAR, ASSIGNED),
        ("ELEMENT", "Description of Element", CHAR, ASSIGNED),
        ("TABRANCH", "Branch", CHAR, ASSIGNED),
        ("TATRANS", "Transition Rule", CHAR, ASSIGNED),
        ("EPOCH", "Epoch", CHAR, ASSIGNED))),
    "TS": ("Trial Summary", _vars(
        ("STUDYID", "Study Identifier", CHAR, ASSIGNED),
        ("DOMAIN", "Domain Abbreviation", CHAR, ASSIGNED),
        ("TSSEQ", "Sequence Number", NUM, ASSIGNED),
        ("TSPARMCD", "Trial Summary Parameter Short Name", CHAR, ASSIGNED),
        ("TSPARM", "Trial Summary Parameter", CHAR, ASSIGNED),
        ("TSVAL", "Parameter Value", CHAR, ASSIGNED),
        ("TSVALCD", "Parameter Value Code", CHAR, ASSIGNED),
        ("TSVCDREF", "Name of the Reference Terminology", CHAR, ASSIGNED),
        ("TSVCDVER", "Version of the Reference Terminology", CHAR, ASSIGNED))),
    "SE": ("Subject Elements", _vars(
        *IDENTIFIERS,
        ("SESEQ", "Sequence Number", NUM, DERIVED),
        ("ETCD", "Element Code", CHAR, DERIVED),
        ("ELEMENT", "Description of Element", CHAR, DERIVED),
        ("TAETORD", "Planned Order of Element within Arm", NUM, DERIVED),
        EPOCH,
        ("SESTDTC", "Start Date/Time of Element", CHAR, DERIVED),
        ("SEENDTC", "End Date/Time of Element", CHAR, DERIVED),
        ("SESTDY", "Study Day of Start of Element", NUM, DERIVED),
        ("SEENDY", "Study Day of End of Element", NUM, DERIVED))),
    "SV": ("Subject Visits", _vars(
        *IDENTIFIERS,
        ("VISITNUM", "Visit Number", NUM, DERIVED),
        ("VISIT", "Visit Name", CHAR, DERIVED),
        EPOCH,
        ("SVSTDTC", "Start Date/Time of Observation", CHAR, DERIVED),
        ("SVENDTC", "End Date/Time of Observation", CHAR, DERIVED),
        ("SVSTDY", "Study Day of Start of Observation", NUM, DERIVED),
        ("SVENDY", "Study Day of End of Observation", NUM, DERIVED),
        ("SVUPDES", "Description of Unplanned Visit", CHAR, DERIVED))),
    "RELREC": ("Related Records", _vars(
        ("STUDYID", "Study Identifier", CHAR, ASSIGNED),
        ("RDOMAIN", "Related Domain Abbreviation", CHAR, ASSIGNED),
        ("USUBJID", "Unique Subject Identifier", CHAR, DERIVED),
        ("IDVAR", "Identifying Variable", CHAR, ASSIGNED),
        ("IDVARVAL", "Identifying Variable Value", CHAR, DERIVED),
        ("RELTYPE", "Relationship Type", CHAR, ASSIGNED),
        ("RELID", "Relationship Identifier", CHAR, DERIVED))),
}
