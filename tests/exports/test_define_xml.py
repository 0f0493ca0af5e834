"""Define-XML 2.1 in the SDTM package: valid against the CDISC Define-XML 2.1 schema (shipped by
odmlib), every reference resolving, its datasets and variables those of the package, its code
lists holding the terms the datasets use, and the stylesheet that shows it in a browser."""

import csv
import functools
import http.server
import io
import re
import subprocess
import threading
import xml.etree.ElementTree as etree
import zipfile
from collections import Counter
from pathlib import Path

import odmlib
import pytest
import xmlschema

from exports.dataset_json import METADATA_VERSION_OID
from exports.services import export_bytes
from tests.exports.conftest import FREE_TEXT
from tests.exports.test_sdtm_files import read_xpt

pytestmark = pytest.mark.django_db

SCHEMA_FILE = Path(odmlib.__file__).parent / "schemas" / "define" / "2.1" / "define2-1-0.xsd"
ODM = "{http://www.cdisc.org/ns/odm/v1.3}"
DEF = "{http://www.cdisc.org/ns/def/v2.1}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
XSL = "{http://www.w3.org/1999/XSL/Transform}"
SCOPES = {"full": False, "sponsor": True}
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(str(SCHEMA_FILE))


def package(deidentified: bool) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(export_bytes("sdtm", deidentified=deidentified))) as zipped:
        return {name: zipped.read(name) for name in zipped.namelist()}


def datasets_in(files: dict[str, bytes]) -> list[str]:
    """The datasets of the package, read from its XPT files (not from the exporter's metadata)."""
    return sorted(name[:-4].upper() for name in files if name.endswith(".xpt"))


@pytest.fixture
def packages(full_patient, screen_failure):
    return {scope: package(deidentified) for scope, deidentified in SCOPES.items()}


def mdv_of(files):
    root = etree.fromstring(files["define.xml"])
    return root, root.find(f"{ODM}Study/{ODM}MetaDataVersion")


def by_oid(mdv, tag):
    return {e.get("OID"): e for e in mdv.iter(tag)}


@pytest.mark.parametrize("scope", SCOPES)
def test_define_xml_is_valid_against_the_define_2_1_schema(packages, scope, schema):
    errors = list(schema.iter_errors(io.BytesIO(packages[scope]["define.xml"])))
    assert errors == []


def test_the_schema_refuses_a_define_that_breaks_it(packages, schema):
    """The validation can fail: a dataset without its required def:Structure is refused."""
    text = packages["full"]["define.xml"].decode()
    broken = text.replace('def:Structure="One record per subject"', "", 1)
    assert broken != text
    assert not schema.is_valid(io.BytesIO(broken.encode()))


@pytest.mark.parametrize("scope", SCOPES)
def test_every_reference_resolves_and_oids_are_unique(packages, scope):
    _root, mdv = mdv_of(packages[scope])
    oids = [e.get("OID") for e in mdv.iter() if e.get("OID")]
    assert [o for o, n in Counter(oids).items() if n > 1] == []
    items, lists = by_oid(mdv, f"{ODM}ItemDef"), by_oid(mdv, f"{ODM}CodeList")
    methods, comments = by_oid(mdv, f"{ODM}MethodDef"), by_oid(mdv, f"{DEF}CommentDef")
    values, wheres = by_oid(mdv, f"{DEF}ValueListDef"), by_oid(mdv, f"{DEF}WhereClauseDef")
    for ref in mdv.iter(f"{ODM}ItemRef"):
        assert ref.get("ItemOID") in items
        assert ref.get("MethodOID") is None or ref.get("MethodOID") in methods
    for ref in mdv.iter(f"{ODM}CodeListRef"):
        assert ref.get("CodeListOID") in lists
    for ref in mdv.iter(f"{DEF}ValueListRef"):
        assert ref.get("ValueListOID") in values
    for ref in mdv.iter(f"{DEF}WhereClauseRef"):
        assert ref.get("WhereClauseOID") in wheres
    for check in mdv.iter(f"{ODM}RangeCheck"):
        assert check.get(f"{DEF}ItemOID") in items
    for element in mdv.iter():
        if element.get(f"{DEF}CommentOID"):
            assert element.get(f"{DEF}CommentOID") in comments
    # Nothing defined and never used.
    used = {r.get("ItemOID") for r in mdv.iter(f"{ODM}ItemRef")}
    assert set(items) == used
    assert set(lists) == {r.get("CodeListOID") for r in mdv.iter(f"{ODM}CodeListRef")}


