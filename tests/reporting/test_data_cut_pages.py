"""The data cuts' pages: freezing one with an e-signature, the list, and a cut's report page,
plots and PDF, each naming the cut; a cut's patient-level plots show the trial as it stood."""

import io
from datetime import timedelta

import pypdf
import pytest
from django.core.cache import cache
from django.test import Client

from endpoints.data_cuts import data_cut_freeze
from endpoints.models import DataCut
from monitoring.services import query_raise
from tests import factories
from tests.reporting.conftest import CUTOFF

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-passphrase"
LIST = "/reports/data-cuts/"
REASON = "the committee asked for the DL2 cohort"


@pytest.fixture(autouse=True)
def no_cached_drawings():
    cache.clear()


def signed_in(client, role):
    user = factories.user(role)
    client.force_login(user)
    return client, user


def pdf_text(body: bytes) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(body)).pages)


def freeze(by, name="SRC meeting 3, DL2 cohort"):
    return data_cut_freeze(name=name, reason=REASON, cutoff=CUTOFF, by=by, password=PASSWORD)


@pytest.mark.parametrize("role", ["monitor", "investigator"])
def test_a_monitor_or_investigator_freezes_a_cut_with_the_e_signature(client, demo_trial, role):
    client, user = signed_in(client, role)
    page = client.get(LIST)
    assert page.status_code == 200 and b"Freeze a data cut" in page.content
    assert b"Meaning of this signature" in page.content
    response = client.post(LIST, {"name": "SRC meeting 3, DL2 cohort", "reason": REASON,
                                  "cutoff": CUTOFF.isoformat(), "user_id": user.username,
                                  "password": PASSWORD})
    cut = DataCut.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{LIST}{cut.pk}/"
    assert (cut.signed_by, cut.cutoff, cut.reason) == (user, CUTOFF, REASON)
    shown = client.get(response["Location"]).content.decode()
    assert "SRC meeting 3, DL2 cohort" in shown and "frozen" in shown
    listed = client.get(LIST).content.decode()
    assert f"{LIST}{cut.pk}/" in listed and REASON in listed


def test_a_wrong_password_or_a_taken_name_freezes_nothing(client, demo_trial):
    client, user = signed_in(client, "monitor")
    form = {"name": "SRC 1", "reason": REASON, "cutoff": CUTOFF.isoformat(),
            "user_id": user.username, "password": "not it"}
    response = client.post(LIST, form)
    assert response.status_code == 400 and b"The password is not correct" in response.content
    assert not DataCut.objects.exists()
    freeze(user, name="SRC 1")
    response = client.post(LIST, {**form, "password": PASSWORD})
    assert response.status_code == 400 and b"data cut names are unique" in response.content
    response = client.post(LIST, {**form, "name": "SRC 2", "reason": " ", "password": PASSWORD})
    assert response.status_code == 400 and DataCut.objects.count() == 1


def test_sponsors_read_the_cuts_without_reasons_and_cannot_freeze(client, demo_trial):
    cut = freeze(factories.user("monitor"))
    client, sponsor = signed_in(client, "sponsor")
    listed = client.get(LIST)
    assert listed.status_code == 200 and cut.name.encode() in listed.content
    assert REASON.encode() not in listed.content and b"Freeze a data cut" not in listed.content
    assert client.post(LIST, {"name": "x", "reason": "y", "password": PASSWORD}).status_code == 403
    assert client.get(f"{LIST}{cut.pk}/").status_code == 200
    coordinator = Client()
    coordinator.force_login(factories.user("coordinator"))
    assert coordinator.get(LIST).status_code == 403
    assert coordinator.get(f"{LIST}{cut.pk}/").status_code == 403


def test_the_pdf_names_the_data_cut_and_the_live_one_says_it_is_none(client, demo_trial):
    cut = freeze(factories.user("monitor"))
    client, _ = signed_in(client, "sponsor")
    frozen = client.get(f"{LIST}{cut.pk}/report.pdf")
    assert frozen.status_code == 200 and frozen["Content-Type"] == "application/pdf"
    text = pdf_text(frozen.content)
    assert "Data cut: \u201cSRC meeting 3, DL2 cohort\u201d" in text
    assert cut.snapshot.data_version in text
    live = pdf_text(client.get(f"/reports/report.pdf?cutoff={CUTOFF.isoformat()}").content)
    assert "Data cut: none" in live and "SRC meeting 3" not in live


def test_a_cuts_plots_show_the_trial_as_it_stood_when_frozen(client, demo_trial):
    cut = freeze(factories.user("monitor"))
    newcomer = factories.patient("RD-900", consent_date=CUTOFF - timedelta(days=120),
                                 enrollment_date=CUTOFF - timedelta(days=118))
    factories.lymphodepletion(newcomer, start=CUTOFF - timedelta(days=110))
    factories.infusion(newcomer, on=CUTOFF - timedelta(days=105))
    client, _ = signed_in(client, "investigator")
    live = client.get(f"/reports/plots/swimmer/?format=svg&cutoff={CUTOFF.isoformat()}")
    frozen = client.get(f"{LIST}{cut.pk}/plots/swimmer/?format=svg")
    assert b"RD-900" in live.content
    assert frozen.status_code == 200 and b"RD-900" not in frozen.content
    assert b"RD-900" not in client.get(f"{LIST}{cut.pk}/").content
    assert DataCut.objects.filter(pk=cut.pk).exists()  # the rebuilt tables were rolled back
    assert newcomer.__class__.objects.filter(subject_id="RD-900").exists()
    assert client.get(f"{LIST}{cut.pk}/plots/nope/").status_code == 404
    assert client.get(f"{LIST}{cut.pk}/plots/swimmer/?format=gif").status_code == 400
    assert client.get(f"{LIST}999999/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_cuts_page_commits_its_request_cleanly(demo_trial):
    """The rebuilt tables are rolled back inside the request's transaction, which then commits:
    no foreign key left dangling by the rebuild may fail that commit."""
    monitor = factories.user("monitor")
    cut = freeze(monitor)
    later = factories.patient("RD-901", consent_date=CUTOFF - timedelta(days=20),
                              enrollment_date=CUTOFF - timedelta(days=18))
    # A query (not audited data) on a patient the rebuilt tables do not hold.
    query_raise(record=later, patient=later, field_name="sex", question="Please confirm.",
                by=monitor)
    client = Client()
    client.force_login(monitor)
    assert client.get(f"{LIST}{cut.pk}/").status_code == 200
    assert client.get(f"{LIST}{cut.pk}/plots/swimmer/?format=png").status_code == 200


@pytest.mark.parametrize("field, value, says", [
    ("cutoff", "2025-13-01", "cutoff: enter a date as YYYY-MM-DD."),
    ("cutoff", "2999-01-01", "cutoff"),
    ("name", "SRC \x00 1", "Null characters are not allowed."),
    ("name", "x" * 121, "at most 120 characters"),
    ("reason", "\u200b", "This field is required"),
])
def test_bad_input_to_the_freeze_form_is_named_and_freezes_nothing(client, demo_trial, field,
                                                                   value, says):
    client, user = signed_in(client, "investigator")
    form = {"name": "SRC 1", "reason": REASON, "cutoff": CUTOFF.isoformat(),
            "user_id": user.username, "password": PASSWORD, field: value}
    response = client.post(LIST, form)
    assert response.status_code == 400
    assert says in response.content.decode()
    assert not DataCut.objects.exists()
