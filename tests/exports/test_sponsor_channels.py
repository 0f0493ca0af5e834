"""One de-identification policy (`core.sponsor_share`) in every sponsor channel: the API's
listings, forms.zip, odm.xml and sdtm.zip send a sponsor the same fields, as downloaded, and
leave out the same ones. A field present in one channel's sponsor share is present in every
channel that carries it; a field withheld in one is withheld in all."""

import csv
import io
import json
import xml.etree.ElementTree as etree
import zipfile
from datetime import date, datetime

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from core.accounts import user_api_token
from core.sponsor_share import withheld_fields
from dosing.models import Infusion
from efficacy.models import Death, DiseaseEvent, Hsct, ResponseAssessment
from exports.catalog import export_catalog
from exports.form_csv import file_name
from exports.loader import load_export_data
from exports.odm import group_oid, item_oid
from labs.models import LabResult
from monitoring.models import ProtocolDeviation
from patients.models import (
    BridgingTherapy,
    DiseaseAtScreening,
    LtfuVisit,
    MedicalHistory,
    Patient,
    PriorTherapy,
    VitalSigns,
)
from pk.models import PkSample
from safety.models import (
    AdverseEvent,
    ConcomitantMedication,
    DltAdjudication,
    IecHsDetails,
    InfectionDetails,
    RclTest,
    SecondaryMalignancy,
)
from tests import factories
from tests.exports.conftest import CART_FREE_TEXT, FREE_TEXT, HLA_TYPING

pytestmark = pytest.mark.django_db
NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3"}
LISTINGS = {Patient: "patients", Infusion: "infusions", AdverseEvent: "adverse-events",
            ResponseAssessment: "response-assessments", DiseaseEvent: "disease-events",
            Hsct: "hsct", Death: "deaths", PkSample: "pk-samples", LabResult: "lab-results",
            DltAdjudication: "dlt-adjudications",
            ConcomitantMedication: "concomitant-medications",
            MedicalHistory: "medical-history", PriorTherapy: "prior-therapies",
            DiseaseAtScreening: "disease-at-screening", BridgingTherapy: "bridging-therapies",
            VitalSigns: "vital-signs", LtfuVisit: "ltfu-visits",
            InfectionDetails: "infections", IecHsDetails: "iec-hs",
            SecondaryMalignancy: "secondary-malignancies", RclTest: "rcl-tests",
            ProtocolDeviation: "protocol-deviations"}
ENTRIES = {entry.model: entry for entry in export_catalog()}


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


class Channels:
    """What one role downloads: every API listing and the three exports."""

    def __init__(self, role: str):
        self.client = APIClient()
        self.client.credentials(
            HTTP_AUTHORIZATION=f"Token {user_api_token(factories.user(role))}")
        self.forms = self._unzip("/api/v1/exports/forms.zip")
        self.sdtm = self._unzip("/api/v1/exports/sdtm.zip")
        self.odm = self._get("/api/v1/exports/odm.xml")

    def _get(self, url: str) -> bytes:
        response = self.client.get(url)
        assert response.status_code == 200, url
        return response.content

    def _unzip(self, url: str) -> dict[str, bytes]:
        with zipfile.ZipFile(io.BytesIO(self._get(url))) as archive:
            return {name: archive.read(name) for name in archive.namelist()}

    def api_fields(self, model) -> set[str]:
        rows = self._get_json(f"/api/v1/{LISTINGS[model]}/")["results"]
        assert rows, f"the trial has no {model.__name__} to list"
        return set().union(*rows)

    def _get_json(self, url):
        response = self.client.get(url)
        assert response.status_code == 200, url
        return response.json()

    def forms_fields(self, model) -> set[str]:
        spec = ENTRIES[model].spec
        header = next(csv.reader(io.StringIO(self.forms[file_name(spec)].decode())))
        return set(header) - set(spec.key_columns)

    def odm_fields(self, model) -> set[str]:
        spec = ENTRIES[model].spec
        tree = etree.fromstring(self.odm)
        group = tree.find(f".//odm:ItemGroupDef[@OID='{group_oid(spec)}']", NS)
        sent = {ref.get("ItemOID") for ref in group.iterfind("odm:ItemRef", NS)}
        return {f.name for f in spec.fields if item_oid(spec, f) in sent}

    def sdtm_text(self) -> str:
        return "".join(content.decode("utf-8", "replace") for name, content in self.sdtm.items()
                       if name.endswith((".csv", ".json")))