@pytest.mark.parametrize("scope", SCOPES)
def test_the_datasets_and_variables_are_those_of_the_package(packages, scope, tmp_path):
    files = packages[scope]
    _root, mdv = mdv_of(files)
    items = by_oid(mdv, f"{ODM}ItemDef")
    groups = mdv.findall(f"{ODM}ItemGroupDef")
    assert sorted(g.get("Name") for g in groups) == datasets_in(files)
    for group in groups:
        name = group.get("Name")
        leaf = group.find(f"{DEF}leaf")
        assert leaf.get(XLINK_HREF) in files
        assert group.get(f"{DEF}ArchiveLocationID") == leaf.get("ID")
        frame, meta = read_xpt(files[leaf.get(XLINK_HREF)], tmp_path, name.lower())
        refs = group.findall(f"{ODM}ItemRef")
        assert [items[r.get("ItemOID")].get("Name") for r in refs] == list(frame.columns)
        assert [int(r.get("OrderNumber")) for r in refs] == list(range(1, len(refs) + 1))
        labels = [items[r.get("ItemOID")].find(f"{ODM}Description/{ODM}TranslatedText").text
                  for r in refs]
        assert labels == list(meta.column_labels)
        assert (group.get(f"{DEF}HasNoData") == "Yes") == (len(frame) == 0)


def test_types_lengths_and_keys_agree_with_the_xpt_and_the_dataset_json(packages, tmp_path):
    import json
    files = packages["full"]
    _root, mdv = mdv_of(files)
    items = by_oid(mdv, f"{ODM}ItemDef")
    for group in mdv.findall(f"{ODM}ItemGroupDef"):
        name = group.get("Name")
        document = json.loads(files[f"{name.lower()}.json"])
        assert document["metaDataVersionOID"] == mdv.get("OID") == METADATA_VERSION_OID
        assert document["metaDataRef"] in files
        assert document["itemGroupOID"] == group.get("OID")
        frame, _meta = read_xpt(files[f"{name.lower()}.xpt"], tmp_path, name.lower())
        refs = {r.get("ItemOID"): r for r in group.findall(f"{ODM}ItemRef")}
        for column in document["columns"]:
            item = items[column["itemOID"]]
            ref = refs[column["itemOID"]]
            assert ref.get("KeySequence") == (
                str(column["keySequence"]) if "keySequence" in column else None)
            values = [v for v in frame[column["name"]] if v == v and v != ""]
            if column["dataType"] == "string":
                assert item.get("DataType") == "text"
                longest = max((len(v.encode("utf-8")) for v in values), default=1)
                assert int(item.get("Length")) == column["length"] == longest
            elif column["dataType"] == "integer":
                assert item.get("DataType") == "integer"
                assert int(item.get("Length")) == max(
                    (len(str(abs(int(v)))) for v in values), default=1)
            elif column["dataType"] == "double":
                assert item.get("DataType") == "float"
            else:
                assert item.get("DataType") == column["dataType"] == "datetime"


def test_required_variables_are_mandatory_and_origins_are_stated(packages):
    _root, mdv = mdv_of(packages["full"])
    items = by_oid(mdv, f"{ODM}ItemDef")
    mandatory = {(g.get("Name"), items[r.get("ItemOID")].get("Name"))
                 for g in mdv.findall(f"{ODM}ItemGroupDef")
                 for r in g.findall(f"{ODM}ItemRef") if r.get("Mandatory") == "Yes"}
    # SDTMIG v3.4 Core "Req", read from the IG tables (tests/exports/test_sdtm.py).
    from tests.exports.test_sdtm import REQUIRED
    assert mandatory == {(d, v) for d, names in REQUIRED.items() for v in names}
    for item in items.values():
        origin = item.find(f"{DEF}Origin")
        assert origin.get("Type") in {"Collected", "Derived", "Assigned"}


def test_derived_variables_have_their_method(packages):
    _root, mdv = mdv_of(packages["full"])
    items = by_oid(mdv, f"{ODM}ItemDef")
    methods = by_oid(mdv, f"{ODM}MethodDef")
    for group in mdv.findall(f"{ODM}ItemGroupDef"):
        for ref in group.findall(f"{ODM}ItemRef"):
            item = items[ref.get("ItemOID")]
            derived = item.find(f"{DEF}Origin").get("Type") == "Derived"
            assert (ref.get("MethodOID") is not None) == derived, item.get("OID")
            name = item.get("Name")
            text = derived and methods[ref.get("MethodOID")].find(
                f"{ODM}Description/{ODM}TranslatedText").text
            if name.endswith("SEQ") and derived:
                assert "unique within USUBJID" in text
            if name in ("AESTDY", "EXSTDY", "PCDY", "DSSTDY", "RSDY"):
                assert "no day 0" in text
            if name == "EPOCH" and derived:  # TA assigns each element's epoch
                assert "SCREENING" in text and "FOLLOW-UP" in text


