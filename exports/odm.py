"""CDISC ODM-XML 1.3.2 of the trial: the forms' metadata and every current record. Pure.

Study/MetaDataVersion holds the study events, forms, item groups, items (DataType, Length for
texts and integers, the CRF label as the question) and a code list per vocabulary; ClinicalData
holds one SubjectData per patient (SubjectKey = the pseudonymous subject ID).

How the CRFs map onto ODM:
- Five study events: screening and enrolment (with the baseline: medical history, prior
  therapy, disease at screening), treatment (bridging, lymphodepletion, infusions), adverse
  events with the concomitant medications (the treated event as its AESEQ), follow-up
  (response assessments, PK samples, vital signs, relapse/progression, HSCT, death, secondary
  malignancies, RCL tests, contacts) and laboratory results. A form with several records per
  patient is Repeating, one FormData per record with FormRepeatKey 1, 2, … in date order.
- An adverse event's CRS, ICANS, GVHD, infection and IEC-HS details and its DLT adjudication
  are item groups of the adverse-event form (FormRepeatKey = the event's AESEQ), beside the
  event's own group.
- OIDs are made from the form slugs and field names, so the same metadata gives the same OIDs:
  SE.<EVENT>, F.<FORM>, IG.<FORM>, I.<FORM>.<FIELD>, CL.<FORM>.<FIELD>.
- A missing value has no ItemData. Booleans are true/false, datetimes ISO 8601 with offset.
A sponsor's export (`deidentified`) leaves the withheld fields out of both metadata and data.
- The trial-level product lots and donors (`ExportData.reference`) are ReferenceData (ODM 1.3:
  data that are no subject's): item groups IG.PRODUCT_LOT and IG.DONOR, one ItemGroupData per
  lot or donor (ItemGroupRepeatKey 1, 2, … by lot number or donor code), their items and code
  lists in the same metadata.
"""

import xml.etree.ElementTree as ET
from datetime import datetime

from exports.formats import text_value
from exports.specs import ADVERSE_EVENT, ExportData, FieldSpec, FormSpec

ODM_NS = "http://www.cdisc.org/ns/odm/v1.3"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
METADATA_VERSION_OID = "MDV.1"
EVENTS = (  # (key, name, type, form slugs)
    ("SCREENING", "Screening and enrolment", "Scheduled",
     ("patient", "eligibility", "medical-history", "prior-therapy", "disease-at-screening")),
    ("TREATMENT", "Bridging, lymphodepletion and RD13-02 infusion", "Scheduled",
     ("bridging-therapy", "lymphodepletion", "infusion")),
    ("ADVERSE_EVENTS", "Adverse events and their treatments", "Common",
     ("adverse-event", "conmed")),
    ("FOLLOW_UP", "Response, PK and follow-up", "Common",
     ("response", "pk-sample", "vital-signs", "disease-event", "hsct", "death",
      "secondary-malignancy", "rcl-test", "follow-up")),
    ("LABORATORY", "Laboratory results", "Common", ("lab-result",)),
    ("LONG_TERM_FOLLOW_UP", "Long-term follow-up, years 2 to 15", "Scheduled", ("ltfu-visit",)),
    ("DEVIATIONS", "Protocol deviations", "Common", ("protocol-deviation",)),
)
DATA_TYPE = {"text": "text", "integer": "integer", "float": "float", "date": "date",
             "datetime": "datetime", "time": "time", "boolean": "boolean"}

ET.register_namespace("", ODM_NS)


def _q(tag: str) -> str:
    return f"{{{ODM_NS}}}{tag}"


def _sub(parent, tag: str, **attributes) -> ET.Element:
    return ET.SubElement(parent, _q(tag), {k: str(v) for k, v in attributes.items()
                                           if v is not None})


def _name(slug: str) -> str:
    return slug.upper().replace("-", "_")


def form_oid(spec: FormSpec) -> str:
    return f"F.{_name(spec.slug)}"


