"""The SDTM datasets as CDISC Dataset-JSON v1.1 (final, 2024-12-05), one `<domain>.json` beside
each XPT: the successor to SAS transport the FDA has asked for comment on. Pure.

What each file holds, in the attribute order the specification recommends (a streaming reader
meets the metadata before the rows):
- the file's own metadata: datasetJSONCreationDateTime (the export's time, with its offset),
  datasetJSONVersion "1.1.0", fileOID ("<studyOID>.SDTM.<domain>"), sourceSystem (this EDC and
  its installed version) and studyOID (the ODM export's Study OID, so that the two agree);
- itemGroupOID "IG.<domain>" and itemOID "IT.<domain>.<variable>", Define-XML's usual OIDs;
  records, name and label as in the XPT;
- one column per variable, in the dataset's order, with the XPT's name and label. dataType:
  a Char variable is "string", except the --DTC variables, "datetime" (ISO 8601 text, a date
  alone or to the minute, as SDTM writes them); a Num variable is "integer" when SDTM defines
  it as a count of records or days (--SEQ, --DY, --STDY, --ENDY), otherwise "double" (the XPT's
  8-byte float, so no value changes). A text column carries `length`, the longest value in
  UTF-8 bytes, as `variables.csv` and the XPT give it. keySequence marks the variables that make a
  subject's record unique (`key_sequence`);
- rows: one array per record, values in column order: texts as text, numbers as JSON numbers,
  a missing value as null (the XPT has no null: there a missing text is blank, a missing
  number SAS's missing value).

- metaDataVersionOID and metaDataRef: the package's Define-XML (`exports.define_xml`), its
  MetaDataVersion OID and its file name, so that a reader finds the metadata of every column.
"""

import json
from datetime import datetime
from importlib.metadata import version

from exports.sdtm_files import char_length
from exports.sdtm_variables import CHAR, Dataset, Variable

DATASET_JSON_VERSION = "1.1.0"
SOURCE_SYSTEM = "trial-edc"  # the project's distribution name, whose version is reported
# A SUPP-- record is one qualifier (QNAM) of one parent record.
SUPP_KEYS = ("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM")
INTEGER_SUFFIXES = ("SEQ", "DY")
# The Define-XML of the package (`exports.define_xml` writes it with these).
DEFINE_FILE = "define.xml"
METADATA_VERSION_OID = "MDV.SDTM"

# The keys of the datasets that are not one record per --SEQ of a subject.
KEYS = {"DM": ("STUDYID", "USUBJID"), "SV": ("STUDYID", "USUBJID", "VISITNUM"),
        "RELREC": ("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "RELID"),
        "TE": ("STUDYID", "ETCD"), "TA": ("STUDYID", "ARMCD", "TAETORD"),
        "TS": ("STUDYID", "TSPARMCD", "TSSEQ")}


def data_type(variable: Variable) -> str:
    """The column's Dataset-JSON dataType (module docstring)."""
    if variable.type == CHAR:
        return "datetime" if variable.name.endswith("DTC") else "string"
    return "integer" if variable.name.endswith(INTEGER_SUFFIXES) else "double"


def key_sequence(dataset: Dataset) -> dict[str, int]:
    """Variable name → its place (from 1) among the keys that make a record unique, for the
    datasets of subjects' records: DM one per subject, a SUPP-- one per qualifier of a parent
    record, SV one per visit of a subject, RELREC one per record of a relationship, the trial
    design datasets (`KEYS`) one per element, arm element or parameter, the others one per --SEQ
    of a subject. None declared for another dataset."""
    sequence = f"{dataset.name}SEQ"
    if dataset.name in KEYS:
        names: tuple[str, ...] = KEYS[dataset.name]
    elif dataset.name.startswith("SUPP"):
        names = SUPP_KEYS
    elif {"USUBJID", sequence} <= set(dataset.columns):
        names = ("STUDYID", "USUBJID", sequence)
    else:
        names = ()
    return {name: place for place, name in enumerate(names, start=1)}


def _column(dataset: Dataset, index: int, keys: dict[str, int]) -> dict:
    variable = dataset.variables[index]
    column = {"itemOID": f"IT.{dataset.name}.{variable.name}", "name": variable.name,
              "label": variable.label, "dataType": data_type(variable)}
    if variable.type == CHAR:
        column["length"] = char_length(dataset, index)
    if variable.name in keys:
        column["keySequence"] = keys[variable.name]
    return column


def _value(value, kind: str, name: str):
    if value is None:
        return None
    if kind == "integer":
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(f"{name}: {value} is not a whole number, as an integer must be")
        return int(value)
    if kind == "double":
        return float(value)
    return value


def dataset_json(dataset: Dataset, *, created_at: datetime, study_oid: str) -> bytes:
    """One dataset as a Dataset-JSON v1.1 document, UTF-8 (module docstring)."""
    keys = key_sequence(dataset)
    kinds = [data_type(v) for v in dataset.variables]
    document = {
        "datasetJSONCreationDateTime": created_at.isoformat(timespec="seconds"),
        "datasetJSONVersion": DATASET_JSON_VERSION,
        "fileOID": f"{study_oid}.SDTM.{dataset.name}",
        "sourceSystem": {"name": SOURCE_SYSTEM, "version": version(SOURCE_SYSTEM)},
        "studyOID": study_oid,
        "metaDataVersionOID": METADATA_VERSION_OID,
        "metaDataRef": DEFINE_FILE,
        "itemGroupOID": f"IG.{dataset.name}",
        "records": len(dataset.rows),
        "name": dataset.name,
        "label": dataset.label,
        "columns": [_column(dataset, i, keys) for i in range(len(dataset.variables))],
        "rows": [[_value(value, kind, variable.name) for value, kind, variable
                  in zip(row, kinds, dataset.variables, strict=True)] for row in dataset.rows],
    }
    return json.dumps(document, ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).encode("utf-8")


def dataset_json_files(datasets: tuple[Dataset, ...], *, created_at: datetime,
                       study_oid: str) -> dict[str, bytes]:
    """`<domain>.json` for each dataset, all stamped with the export's time."""
    return {f"{d.name.lower()}.json": dataset_json(d, created_at=created_at, study_oid=study_oid)
            for d in datasets}
