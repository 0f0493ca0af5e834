"""CDISC Define-XML 2.1 of the SDTM package: `define.xml` and the stylesheet a reviewer opens it
with (`define.xsl`). Pure.

Generated from the same metadata as the datasets (`exports.sdtm_variables` and the rows built
from it), so a domain added there appears here with nothing else to change:
- def:Standards: SDTMIG 3.4 and CDISC SDTM Controlled Terminology 2024-03-29 (docs/choices.md).
- One ItemGroupDef per dataset of the package, in the package's order: Purpose Tabulation,
  def:Structure, def:Class (read from the dataset's variables when `CLASSES` does not name
  it: a --TESTCD makes a findings domain, a --TRT an interventions one, a --TERM an events one),
  def:leaf to its `<domain>.xpt`, def:HasNoData for a dataset without records. Its ItemRefs are
  the dataset's variables in order, Mandatory for SDTMIG v3.4's Required ones (`is_required`),
  KeySequence the keys of the Dataset-JSON files (`exports.dataset_json.key_sequence`), and a
  MethodOID on every derived variable.
- One ItemDef per variable, OID IT.<domain>.<variable> (the Dataset-JSON itemOID): DataType as
  Dataset-JSON's (text, datetime for the --DTC, integer for --SEQ and --DY, float otherwise),
  Length of texts in UTF-8 bytes as in the XPT and `variables.csv`, of numbers their digits
  (with SignificantDigits for floats); def:Origin Collected (source Investigator), Derived or
  Assigned (source Sponsor).
- Code lists (`CODELISTS`) with only the terms the datasets use (and each --TESTCD's codes
  decoded to their --TEST), each with its NCI code where `CODELISTS` (or `TESTCD_CT`) knows
  it; a term outside an extensible CDISC code list is def:ExtendedValue.
  Variables coded by an external dictionary (`EXTERNAL`) get an ExternalCodeList.
- Value-level metadata: in a findings dataset, --ORRES, --STRESC and --STRESN per test code
  used (and per --CAT where the dataset has one: PP's parameters differ by analyte), and in a
  SUPP-- dataset QVAL per QNAM, each with its def:WhereClauseDef.
- MethodDefs (`METHODS`), def:CommentDefs (`COMMENTS`).

The document names `define.xsl` in an xml-stylesheet processing instruction: a browser shows
the datasets, variables, code lists and methods as tables (the stylesheet is the project's own,
`exports/templates/exports/define.xsl`, not CDISC's define2-1.xsl).
"""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from exports.dataset_json import DEFINE_FILE, METADATA_VERSION_OID, data_type, key_sequence
from exports.sdtm_files import char_length
from exports.sdtm_variables import COLLECTED, DERIVED, NUM, Dataset, Variable

ODM_NS = "http://www.cdisc.org/ns/odm/v1.3"
DEF_NS = "http://www.cdisc.org/ns/def/v2.1"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STYLESHEET_FILE = "define.xsl"
STYLESHEET = Path(__file__).parent / "templates" / "exports" / STYLESHEET_FILE
IG_STANDARD, CT_STANDARD = "STD.SDTMIG.3.4", "STD.CT.SDTM.2024-03-29"
CT_VERSION = "2024-03-29"
NCI = "nci:ExtCodeID"

# Define-XML's def:Class of the datasets the variables alone do not tell.
CLASSES = {"DM": "SPECIAL PURPOSE", "CO": "SPECIAL PURPOSE", "SE": "SPECIAL PURPOSE",
           "SV": "SPECIAL PURPOSE", "RELREC": "RELATIONSHIP", "TA": "TRIAL DESIGN",
           "TE": "TRIAL DESIGN", "TI": "TRIAL DESIGN", "TS": "TRIAL DESIGN", "TV": "TRIAL DESIGN",
           "TD": "TRIAL DESIGN", "TM": "TRIAL DESIGN", "FA": "FINDINGS ABOUT"}