def group_oid(spec: FormSpec) -> str:
    return f"IG.{_name(spec.slug)}"


def item_oid(spec: FormSpec, field: FieldSpec) -> str:
    return f"I.{_name(spec.slug)}.{field.name.upper()}"


def codelist_oid(spec: FormSpec, field: FieldSpec) -> str:
    return f"CL.{_name(spec.slug)}.{field.name.upper()}"


def _text(parent, tag: str, text: str) -> None:
    translated = ET.SubElement(_sub(parent, tag), _q("TranslatedText"), {XML_LANG: "en"})
    translated.text = text


class _Forms:
    """The forms as ODM arranges them: top-level forms, and each form's item groups."""

    def __init__(self, forms: tuple[FormSpec, ...], deidentified: bool,
                 reference: tuple[FormSpec, ...] = ()):
        self.by_slug = {spec.slug: spec for spec in forms}
        self.deidentified = deidentified
        self.reference = reference
        self.ae_parts = tuple(spec for spec in forms if spec.parent == "adverse_event")

    def groups(self, spec: FormSpec) -> tuple[FormSpec, ...]:
        return (spec, *self.ae_parts) if spec.slug == ADVERSE_EVENT else (spec,)

    def fields(self, spec: FormSpec) -> tuple[FieldSpec, ...]:
        return spec.visible_fields(self.deidentified)


def _metadata(study, forms: _Forms) -> None:
    version = _sub(study, "MetaDataVersion", OID=METADATA_VERSION_OID,
                   Name="RD13-02 case report forms")
    protocol = _sub(version, "Protocol")
    for order, (key, *_rest) in enumerate(EVENTS, 1):
        _sub(protocol, "StudyEventRef", StudyEventOID=f"SE.{key}", OrderNumber=order,
             Mandatory="Yes" if key == "SCREENING" else "No")
    for key, name, kind, slugs in EVENTS:
        event = _sub(version, "StudyEventDef", OID=f"SE.{key}", Name=name, Repeating="No",
                     Type=kind)
        for order, slug in enumerate(slugs, 1):
            _sub(event, "FormRef", FormOID=form_oid(forms.by_slug[slug]), OrderNumber=order,
                 Mandatory="Yes" if slug == "patient" else "No")
    top = [forms.by_slug[slug] for *_e, slugs in EVENTS for slug in slugs]
    for spec in top:
        form = _sub(version, "FormDef", OID=form_oid(spec), Name=spec.title,
                    Repeating="Yes" if spec.repeating else "No")
        for order, group in enumerate(forms.groups(spec), 1):
            _sub(form, "ItemGroupRef", ItemGroupOID=group_oid(group), OrderNumber=order,
                 Mandatory="Yes" if group is spec else "No")
    groups = [group for spec in top for group in forms.groups(spec)] + list(forms.reference)
    for spec in groups:
        group = _sub(version, "ItemGroupDef", OID=group_oid(spec), Name=spec.title,
                     Repeating="No")
        for order, field in enumerate(forms.fields(spec), 1):
            _sub(group, "ItemRef", ItemOID=item_oid(spec, field), OrderNumber=order,
                 Mandatory="No")
    for spec in groups:
        for field in forms.fields(spec):
            item = _sub(version, "ItemDef", OID=item_oid(spec, field), Name=field.name,
                        DataType=DATA_TYPE[field.kind],
                        Length=field.length if field.kind in ("text", "integer") else None)
            _text(item, "Question", field.label)
            if field.choices:
                _sub(item, "CodeListRef", CodeListOID=codelist_oid(spec, field))
    for spec in groups:
        for field in forms.fields(spec):
            if not field.choices:
                continue
            codelist = _sub(version, "CodeList", OID=codelist_oid(spec, field),
                            Name=f"{spec.title}: {field.label}", DataType="text")
            for value, label in field.choices:
                _text(_sub(codelist, "CodeListItem", CodedValue=value), "Decode", label)