def csv_column(content: bytes, name: str) -> list[str]:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))
    return [row[rows[0].index(name)] for row in rows[1:]]


def _column_values(files, tmp_path) -> dict[str, set[str]]:
    """Variable name → the texts the package's XPT files hold in it."""
    values: dict[str, set[str]] = {}
    for name in datasets_in(files):
        frame, _meta = read_xpt(files[f"{name.lower()}.xpt"], tmp_path, name.lower())
        for column in frame.columns:
            if frame[column].dtype == object:
                values.setdefault(column, set()).update(v for v in frame[column] if v)
    return values


def test_code_lists_hold_exactly_the_terms_used(packages, tmp_path):
    files = packages["full"]
    _root, mdv = mdv_of(files)
    items = by_oid(mdv, f"{ODM}ItemDef")
    lists = by_oid(mdv, f"{ODM}CodeList")
    values = _column_values(files, tmp_path)
    served: dict[str, set[str]] = {}
    for item in items.values():
        ref = item.find(f"{ODM}CodeListRef")
        if ref is not None:
            served.setdefault(ref.get("CodeListOID"), set()).update(values[item.get("Name")])
    for oid, codelist in lists.items():
        terms = [e.get("CodedValue") for e in codelist
                 if e.tag in (f"{ODM}EnumeratedItem", f"{ODM}CodeListItem")]
        if codelist.find(f"{ODM}ExternalCodeList") is None:
            assert sorted(terms) == sorted(served[oid]), oid
    decoded = {e.get("CodedValue"): e.find(f"{ODM}Decode/{ODM}TranslatedText").text
               for e in lists["CL.PCTESTCD"].findall(f"{ODM}CodeListItem")}
    pc = files["pc.csv"]
    assert decoded == dict(zip(csv_column(pc, "PCTESTCD"), csv_column(pc, "PCTEST"), strict=True))
    pk = lists["CL.PPTESTCD"]
    assert pk.find(f"{ODM}Alias").get("Name") == "C85839"  # PKPARMCD
    assert {e.get("CodedValue"): e.find(f"{ODM}Alias").get("Name")
            for e in pk.findall(f"{ODM}CodeListItem")}["CMAX"] == "C70918"
    sex = lists["CL.SEX"]
    assert sex.find(f"{ODM}Alias").get("Name") == "C66731"
    assert sex.get(f"{DEF}StandardOID") is not None
    ny = {e.get("CodedValue"): e.find(f"{ODM}Alias").get("Name")
          for e in lists["CL.NY"].findall(f"{ODM}EnumeratedItem")}
    assert ny["Y"] == "C49488"
    # A sponsor term in an extensible CDISC list is marked; none in a non-extensible one.
    units = {e.get("CodedValue"): e.get(f"{DEF}ExtendedValue")
             for e in lists["CL.UNIT"].findall(f"{ODM}EnumeratedItem")}
    assert units["copies/ug gDNA"] == "Yes"
    for oid in ("CL.SEX", "CL.NY", "CL.OUT", "CL.ACN"):
        if oid in lists:
            assert all(e.get(f"{DEF}ExtendedValue") is None
                       for e in lists[oid].findall(f"{ODM}EnumeratedItem"))


def test_value_level_metadata_for_each_pk_test_used(packages):
    files = packages["full"]
    _root, mdv = mdv_of(files)
    items = by_oid(mdv, f"{ODM}ItemDef")
    wheres = by_oid(mdv, f"{DEF}WhereClauseDef")
    lists = by_oid(mdv, f"{DEF}ValueListDef")
    pc = lists["VL.PC.PCORRES"]
    tests = set()
    for ref in pc.findall(f"{ODM}ItemRef"):
        clause = wheres[ref.find(f"{DEF}WhereClauseRef").get("WhereClauseOID")]
        (check,) = clause.findall(f"{ODM}RangeCheck")
        assert items[check.get(f"{DEF}ItemOID")].get("Name") == "PCTESTCD"
        tests.add(check.find(f"{ODM}CheckValue").text)
    assert tests == set(csv_column(files["pc.csv"], "PCTESTCD")) and "CARTGCP" in tests
    assert items["IT.PC.PCORRES"].find(f"{DEF}ValueListRef").get("ValueListOID") == pc.get("OID")
    # PP: one entry per parameter and analyte (PPCAT), with the unit in its description.
    pairs = set(zip(csv_column(files["pp.csv"], "PPTESTCD"), csv_column(files["pp.csv"], "PPCAT"),
                    csv_column(files["pp.csv"], "PPSTRESU"), strict=True))
    described = set()
    for ref in lists["VL.PP.PPSTRESN"].findall(f"{ODM}ItemRef"):
        clause = wheres[ref.find(f"{DEF}WhereClauseRef").get("WhereClauseOID")]
        checks = {items[c.get(f"{DEF}ItemOID")].get("Name"): c.find(f"{ODM}CheckValue").text
                  for c in clause.findall(f"{ODM}RangeCheck")}
        text = items[ref.get("ItemOID")].find(f"{ODM}Description/{ODM}TranslatedText").text
        described.add((checks["PPTESTCD"], checks["PPCAT"], text))
    assert {(code, cat) for code, cat, _text in described} == {(c, a) for c, a, _u in pairs}
    for code, cat, unit in pairs:
        assert any(text.endswith(f"({unit})") for c, a, text in described if (c, a) == (code, cat))
    assert "VL.SUPPAE.QVAL" in lists