REFERENCE_DATA = {"TA", "TE", "TI", "TS", "TV", "TD", "TM"}
STRUCTURES = {
    "DM": "One record per subject",
    "EX": "One record per constant dosing interval per subject",
    "AE": "One record per adverse event per subject",
    "RS": "One record per response assessment per evaluator per visit per subject",
    "PC": "One record per sample characteristic or time-point concentration per reference "
          "time point or per analyte per subject",
    "PP": "One record per PK parameter per time-concentration profile per modeling method "
          "per subject",
    "DS": "One record per disposition status or protocol milestone per subject",
    "SE": "One record per actual Element per subject",
    "SV": "One record per actual or planned visit per subject",
    "TS": "One record per trial summary parameter value",
    "TA": "One record per planned Element per Arm",
    "TE": "One record per planned Element",
    "RELREC": "One record per related record, group of records or dataset",
}
# SDTMIG v3.4's Required variables (Core "Req"), by name or by the suffix after the domain.
REQUIRED_NAMES = {"STUDYID", "DOMAIN", "USUBJID", "SUBJID", "SITEID", "SEX", "COUNTRY", "RDOMAIN",
                  "QNAM", "QLABEL", "QVAL", "QORIG", "AEDECOD", "DSDECOD", "DSCAT", "RELID",
                  "ETCD", "ELEMENT", "TSPARMCD", "TSPARM"}
REQUIRED_SUFFIXES = ("SEQ", "TESTCD", "TEST", "TERM", "TRT")
# The domains where VISITNUM and ARMCD/ARM are Required (Expected in DM and the findings).
VISITNUM_REQUIRED = {"SV"}
ARM_REQUIRED = {"TA"}
# Where a dataset's own table departs from the rules above (trial design, elements, RELREC).
REQUIRED_ALSO = {"TE": {"TESTRL"}, "TA": {"TAETORD", "EPOCH"}, "SE": {"SESTDTC"},
                 "FA": {"FAOBJ"}, "RELREC": {"IDVAR"}}
REQUIRED_NOT = {"TA": {"ELEMENT"}, "SE": {"ELEMENT"}, "RELREC": {"USUBJID"}}


@dataclass(frozen=True)
class CodeList:
    name: str
    nci: str | None  # the code list's NCI code; None for the sponsor's own lists
    extensible: bool
    terms: dict[str, str | None]  # the CDISC terms it may use → NCI code (None: not stated)


