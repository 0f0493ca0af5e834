"""The ODM-XML 1.3.2 export: valid against the CDISC schema and consistent with its metadata."""

import xml.etree.ElementTree as etree
from datetime import UTC, datetime
from pathlib import Path

import odmlib
import pytest
import xmlschema

from exports.loader import load_export_data
from exports.odm import odm_xml
from tests.exports.conftest import FREE_TEXT

pytestmark = pytest.mark.django_db
NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3"}
SCHEMA = Path(odmlib.__file__).parent / "schemas" / "odm" / "1.3.2" / "ODM1-3-2.xsd"
CREATED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(str(SCHEMA))


def export(deidentified=False) -> bytes:
    return odm_xml(load_export_data(), deidentified=deidentified, created_at=CREATED)


def oids(tree, tag: str) -> set[str]:
    return {e.get("OID") for e in tree.iterfind(f".//odm:{tag}", NS)}


@pytest.mark.parametrize("deidentified", [False, True])
def test_the_export_is_valid_odm_1_3_2(schema, full_patient, screen_failure, deidentified):
    content = export(deidentified)
    schema.validate(content.decode("utf-8"))  # raises, naming the element, if not valid
    root = etree.fromstring(content)
    assert root.get("ODMVersion") == "1.3.2" and root.get("FileType") == "Snapshot"


def test_the_metadata_has_the_expected_oids(full_patient):
    tree = etree.fromstring(export())
    assert oids(tree, "StudyEventDef") == {"SE.SCREENING", "SE.TREATMENT", "SE.ADVERSE_EVENTS",
                                           "SE.FOLLOW_UP", "SE.LABORATORY",
                                           "SE.LONG_TERM_FOLLOW_UP", "SE.DEVIATIONS"}
    assert oids(tree, "FormDef") == {
        "F.PATIENT", "F.ELIGIBILITY", "F.LYMPHODEPLETION", "F.INFUSION", "F.ADVERSE_EVENT",
        "F.RESPONSE", "F.PK_SAMPLE", "F.DISEASE_EVENT", "F.HSCT", "F.DEATH",
        "F.SECONDARY_MALIGNANCY", "F.RCL_TEST", "F.FOLLOW_UP", "F.LAB_RESULT", "F.CONMED",
        "F.MEDICAL_HISTORY", "F.PRIOR_THERAPY", "F.DISEASE_AT_SCREENING", "F.BRIDGING_THERAPY",
        "F.VITAL_SIGNS", "F.LTFU_VISIT", "F.PROTOCOL_DEVIATION"}
    assert {"IG.ADVERSE_EVENT", "IG.CRS", "IG.ICANS", "IG.GVHD", "IG.INFECTION", "IG.IEC_HS",
            "IG.DLT_ADJUDICATION"} <= oids(tree, "ItemGroupDef")
    items = {e.get("OID"): e for e in tree.iterfind(".//odm:ItemDef", NS)}
    grade = items["I.ADVERSE_EVENT.GRADE"]
    assert (grade.get("DataType"), grade.get("Length")) == ("integer", "5")
    term = items["I.ADVERSE_EVENT.TERM"]
    assert (term.get("DataType"), term.get("Length")) == ("text", "200")
    assert items["I.RESPONSE.DATE"].get("DataType") == "date"
    assert items["I.PK_SAMPLE.BELOW_LLOQ"].get("DataType") == "boolean"
    # the treated event as its sequence number within the subject (AESEQ), not a database id
    assert items["I.CONMED.TREATED_EVENT"].get("DataType") == "integer"
    response = items["I.RESPONSE.RESPONSE"].find("odm:CodeListRef", NS)
    assert response.get("CodeListOID") == "CL.RESPONSE.RESPONSE"
    codes = tree.find(".//odm:CodeList[@OID='CL.RESPONSE.RESPONSE']", NS)
    assert [c.get("CodedValue") for c in codes] == ["CR", "CRi", "PR", "SD", "PD", "NE"]


def test_the_same_data_give_the_same_document(full_patient):
    assert export() == export()