def test_standards_and_the_stylesheet_instruction(packages):
    text = packages["full"]["define.xml"].decode()
    assert '<?xml-stylesheet type="text/xsl" href="define.xsl"?>' in text.splitlines()[1]
    _root, mdv = mdv_of(packages["full"])
    standards = {(s.get("Name"), s.get("Type"), s.get("Version"))
                 for s in mdv.iter(f"{DEF}Standard")}
    choices = (Path(__file__).parents[2] / "docs" / "choices.md").read_text()
    ct = next(v for n, t, v in standards if t == "CT")
    assert f"Controlled Terminology\n  {ct}" in choices or f"Terminology {ct}" in choices
    assert ("SDTMIG", "IG", "3.4") in standards


def test_the_stylesheet_is_xslt_naming_every_part_it_shows(packages):
    """No XSLT processor is installed (lxml is not a dependency), so the stylesheet is checked
    as XSLT 1.0: well-formed, and selecting the elements define.xml holds."""
    files = packages["full"]
    stylesheet = etree.fromstring(files["define.xsl"])
    assert stylesheet.tag == f"{XSL}stylesheet" and stylesheet.get("version") == "1.0"
    selects = " ".join(e.get("select") or "" for e in stylesheet.iter())
    for part in ("odm:ItemGroupDef", "odm:ItemRef", "def:ValueListDef", "odm:CodeList",
                 "odm:MethodDef", "def:Standards"):
        assert part in selects


def _rendered(files: dict[str, bytes], folder: Path) -> str:
    """define.xml as Chromium shows it (its stylesheet applied), served from the loopback: a
    browser refuses a stylesheet read from file://."""
    for name in ("define.xml", "define.xsl"):
        (folder / name).write_bytes(files[name])
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        return subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
             f"http://127.0.0.1:{server.server_port}/define.xml"],
            capture_output=True, text=True, timeout=120, check=True).stdout
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium")
def test_a_browser_shows_every_dataset_and_variable(packages, tmp_path):
    files = packages["full"]
    html = _rendered(files, tmp_path)
    tables = {m.group(1): m.group(2) for m in re.finditer(
        r'<table id="([^"]+)" class="variables">(.*?)</table>', html, re.S)}
    names = datasets_in(files)
    assert sorted(tables) == [f"IG.{n}" for n in names]
    dataset_rows = re.findall(r'<tr class="dataset">\s*<td><a href="#IG\.(\w+)">', html)
    assert sorted(dataset_rows) == names
    for name in names:
        header = files[f"{name.lower()}.csv"].decode().splitlines()[0].split(",")
        cells = re.findall(r"<tr>\s*<td>(\w+)</td>", tables[f"IG.{name}"])
        assert cells == header


def test_the_sponsors_define_carries_no_free_text(packages):
    text = packages["sponsor"]["define.xml"].decode()
    for free_text in FREE_TEXT:
        assert free_text not in text


def test_an_export_without_patients_gives_a_valid_define(db, schema):
    files = package(deidentified=False)
    assert list(schema.iter_errors(io.BytesIO(files["define.xml"]))) == []
    _root, mdv = mdv_of(files)
    groups = mdv.findall(f"{ODM}ItemGroupDef")
    assert sorted(g.get("Name") for g in groups) == datasets_in(files)
    # the trial design exists before any patient: its elements and summary have rows
    with_data = {g.get("Name") for g in groups if g.get(f"{DEF}HasNoData") != "Yes"}
    assert with_data == {"TE", "TS"}