# NCI codes as CDISC publishes them (compared with the CT package the CDISC CORE engine holds);
# None where a term's code is not stated here (the term is written without an Alias).
CODELISTS = {
    "NY": CodeList("No Yes Response", "C66742", False,
                   {"N": "C49487", "Y": "C49488", "U": "C17998", "NA": "C48660"}),
    "SEX": CodeList("Sex", "C66731", False,
                    {"F": "C16576", "M": "C20197", "U": "C17998", "UNDIFFERENTIATED": "C45908"}),
    "AGEU": CodeList("Age Unit", "C66781", False, {"YEARS": "C29848", "MONTHS": "C29846"}),
    "EPOCH": CodeList("Epoch", "C99079", True,
                      {"SCREENING": "C48262", "TREATMENT": "C101526", "FOLLOW-UP": "C99158"}),
    "ROUTE": CodeList("Route of Administration Response", "C66729", True,
                      {"INTRAVENOUS": "C38276"}),
    "FREQ": CodeList("Frequency", "C71113", True, {"ONCE": "C64576", "QD": "C25473"}),
    "FRM": CodeList("Pharmaceutical Dosage Form", "C66726", True,
                    {"INJECTION": "C42946", "SUSPENSION": "C42994"}),
    "UNIT": CodeList("Unit", "C71620", True, {"mg/m2": "C67402", "DAYS": "C25301"}),
    "OUT": CodeList("Outcome of Event", "C66768", False,
                    {"FATAL": "C48275", "NOT RECOVERED/NOT RESOLVED": "C49494",
                     "RECOVERED/RESOLVED": "C49498", "RECOVERED/RESOLVED WITH SEQUELAE": "C49495",
                     "RECOVERING/RESOLVING": "C49496", "UNKNOWN": "C17998"}),
    "ACN": CodeList("Action Taken with Study Treatment", "C66767", False,
                    {"DOSE INCREASED": "C49503", "DOSE NOT CHANGED": "C49504",
                     "DOSE REDUCED": "C49505", "DRUG INTERRUPTED": "C49501",
                     "DRUG WITHDRAWN": "C49502", "NOT APPLICABLE": "C48660",
                     "UNKNOWN": "C17998"}),
    "DSCAT": CodeList("Category for Disposition Event", "C74558", False,
                      {"DISPOSITION EVENT": "C74590", "PROTOCOL MILESTONE": "C74588",
                       "OTHER EVENT": "C74589"}),
    # DSDECOD draws on NCOMPLT (C66727) for disposition events and PROTMLST (C114118) for
    # milestones: one sponsor list of the terms of both that the datasets use.
    "DSDECOD": CodeList("Standardized Disposition Term (NCOMPLT and PROTMLST)", None, True,
                        {"COMPLETED": "C25250", "DEATH": "C28554", "LOST TO FOLLOW-UP": "C48227",
                         "WITHDRAWAL BY SUBJECT": "C49634", "PROGRESSIVE DISEASE": "C35571",
                         "ADVERSE EVENT": "C41331", "PHYSICIAN DECISION": "C48250",
                         "OTHER": "C17649", "INFORMED CONSENT OBTAINED": "C16735",
                         "ENTERED INTO TRIAL": None}),
    "SPECTYPE": CodeList("Specimen Type", "C78734", True,
                     {"BLOOD": "C12434", "BONE MARROW": "C12431",
                      "CEREBROSPINAL FLUID": "C12692"}),
    "EVAL": CodeList("Evaluator", "C78735", True, {"INVESTIGATOR": "C25936"}),
    "ARMNULRS": CodeList("Arm Null Reason", None, False,
                         {"SCREEN FAILURE": None, "NOT ASSIGNED": None, "NOT TREATED": None,
                          "UNPLANNED TREATMENT": None}),
    "METHOD": CodeList("Method", "C85492", True, {"FLOW CYTOMETRY": "C16585"}),
    "AEREL": CodeList("Causality", None, False, {}),
    "TOXGR": CodeList("Standard Toxicity Grade", None, False, {}),
    "RSRESP": CodeList("Overall Response", None, False, {}),
    "ORIGIN": CodeList("Origin of the qualifier", None, False, {}),
}
# The CDISC code lists: those with an NCI code, and ARMNULRS, CDISC's though its code is not
# stated here.
CDISC_LISTS = {key for key, c in CODELISTS.items() if c.nci} | {"ARMNULRS"}
# --TESTCD code lists that are CDISC's: (code list, its NCI code, extensible, term → NCI code).
TESTCD_CT = {"PPTESTCD": ("PKPARMCD", "C85839", True,
                          {"CMAX": "C70918", "TMAX": "C70919", "AUCINT": "C85566",
                           "TLST": "C85822", "CLST": "C85655"})}
CODELIST_OF = {  # variable (or "*<suffix>") → code list key
    "SEX": "SEX", "AGEU": "AGEU", "EPOCH": "EPOCH", "ARMNRS": "ARMNULRS", "DTHFL": "NY",
    "AESER": "NY", "AESCONG": "NY", "AESDISAB": "NY", "AESDTH": "NY", "AESHOSP": "NY",
    "AESLIFE": "NY", "AESMIE": "NY", "RSDRVFL": "NY", "AEACN": "ACN", "AEOUT": "OUT",
    "AEREL": "AEREL", "AETOXGR": "TOXGR", "DSCAT": "DSCAT", "DSDECOD": "DSDECOD",
    "RSORRES": "RSRESP", "RSSTRESC": "RSRESP", "QORIG": "ORIGIN",
    "*ROUTE": "ROUTE", "*DOSFRQ": "FREQ", "*DOSFRM": "FRM", "*DOSU": "UNIT", "*ORRESU": "UNIT",
    "*STRESU": "UNIT", "*SPEC": "SPECTYPE", "*EVAL": "EVAL", "*METHOD": "METHOD",
}
EXTERNAL = {"COUNTRY": ("ISO 3166-1 alpha-3", "2020"), "AEDECOD": ("CTCAE", "5.0")}