def test_every_reference_and_value_is_defined_in_the_metadata(full_patient, screen_failure):
    tree = etree.fromstring(export())
    items = {e.get("OID"): e for e in tree.iterfind(".//odm:ItemDef", NS)}
    codelists = {e.get("OID"): {c.get("CodedValue") for c in e.iterfind("odm:CodeListItem", NS)}
                 for e in tree.iterfind(".//odm:CodeList", NS)}
    groups = {e.get("OID"): {r.get("ItemOID") for r in e.iterfind("odm:ItemRef", NS)}
              for e in tree.iterfind(".//odm:ItemGroupDef", NS)}
    forms = {e.get("OID"): {r.get("ItemGroupOID") for r in e.iterfind("odm:ItemGroupRef", NS)}
             for e in tree.iterfind(".//odm:FormDef", NS)}
    events = {e.get("OID"): {r.get("FormOID") for r in e.iterfind("odm:FormRef", NS)}
              for e in tree.iterfind(".//odm:StudyEventDef", NS)}
    assert all(set(refs) <= set(items) for refs in groups.values())
    assert all(set(refs) <= set(groups) for refs in forms.values())
    data_items = 0
    for event in tree.iterfind(".//odm:StudyEventData", NS):
        for form in event.iterfind("odm:FormData", NS):
            assert form.get("FormOID") in events[event.get("StudyEventOID")]
            for group in form.iterfind("odm:ItemGroupData", NS):
                assert group.get("ItemGroupOID") in forms[form.get("FormOID")]
                for item in group.iterfind("odm:ItemData", NS):
                    data_items += 1
                    oid = item.get("ItemOID")
                    assert oid in groups[group.get("ItemGroupOID")]
                    ref = items[oid].find("odm:CodeListRef", NS)
                    if ref is not None:
                        assert item.get("Value") in codelists[ref.get("CodeListOID")], oid
    assert data_items > 100


def test_clinical_data_has_each_subject_and_the_adverse_events_parts(full_patient,
                                                                     screen_failure):
    tree = etree.fromstring(export())
    subjects = [s.get("SubjectKey") for s in tree.iterfind(".//odm:SubjectData", NS)]
    assert subjects == ["RD-001", "RD-002"]
    crs = tree.find(".//odm:FormData[@FormOID='F.ADVERSE_EVENT'][@FormRepeatKey='2']", NS)
    assert [g.get("ItemGroupOID") for g in crs] == ["IG.ADVERSE_EVENT", "IG.CRS",
                                                     "IG.DLT_ADJUDICATION"]
    temp = crs.find(".//odm:ItemData[@ItemOID='I.CRS.MAX_TEMP_C']", NS)
    assert temp.get("Value") == "39.5"
    failed = tree.find(".//odm:SubjectData[@SubjectKey='RD-002']", NS)
    assert [e.get("StudyEventOID") for e in failed] == ["SE.SCREENING"]


@pytest.mark.requirement("CON-ROLE-04")
def test_a_sponsors_document_has_no_free_text_items(full_patient):
    monitors, sponsors = export().decode(), export(deidentified=True).decode()
    for text in FREE_TEXT:
        assert text in monitors
        assert text not in sponsors
    tree = etree.fromstring(sponsors.encode())
    assert "I.ADVERSE_EVENT.NARRATIVE" not in oids(tree, "ItemDef")
    assert "I.ADVERSE_EVENT.TERM" in oids(tree, "ItemDef")


@pytest.mark.parametrize("deidentified", [False, True])
def test_every_form_issue_16_added_travels_in_a_valid_document(schema, cart_forms, screen_failure,
                                                                deidentified):
    # given: a record of each form issue 16 added, the product lots as reference data
    data = load_export_data()
    # when
    content = odm_xml(data, deidentified=deidentified, created_at=CREATED)
    # then: valid, and each form's records are in it as its item group
    schema.validate(content.decode("utf-8"))
    tree = etree.fromstring(content)
    sent = {g.get("ItemGroupOID") for g in tree.iterfind(".//odm:ItemGroupData", NS)}
    for slug in ("medical-history", "prior-therapy", "disease-at-screening",
                 "bridging-therapy", "vital-signs", "conmed", "lab-result", "infection",
                 "iec-hs", "secondary-malignancy", "rcl-test", "ltfu-visit",
                 "protocol-deviation", "product-lot", "donor"):
        assert f"IG.{slug.upper().replace('-', '_')}" in sent, slug
    lots = tree.findall("odm:ReferenceData/odm:ItemGroupData[@ItemGroupOID='IG.PRODUCT_LOT']",
                        NS)
    assert len(lots) == 1
    ltfu = tree.find(".//odm:SubjectData[@SubjectKey='RD-003']/odm:StudyEventData"
                     "[@StudyEventOID='SE.LONG_TERM_FOLLOW_UP']", NS)
    assert ltfu is not None
