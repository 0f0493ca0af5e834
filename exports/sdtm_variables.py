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
    name: str  # DM, EX, AE, SUPPAE, RS, PC, PP, DS
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
    "SUPPAE": ("Supplemental Qualifiers for AE", _vars(
        ("STUDYID", "Study Identifier", CHAR, ASSIGNED),
        ("RDOMAIN", "Related Domain Abbreviation", CHAR, ASSIGNED),
        ("USUBJID", "Unique Subject Identifier", CHAR, DERIVED),
        ("IDVAR", "Identifying Variable", CHAR, ASSIGNED),
        ("IDVARVAL", "Identifying Variable Value", CHAR, DERIVED),
        ("QNAM", "Qualifier Variable Name", CHAR, ASSIGNED),
        ("QLABEL", "Qualifier Variable Label", CHAR, ASSIGNED),
        ("QVAL", "Data Value", CHAR, DERIVED),
        ("QORIG", "Origin", CHAR, ASSIGNED),
        ("QEVAL", "Evaluator", CHAR, ASSIGNED))),
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
}