METHODS = {  # key → (Type, description)
    "SEQ": ("Computation", "Numbers the subject's records of the domain 1, 2, … in the order they "
            "are built (date order within each kind of record); unique within USUBJID."),
    "DY": ("Computation", "Study day of the paired --DTC date from DM.RFSTDTC (the first RD13-02 "
           "infusion, day 1): date − RFSTDTC + 1 on or after it, date − RFSTDTC before it; no "
           "day 0. Null when either date is missing."),
    "EPOCH": ("Computation", "SCREENING before the first study treatment (DM.RFXSTDTC, the "
              "lymphodepletion's first day), TREATMENT up to the last day of the treatment "
              "period, FOLLOW-UP after it, read from the record's date."),
    "USUBJID": ("Computation", "STUDYID and SUBJID joined by a hyphen."),
    "VISITNUM": ("Computation", "The planned visits numbered 1 (SCREENING) to 7 (M12); an "
                 "unscheduled visit x.01, x.02, … after the last planned one; a PK sampling day "
                 "n is visit 100 + n."),
    "DM": ("Computation", "Read from the patient's record and EX as described in the SDTM "
           "mapping (docs/api.md, Data exports): RFSTDTC the first RD13-02 infusion, RFXSTDTC "
           "and RFXENDTC the first and last EX dates, RFENDTC the off-study date, else the death "
           "date, else the latest date on the record; the arm the dose level of the first "
           "infusion (ARMNRS when none)."),
    "STD": ("Computation", "The original result in standard format: the same value and unit "
            "(the results are recorded in standard units); no number for a result below the "
            "LLOQ (BLQ)."),
    "NCA": ("Computation", "Non-compartmental analysis of the peripheral-blood samples (pk.nca, "
            "linear trapezoidal rule, times in days from the first infusion), as the endpoint "
            "report computes it."),
    "DECOD": ("Computation", "Coded from the recorded term: the CTCAE v5.0 term of the adverse "
              "event; the disposition term read from the recorded reason."),
    "FROM": ("Computation", "Copied from the source record or the parent record as the SDTM "
             "mapping describes (docs/api.md, Data exports)."),
}
COMMENTS = {  # variable (or "<dataset>.<variable>") → comment
    "RACE": "Not collected by the CRFs: null in every record (SDTMIG v3.4 Expected).",
    "AETOXGR": "ASTCT 2019 grade for CRS and ICANS, CTCAE v5.0 otherwise; the scale is in "
               "SUPPAE.TOXSCALE.",
    "COUNTRY": "A single-centre trial: the setting STUDY_COUNTRY.",
    "PCLLOQ": "The assay's LLOQ, in PCSTRESU (settings PK_LLOQ_*).",
}
DATASET_COMMENTS = {
    "SUPPAE": "The ASTCT grade derived from the CRS and ICANS details and the investigator's "
              "signed DLT decision, qualifiers of the AE record named by IDVAR/IDVARVAL.",
}

ET.register_namespace("", ODM_NS)
ET.register_namespace("def", DEF_NS)
ET.register_namespace("xlink", XLINK_NS)


def _odm(tag: str) -> str:
    return f"{{{ODM_NS}}}{tag}"


def _def(tag: str) -> str:
    return f"{{{DEF_NS}}}{tag}"


def _el(parent, tag: str, **attributes) -> ET.Element:
    return ET.SubElement(parent, tag, {k: str(v) for k, v in attributes.items()
                                       if v is not None})


def _description(parent, text: str) -> None:
    description = _el(parent, _odm("Description"))
    _el(description, _odm("TranslatedText"), **{XML_LANG: "en"}).text = text


def _oid_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)


def dataset_class(dataset: Dataset) -> str:
    """The def:Class of a dataset (module docstring)."""
    if dataset.name.startswith("SUPP"):
        return "RELATIONSHIP"
    if dataset.name in CLASSES:
        return CLASSES[dataset.name]
    columns = set(dataset.columns)
    for suffix, name in (("TESTCD", "FINDINGS"), ("TRT", "INTERVENTIONS"), ("TERM", "EVENTS")):
        if f"{dataset.name}{suffix}" in columns:
            return name
    return "SPECIAL PURPOSE"


def structure(dataset: Dataset) -> str:
    if dataset.name.startswith("SUPP"):
        return "One record per IDVAR, IDVARVAL, and QNAM value per subject"
    if dataset.name in STRUCTURES:
        return STRUCTURES[dataset.name]
    kind = {"FINDINGS": "test per time point", "INTERVENTIONS": "recorded intervention",
            "EVENTS": "event"}.get(dataset_class(dataset), "record")
    return f"One record per {kind} per subject"