def _item_group(form, spec: FormSpec, forms: _Forms, row: dict, tz) -> None:
    group = _sub(form, "ItemGroupData", ItemGroupOID=group_oid(spec))
    for field in forms.fields(spec):
        if row.get(field.name) is not None:
            _sub(group, "ItemData", ItemOID=item_oid(spec, field),
                 Value=text_value(row[field.name], tz))


def _clinical_data(odm, data: ExportData, forms: _Forms) -> None:
    tz = data.time_zone
    clinical = _sub(odm, "ClinicalData", StudyOID=study_oid(data),
                    MetaDataVersionOID=METADATA_VERSION_OID)
    by_subject: dict[str, dict[str, list[dict]]] = {}
    for slug, rows in data.rows.items():
        for row in rows:
            by_subject.setdefault(row["subject_id"], {}).setdefault(slug, []).append(row)
    parts = {(part.slug, row["subject_id"], row["ae_seq"]): row for part in forms.ae_parts
             for row in data.rows[part.slug]}
    for patient in data.rows["patient"]:
        subject_id = patient["subject_id"]
        records = by_subject.get(subject_id, {})
        subject = _sub(clinical, "SubjectData", SubjectKey=subject_id)
        for key, *_about, slugs in EVENTS:
            if not any(records.get(slug) for slug in slugs):
                continue
            event = _sub(subject, "StudyEventData", StudyEventOID=f"SE.{key}")
            for slug in slugs:
                spec = forms.by_slug[slug]
                for repeat, row in enumerate(records.get(slug, []), 1):
                    if spec.slug == ADVERSE_EVENT:
                        repeat = row["ae_seq"]
                    form = _sub(event, "FormData", FormOID=form_oid(spec),
                                FormRepeatKey=repeat if spec.repeating else None)
                    _item_group(form, spec, forms, row, tz)
                    for part in forms.groups(spec)[1:]:
                        found = parts.get((part.slug, subject_id, row.get("ae_seq")))
                        if found is not None:
                            _item_group(form, part, forms, found, tz)


def _reference_data(odm, data: ExportData, forms: _Forms) -> None:
    if not any(rows for _spec, rows in data.reference):
        return
    reference = _sub(odm, "ReferenceData", StudyOID=study_oid(data),
                     MetaDataVersionOID=METADATA_VERSION_OID)
    for spec, rows in data.reference:
        for repeat, row in enumerate(rows, 1):
            group = _sub(reference, "ItemGroupData", ItemGroupOID=group_oid(spec),
                         ItemGroupRepeatKey=repeat)
            for field in forms.fields(spec):
                if row.get(field.name) is not None:
                    _sub(group, "ItemData", ItemOID=item_oid(spec, field),
                         Value=text_value(row[field.name], data.time_zone))


def study_oid(data: ExportData) -> str:
    return f"S.{data.study_id}"


def odm_xml(data: ExportData, *, deidentified: bool, created_at: datetime) -> bytes:
    """The ODM 1.3.2 document (module docstring), UTF-8 with an XML declaration."""
    forms = _Forms(data.forms, deidentified, tuple(spec for spec, _rows in data.reference))
    odm = ET.Element(_q("ODM"), {
        "FileType": "Snapshot", "Granularity": "All",
        "FileOID": f"{data.study_id}.{'DEIDENTIFIED' if deidentified else 'FULL'}",
        "CreationDateTime": created_at.isoformat(timespec="seconds"), "ODMVersion": "1.3.2",
        "Originator": "RD13-02 trial EDC"})
    study = _sub(odm, "Study", OID=study_oid(data))
    variables = _sub(study, "GlobalVariables")
    for tag, text in (("StudyName", data.study_id), ("StudyDescription", data.study_title),
                      ("ProtocolName", data.study_id)):
        ET.SubElement(variables, _q(tag)).text = text
    _metadata(study, forms)
    _reference_data(odm, data, forms)
    _clinical_data(odm, data, forms)
    ET.indent(odm)
    return ET.tostring(odm, encoding="utf-8", xml_declaration=True)