@pytest.fixture
def channels(full_patient, screen_failure, cart_forms):
    return {"full": Channels("monitor"), "sponsor": Channels("sponsor")}


@pytest.mark.parametrize("model", list(LISTINGS), ids=lambda m: m.__name__)
def test_the_api_forms_csv_and_odm_send_a_sponsor_the_same_fields(channels, model):
    full, sponsor = channels["full"], channels["sponsor"]
    model_fields = {f.name for f in model._meta.concrete_fields}
    carried = {"api": full.api_fields(model) & model_fields, "forms": full.forms_fields(model),
               "odm": full.odm_fields(model)}
    shared = {"api": sponsor.api_fields(model), "forms": sponsor.forms_fields(model),
              "odm": sponsor.odm_fields(model)}
    withheld = withheld_fields(model)
    for name in set().union(*carried.values()):
        sent_by = {channel for channel in carried if name in carried[channel]
                   and name in shared[channel]}
        carrying = {channel for channel in carried if name in carried[channel]}
        # then: every channel that carries the field sends it to a sponsor, or none does
        assert sent_by in (set(), carrying), (name, sent_by, carrying)
        assert (sent_by == set()) == (name in withheld), name


@pytest.mark.requirement("CON-ROLE-04")
def test_the_sponsor_share_keeps_dates_and_the_product_lot_and_no_free_text(channels):
    sponsor = channels["sponsor"]
    rows = sponsor._get_json("/api/v1/patients/?subject=RD-001")["results"]
    assert (rows[0]["consent_date"], rows[0]["enrollment_date"]) == ("2024-03-01", "2024-03-04")
    [infusion] = sponsor._get_json("/api/v1/infusions/?subject=RD-001")["results"]
    assert infusion["product_lot"] == "L-0042"
    assert "L-0042" in sponsor.sdtm_text()  # EXLOT
    downloaded = (sponsor.sdtm_text() + sponsor.odm.decode()
                  + "".join(c.decode() for c in sponsor.forms.values())
                  + "".join(sponsor._get(f"/api/v1/{url}/").decode()
                            for url in LISTINGS.values()))
    for text in (*FREE_TEXT, *CART_FREE_TEXT):
        assert text not in downloaded


def test_the_donors_hla_typing_goes_with_the_lot_to_a_monitor_and_never_to_a_sponsor(channels):
    full, sponsor = channels["full"], channels["sponsor"]
    lots = {"full": full._get_json("/api/v1/product-lots/")["results"],
            "sponsor": sponsor._get_json("/api/v1/product-lots/")["results"]}
    assert lots["full"] == lots["sponsor"]  # the same for every reader, with the HLA match only
    assert {(lot["lot_number"], lot["donor_hla_match"]) for lot in lots["sponsor"]} == {
        ("L-0044", "5/10")}
    assert HLA_TYPING in full.forms["product_lots.csv"].decode()
    assert HLA_TYPING in full.odm.decode()
    for channel in (sponsor.odm.decode(), sponsor.sdtm_text(),
                    *(c.decode() for c in sponsor.forms.values()), json.dumps(lots)):
        assert HLA_TYPING not in channel


def test_a_monitor_does_receive_the_free_text_of_the_new_forms(channels):
    full = channels["full"]
    downloaded = (full.odm.decode() + "".join(c.decode() for c in full.forms.values())
                  + "".join(full._get(f"/api/v1/{url}/").decode() for url in LISTINGS.values()))
    assert [text for text in CART_FREE_TEXT if text not in downloaded] == []


def _written(value) -> str | None:
    """How SDTM writes a recorded value, where it can be looked for as it is."""
    if isinstance(value, datetime):
        return None  # SDTM writes to the minute: another text
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and len(value) >= 4:
        return value
    return None


def test_sdtm_sends_a_sponsor_every_recorded_value_it_carries_but_the_withheld_ones(channels):
    full, sponsor = channels["full"].sdtm_text(), channels["sponsor"].sdtm_text()
    data = load_export_data()
    checked = {"withheld": 0, "sent": 0}
    for spec in data.forms:
        for field in spec.fields:
            for row in data.rows[spec.slug]:
                value = _written(row[field.name])
                if value is None or value not in full:
                    continue  # SDTM does not carry this value as it was recorded
                if field.sponsor:
                    assert value in sponsor, (spec.slug, field.name, value)
                    checked["sent"] += 1
                else:
                    assert value not in sponsor, (spec.slug, field.name, value)
                    checked["withheld"] += 1
    assert checked["withheld"] >= 1 and checked["sent"] >= 10, checked