def is_required(dataset: Dataset, name: str) -> bool:
    """SDTMIG v3.4 Core "Req" (`REQUIRED_NAMES`, `REQUIRED_SUFFIXES`)."""
    if name == "VISITNUM":
        return dataset.name in VISITNUM_REQUIRED
    if name in ("ARMCD", "ARM"):
        return dataset.name in ARM_REQUIRED
    if name in REQUIRED_ALSO.get(dataset.name, ()):
        return True
    if name in REQUIRED_NOT.get(dataset.name, ()):
        return False
    if name in REQUIRED_NAMES:
        return True
    return (name.startswith(dataset.name)
            and name[len(dataset.name):] in REQUIRED_SUFFIXES)


def codelist_key(name: str) -> str | None:
    if name in CODELIST_OF:
        return CODELIST_OF[name]
    for pattern, key in CODELIST_OF.items():
        if pattern.startswith("*") and name.endswith(pattern[1:]) and len(name) > len(pattern):
            return key
    return None


def method_key(dataset: Dataset, variable: Variable) -> str | None:
    """The MethodDef of a derived variable (None for one collected or assigned)."""
    if variable.origin != DERIVED:
        return None
    name, suffix = variable.name, variable.name[len(dataset.name):]
    if name == f"{dataset.name}SEQ":
        return "SEQ"
    if variable.type == NUM and name.endswith("DY"):
        return "DY"
    if name in ("EPOCH", "USUBJID", "VISITNUM"):
        return name
    if dataset.name == "DM":
        return "DM"
    if suffix in ("STRESC", "STRESN") and dataset.name != "PP":
        return "STD"
    if dataset.name == "PP" and suffix in ("ORRES", "STRESC", "STRESN", "STAT", "REASND"):
        return "NCA"
    if name.endswith("DECOD"):
        return "DECOD"
    return "FROM"


def _number_length(values) -> tuple[int, int]:
    """(digits, digits after the point) of the longest number, at least (1, 0)."""
    length, fraction = 1, 0
    for value in values:
        _sign, digits, exponent = Decimal(repr(float(value))).normalize().as_tuple()
        after = max(0, -exponent)
        whole = max(len(digits) + exponent, 1)  # digits before the point, at least the 0
        length = max(length, whole + after)
        fraction = max(fraction, after)
    return length, fraction


def _item_attributes(dataset: Dataset, index: int, rows=None) -> dict:
    """DataType, Length and SignificantDigits of a variable over `rows` (all by default)."""
    variable = dataset.variables[index]
    rows = dataset.rows if rows is None else rows
    kind = {"string": "text", "double": "float"}.get(data_type(variable), data_type(variable))
    values = [row[index] for row in rows if row[index] is not None]
    if kind == "text":
        return {"DataType": kind, "Length": char_length(Dataset(
            dataset.name, dataset.label, dataset.variables, tuple(rows)), index)}
    if kind == "datetime":
        return {"DataType": kind}
    length, fraction = _number_length(values)
    if kind == "integer":
        return {"DataType": kind, "Length": length}
    return {"DataType": kind, "Length": length, "SignificantDigits": fraction}


def _origin(parent, origin: str) -> None:
    _el(parent, _def("Origin"), Type=origin,
        Source="Investigator" if origin == COLLECTED else "Sponsor")


class _Define:
    """Collects the metadata of the datasets, then writes it in the schema's order."""

    def __init__(self, datasets: tuple[Dataset, ...]):
        self.datasets = datasets
        self.terms: dict[str, list[str]] = {}  # code list key → terms used, first-seen order
        self.external: dict[str, tuple[str, str]] = {}
        self.decoded: dict[str, dict[str, str]] = {}  # --TESTCD → code used → its --TEST
        self.methods: set[str] = set()
        self.comments: dict[str, str] = {}  # OID → text
        self.value_lists: list[tuple[str, list[dict]]] = []  # (OID, items)
        self.where: list[tuple[str, list[tuple[str, str]]]] = []  # (OID, [(ItemOID, value)])
        self.value_list_of: dict[str, str] = {}  # ItemDef OID → ValueListDef OID
        self.vlm_items: list[dict] = []
        for dataset in datasets:
            self._collect(dataset)

    def _collect(self, dataset: Dataset) -> None:
        for index, variable in enumerate(dataset.variables):
            key = codelist_key(variable.name)
            if key is not None:
                used = self.terms.setdefault(key, [])
                for row in dataset.rows:
                    if row[index] is not None and row[index] not in used:
                        used.append(row[index])
            if variable.name in EXTERNAL:
                self.external[variable.name] = EXTERNAL[variable.name]
            test_name = f"{dataset.name}TEST"
            if variable.name == f"{test_name}CD" and test_name in dataset.columns:
                test = dataset.columns.index(test_name)
                codes = self.decoded.setdefault(variable.name, {})
                for row in dataset.rows:
                    codes.setdefault(row[index], row[test])
            method = method_key(dataset, variable)
            if method:
                self.methods.add(method)
        self._value_level(dataset)

    def _value_level(self, dataset: Dataset) -> None:
        """Value-level metadata of a findings (--TESTCD) or SUPP-- (QNAM) dataset."""
        columns = dataset.columns
        if dataset.name.startswith("SUPP"):
            keys, targets = ["QNAM"], ["QVAL"]
        else:
            keys = [f"{dataset.name}TESTCD"]
            targets = [f"{dataset.name}{s}" for s in ("ORRES", "STRESC", "STRESN")]
            if f"{dataset.name}CAT" in columns:
                keys.append(f"{dataset.name}CAT")
        if keys[0] not in columns or not dataset.rows:
            return
        at = [columns.index(k) for k in keys]
        groups: dict[tuple, list[tuple]] = {}
        for row in dataset.rows:
            groups.setdefault(tuple(row[i] for i in at), []).append(row)
        where_oids = {}
        for number, values in enumerate(groups, start=1):
            oid = f"WC.{dataset.name}.{number}.{_oid_part(str(values[0]))}"
            where_oids[values] = oid
            self.where.append((oid, [(f"IT.{dataset.name}.{k}", v)
                                     for k, v in zip(keys, values, strict=True)
                                     if v is not None]))
        for target in (t for t in targets if t in columns):
            index = columns.index(target)
            variable = dataset.variables[index]
            list_oid = f"VL.{dataset.name}.{target}"
            items = []
            for number, (values, rows) in enumerate(groups.items(), start=1):
                item_oid = f"IT.{dataset.name}.{target}.{number}.{_oid_part(str(values[0]))}"
                units = sorted({row[columns.index(u)] for u in (
                    f"{dataset.name}ORRESU", f"{dataset.name}STRESU") if u in columns
                    for row in rows if row[columns.index(u)]})
                label = " / ".join(str(v) for v in values if v is not None)
                if dataset.name.startswith("SUPP") and "QLABEL" in columns:
                    label = f"{values[0]}: {rows[0][columns.index('QLABEL')]}"
                if units:
                    label += f" ({', '.join(units)})"
                items.append({"oid": item_oid, "where": where_oids[values], "name": target,
                              "label": label, "origin": variable.origin,
                              "method": method_key(dataset, variable),
                              **_item_attributes(dataset, index, rows)})
            self.value_lists.append((list_oid, items))
            self.value_list_of[f"IT.{dataset.name}.{target}"] = list_oid
            self.vlm_items.extend(items)

    def _comment(self, key: str, text: str) -> str:
        oid = f"COM.{_oid_part(key)}"
        self.comments[oid] = text
        return oid

    def write(self, mdv) -> None:
        standards = _el(mdv, _def("Standards"))
        _el(standards, _def("Standard"), OID=IG_STANDARD, Name="SDTMIG", Type="IG",
            Version="3.4", Status="Final")
        _el(standards, _def("Standard"), OID=CT_STANDARD, Name="CDISC/NCI", Type="CT",
            PublishingSet="SDTM", Version=CT_VERSION, Status="Final")
        for oid, items in self.value_lists:
            value_list = _el(mdv, _def("ValueListDef"), OID=oid)
            for order, item in enumerate(items, start=1):
                ref = _el(value_list, _odm("ItemRef"), ItemOID=item["oid"], OrderNumber=order,
                          Mandatory="No",
                          MethodOID=item["method"] and f"MT.{item['method']}")
                _el(ref, _def("WhereClauseRef"), WhereClauseOID=item["where"])
        for oid, checks in self.where:
            clause = _el(mdv, _def("WhereClauseDef"), OID=oid)
            for item_oid, value in checks:
                check = _el(clause, _odm("RangeCheck"), Comparator="EQ", SoftHard="Soft",
                            **{_def("ItemOID"): item_oid})
                _el(check, _odm("CheckValue")).text = str(value)
        for dataset in self.datasets:
            self._item_group(mdv, dataset)
        for dataset in self.datasets:
            for index, variable in enumerate(dataset.variables):
                self._item_def(mdv, dataset, index, variable)
        for item in self.vlm_items:
            item_def = _el(mdv, _odm("ItemDef"), OID=item["oid"], Name=item["name"],
                           DataType=item["DataType"], Length=item.get("Length"),
                           SignificantDigits=item.get("SignificantDigits"))
            _description(item_def, item["label"])
            _origin(item_def, item["origin"])
        self._codelists(mdv)
        for key in (k for k in METHODS if k in self.methods):
            kind, text = METHODS[key]
            method = _el(mdv, _odm("MethodDef"), OID=f"MT.{key}", Name=f"Algorithm for {key}",
                         Type=kind)
            _description(method, text)
        for oid, text in self.comments.items():
            comment = _el(mdv, _def("CommentDef"), OID=oid)
            _description(comment, text)

    def _item_group(self, mdv, dataset: Dataset) -> None:
        name = dataset.name
        comment = DATASET_COMMENTS.get(name)
        group = _el(mdv, _odm("ItemGroupDef"), OID=f"IG.{name}",
                    Domain=name[4:] if name.startswith("SUPP") else name, Name=name,
                    Repeating="No" if name == "DM" else "Yes",
                    IsReferenceData="Yes" if name in REFERENCE_DATA else "No",
                    SASDatasetName=name, Purpose="Tabulation",
                    **{_def("Structure"): structure(dataset),
                       _def("StandardOID"): IG_STANDARD, _def("ArchiveLocationID"): f"LF.{name}",
                       _def("HasNoData"): None if dataset.rows else "Yes",
                       _def("CommentOID"): comment and self._comment(name, comment)})
        _description(group, dataset.label)
        keys = key_sequence(dataset)
        for order, variable in enumerate(dataset.variables, start=1):
            method = method_key(dataset, variable)
            _el(group, _odm("ItemRef"), ItemOID=f"IT.{name}.{variable.name}", OrderNumber=order,
                Mandatory="Yes" if is_required(dataset, variable.name) else "No",
                KeySequence=keys.get(variable.name), MethodOID=method and f"MT.{method}")
        _el(group, _def("Class"), Name=dataset_class(dataset))
        leaf = _el(group, _def("leaf"), ID=f"LF.{name}",
                   **{f"{{{XLINK_NS}}}href": f"{name.lower()}.xpt"})
        _el(leaf, _def("title")).text = f"{name.lower()}.xpt"

    def _item_def(self, mdv, dataset: Dataset, index: int, variable: Variable) -> None:
        oid = f"IT.{dataset.name}.{variable.name}"
        comment = (COMMENTS.get(f"{dataset.name}.{variable.name}")
                   or COMMENTS.get(variable.name))
        item = _el(mdv, _odm("ItemDef"), OID=oid, Name=variable.name,
                   SASFieldName=variable.name, **_item_attributes(dataset, index),
                   **{_def("CommentOID"): comment and self._comment(
                       f"{dataset.name}.{variable.name}", comment)})
        _description(item, variable.label)
        key = codelist_key(variable.name)
        if key is not None and self.terms.get(key):
            _el(item, _odm("CodeListRef"), CodeListOID=f"CL.{key}")
        elif variable.name in self.external or self.decoded.get(variable.name):
            _el(item, _odm("CodeListRef"), CodeListOID=f"CL.{variable.name}")
        _origin(item, variable.origin)
        if oid in self.value_list_of:
            _el(item, _def("ValueListRef"), ValueListOID=self.value_list_of[oid])

    def _codelists(self, mdv) -> None:
        for key, used in self.terms.items():
            if not used:
                continue
            spec = CODELISTS[key]
            cdisc = key in CDISC_LISTS
            codelist = _el(mdv, _odm("CodeList"), OID=f"CL.{key}", Name=spec.name,
                           DataType="text",
                           **{_def("StandardOID"): CT_STANDARD if cdisc else None})
            state = "extensible" if spec.extensible else "non-extensible"
            _description(codelist, f"CDISC SDTM CT {CT_VERSION}, {state}" if cdisc
                         else f"Sponsor-defined ({state}): the terms the datasets use")
            for order, term in enumerate(used, start=1):
                extended = cdisc and spec.extensible and term not in spec.terms
                entry = _el(codelist, _odm("EnumeratedItem"), CodedValue=term, OrderNumber=order,
                            **{_def("ExtendedValue"): "Yes" if extended else None})
                if spec.terms.get(term):
                    _el(entry, _odm("Alias"), Context=NCI, Name=spec.terms[term])
            if spec.nci:
                _el(codelist, _odm("Alias"), Context=NCI, Name=spec.nci)
        for name, codes in self.decoded.items():
            if not codes:
                continue
            ct_name, nci, extensible, known = TESTCD_CT.get(name, (None, None, False, {}))
            codelist = _el(mdv, _odm("CodeList"), OID=f"CL.{name}",
                           Name=ct_name or f"{name[:-6]} test codes", DataType="text",
                           **{_def("StandardOID"): CT_STANDARD if ct_name else None})
            _description(codelist, f"CDISC SDTM CT {CT_VERSION}, extensible: the codes used"
                         if ct_name else "Sponsor-defined: the test codes the dataset uses, "
                         "each decoded to its test name")
            for order, (code, test) in enumerate(codes.items(), start=1):
                extended = extensible and code not in known
                entry = _el(codelist, _odm("CodeListItem"), CodedValue=code, OrderNumber=order,
                            **{_def("ExtendedValue"): "Yes" if extended else None})
                decode = _el(entry, _odm("Decode"))
                _el(decode, _odm("TranslatedText"), **{XML_LANG: "en"}).text = test or code
                if known.get(code):
                    _el(entry, _odm("Alias"), Context=NCI, Name=known[code])
            if nci:
                _el(codelist, _odm("Alias"), Context=NCI, Name=nci)
        for name, (dictionary, version) in self.external.items():
            codelist = _el(mdv, _odm("CodeList"), OID=f"CL.{name}", Name=f"{name} ({dictionary})",
                           DataType="text")
            _el(codelist, _odm("ExternalCodeList"), Dictionary=dictionary, Version=version)


def define_xml(datasets: tuple[Dataset, ...], *, study_oid: str, study_name: str,
               study_description: str, created_at: datetime) -> bytes:
    """The Define-XML 2.1 document of the datasets (module docstring), UTF-8, with an XML
    declaration and the processing instruction naming `define.xsl`."""
    odm = ET.Element(_odm("ODM"), {
        "FileType": "Snapshot", "FileOID": f"{study_oid}.DEFINE.SDTM",
        "CreationDateTime": created_at.isoformat(timespec="seconds"), "ODMVersion": "1.3.2",
        "Originator": "RD13-02 trial EDC", _def("Context"): "Submission"})
    study = _el(odm, _odm("Study"), OID=study_oid)
    variables = _el(study, _odm("GlobalVariables"))
    for tag, text in (("StudyName", study_name), ("StudyDescription", study_description),
                      ("ProtocolName", study_name)):
        _el(variables, _odm(tag)).text = text
    mdv = _el(study, _odm("MetaDataVersion"), OID=METADATA_VERSION_OID,
              Name=f"{study_name} SDTM", Description="SDTMIG 3.4 tabulation datasets",
              **{_def("DefineVersion"): "2.1.0"})
    _Define(datasets).write(mdv)
    ET.indent(odm)
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n'
            + f'<?xml-stylesheet type="text/xsl" href="{STYLESHEET_FILE}"?>\n'.encode()
            + ET.tostring(odm, encoding="utf-8", xml_declaration=False) + b"\n")


def define_files(datasets: tuple[Dataset, ...], **study) -> dict[str, bytes]:
    """`define.xml` and the stylesheet it names."""
    return {DEFINE_FILE: define_xml(datasets, **study),
            STYLESHEET_FILE: STYLESHEET.read_bytes()}

