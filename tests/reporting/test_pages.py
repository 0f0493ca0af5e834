"""The report pages: who may read them, what they show, the downloads and the PDF."""

import io
import re
from datetime import date, timedelta

import pypdf
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.audit import record_save
from efficacy.models import ResponseAssessment
from endpoints.models import EndpointSnapshot
from endpoints.serving import data_review_report, endpoint_report
from endpoints.snapshots import data_version, recompute
from endpoints.tasks import QUEUED_KEY
from exchange.demo_trial import demo_bundle
from exchange.services import bundle_import_json
from reporting.pdf import table_pages
from reporting.plots import PLOT_NAMES
from reporting.tables import review_table, summary_tables
from tests import factories
from tests.conftest import clinical_row_counts
from tests.reporting.conftest import CUTOFF

pytestmark = pytest.mark.django_db

PAGE = "/reports/"
URLS = [PAGE, "/reports/plots/km-os/?format=svg", "/reports/report.pdf"]
AT_CUTOFF = {"cutoff": CUTOFF.isoformat()}


def signed_in(client, role):
    client.force_login(factories.user(role))
    return client


def section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start:html.index("</section>", start)]


# --- Who may read --------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["investigator", "monitor", "sponsor", "admin"])
def test_report_readers_see_the_page_and_the_nav_link(client, role, infused_patient):
    response = signed_in(client, role).get(PAGE)
    assert response.status_code == 200
    assert b'href="/reports/">Reports</a>' in response.content


@pytest.mark.parametrize("url", URLS)
def test_a_coordinator_is_refused(client, url, infused_patient):
    assert signed_in(client, "coordinator").get(url).status_code == 403


def test_a_coordinator_has_no_reports_link(client):
    assert b'href="/reports/"' not in signed_in(client, "coordinator").get("/").content


@pytest.mark.parametrize("url", URLS)
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/reports/")


@pytest.mark.requirement("CON-ROLE-04")
def test_a_sponsor_sees_no_free_text(client, infused_patient):
    # given: free text that may hold identifying details, on an AE and its adjudication
    ae = factories.adverse_event(infused_patient, grade=4, term="Cytokine release syndrome",
                                 narrative="Brought in by her neighbour Jane Roe at night")
    adjudication = factories.adjudication(ae)
    adjudication.rationale = "Discussed with Dr Kowalski at home"
    record_save(adjudication, by=factories.user("investigator"), reason="rationale")
    recompute(CUTOFF)
    client = signed_in(client, "sponsor")
    # when
    page = client.get(PAGE, AT_CUTOFF).content.decode()
    pdf = client.get("/reports/report.pdf", AT_CUTOFF).content
    pdf_text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    # then
    for secret in ("Jane Roe", "neighbour", "Kowalski"):
        assert secret not in page
        assert secret not in pdf_text
    assert "RD-001" in page  # the pseudonymous code is shown


# --- What the page shows ---------------------------------------------------------------------

def test_the_page_shows_every_plot_as_inline_svg_with_its_downloads(client, demo_trial):
    html = signed_in(client, "sponsor").get(PAGE, AT_CUTOFF).content.decode()
    for name in PLOT_NAMES:
        plot = section(html, f"plot-{name}")
        assert "<svg" in plot
        assert f"/reports/plots/{name}/?format=svg&amp;cutoff=2025-06-30" in plot
        assert f"/reports/plots/{name}/?format=png&amp;cutoff=2025-06-30" in plot
    for name in ("km-dor", "km-efs", "km-os"):
        assert f'id="{name}-band"' in html and f'id="{name}-at-risk"' in html
    infused = endpoint_report(CUTOFF, recompute_if_stale=False)["populations"]["infused"]
    assert section(html, "plot-swimmer").count('id="swimmer-bar-') == infused
    assert 'id="pk-cells-RD-' in html


def test_the_page_lets_the_inline_plots_keep_their_styles_but_runs_no_inline_script(
        client, demo_trial):
    """matplotlib's SVG is styled inline; under the site's policy the plots drew black."""
    response = signed_in(client, "sponsor").get(PAGE, AT_CUTOFF)
    policy = dict(part.strip().split(" ", 1) for part in
                  response["Content-Security-Policy"].split(";") if part.strip())
    assert "'unsafe-inline'" in policy["style-src"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert 'style="' in response.content.decode()
    home = client.get("/")
    assert "'unsafe-inline'" not in home["Content-Security-Policy"]


def test_the_page_shows_the_tables_and_the_data_review(client, demo_trial):
    # a recorded response the values do not support: at least one finding to review
    assessment = ResponseAssessment.objects.filter(date__lte=CUTOFF, response="CR").first()
    assessment.response = "SD"
    record_save(assessment, by=factories.user("coordinator"), reason="correction")
    recompute(CUTOFF)
    html = signed_in(client, "monitor").get(PAGE, AT_CUTOFF).content.decode()
    report = endpoint_report(CUTOFF, recompute_if_stale=False)
    dlt = section(html, "dlt")
    for level in report["dlt"]["by_dose_level"]:
        assert f'<th scope="row">{level["dose_level"]}</th>' in dlt
    assert "Recommendation" in section(html, "escalation")
    assert "ORR Week 4" in section(html, "responses")
    assert "EFS, censored at HSCT" in section(html, "time-to-event")
    findings = data_review_report(CUTOFF, recompute_if_stale=False)["findings"]
    assert findings
    assert section(html, "data-review").count("<tr>") == 1 + len(findings)
    assert f"Data review ({len(findings)})" in html


def test_the_cutoff_is_chosen_with_a_date_and_changes_the_report(client, demo_trial):
    client = signed_in(client, "sponsor")
    late = client.get(PAGE, AT_CUTOFF).content.decode()
    early = client.get(PAGE, {"cutoff": "2023-06-30"}).content.decode()
    assert 'type="date" name="cutoff" value="2025-06-30"' in late
    assert 'value="2023-06-30"' in early
    enrolled = [re.search(r"Patients</th><td>(\d+)</td>", page).group(1)
                for page in (early, late)]
    assert int(enrolled[0]) < int(enrolled[1])
    assert "cutoff=2023-06-30" in early  # the downloads follow the cutoff


def test_a_bad_cutoff_is_refused_with_its_rule_and_computes_nothing(client, infused_patient):
    client = signed_in(client, "sponsor")
    before = EndpointSnapshot.objects.count()
    response = client.get(PAGE, {"cutoff": "30/06/2025"})
    assert response.status_code == 400
    assert "cutoff: enter a date as YYYY-MM-DD." in response.content.decode()
    plot = client.get("/reports/plots/km-os/", {"cutoff": "2025-13-01"})
    assert (plot.status_code, plot.content) == (400, b"cutoff: enter a date as YYYY-MM-DD.")
    assert EndpointSnapshot.objects.count() == before


@pytest.mark.parametrize(("cutoff", "rule"), [
    ("9999-12-31", "is after today"),
    ((date.today() + timedelta(days=1)).isoformat(), "is after today"),
    ("0001-01-01", "is before 1900-01-01, the earliest clinical date.")])
def test_a_cutoff_after_today_or_before_1900_is_refused_on_the_page_and_the_downloads(
        client, infused_patient, cutoff, rule):
    client = signed_in(client, "sponsor")
    response = client.get(PAGE, {"cutoff": cutoff})
    assert response.status_code == 400
    shown = response.content.decode()
    assert f"cutoff: {cutoff} " in shown and rule in shown
    assert f'name="cutoff" value="{cutoff}"' in shown  # what was typed stays in the form
    for url in ("/reports/plots/km-os/", "/reports/report.pdf"):
        download = client.get(url, {"cutoff": cutoff})
        assert download.status_code == 400
        assert download.content.decode().startswith(f"cutoff: {cutoff} ")
        assert rule in download.content.decode()
    assert not EndpointSnapshot.objects.exists()


def test_reading_the_pages_plots_and_pdf_writes_no_clinical_data(client):
    # given the demo trial imported in this transaction: its DLT candidates not raised yet
    bundle_import_json(demo_bundle(12, seed=7))
    client = signed_in(client, "sponsor")
    before, version = clinical_row_counts(), data_version()
    # when
    for url, query in ((PAGE, AT_CUTOFF), (PAGE, {}), ("/reports/plots/swimmer/", AT_CUTOFF),
                       ("/reports/report.pdf", {"cutoff": "2024-12-31"})):
        assert client.get(url, query).status_code == 200, url
    # then
    assert clinical_row_counts() == before and data_version() == version


def test_past_cutoffs_beyond_the_readers_limit_are_refused_with_a_page(client, infused_patient,
                                                                       settings):
    # given a reader who may have one past-cutoff report computed an hour
    cache.clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "report_on_demand": "1/hour"}}
    client = signed_in(client, "monitor")
    assert client.get(PAGE, AT_CUTOFF).status_code == 200
    # when they ask for another
    refused = client.get(PAGE, {"cutoff": "2024-12-31"})
    plot = client.get("/reports/plots/km-os/", {"cutoff": "2024-12-31"})
    cache.clear()
    # then the page says why and when to come back, keeping the cutoff asked for
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    html = refused.content.decode()
    assert 'id="refusal"' in html and "REPORT_ON_DEMAND_RATE" in html
    assert 'name="cutoff" value="2024-12-31"' in html
    assert plot.status_code == 429 and b"REPORT_ON_DEMAND_RATE" in plot.content
    assert list(EndpointSnapshot.objects.values_list("cutoff", flat=True)) == [CUTOFF]


def test_the_snapshot_freshness_is_shown_and_a_stale_one_schedules_a_recompute(
        client, infused_patient, coordinator, settings):
    # given today's snapshot (the cutoff the live recompute keeps fresh), and a worker's
    # recompute already queued (tasks not run in-process)
    client = signed_in(client, "investigator")
    recompute()
    fresh = section(client.get(PAGE).content.decode(), "freshness")
    assert "<strong>fresh</strong>" in fresh
    settings.CELERY_TASK_ALWAYS_EAGER = False
    cache.set(QUEUED_KEY, "1")
    try:
        # when the data change after the snapshot
        infused_patient.consent_version = "v2"
        record_save(infused_patient, by=coordinator, reason="new consent form")
        stale = section(client.get(PAGE).content.decode(), "freshness")
    finally:
        cache.delete(QUEUED_KEY)
    # then the stale snapshot is served as such while the worker recomputes it
    assert "stale" in stale and "a recompute has been scheduled" in stale
    # and without a worker, the page computes a fresh one for the reader
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert "<strong>fresh</strong>" in client.get(PAGE).content.decode()
    assert EndpointSnapshot.objects.order_by("-pk").first().data_version == data_version()


def test_drawn_plots_are_reused_until_the_records_change(client, demo_trial):
    # given: the page seen once
    client = signed_in(client, "sponsor")
    first = section(client.get(PAGE, AT_CUTOFF).content.decode(), "plot-swimmer")
    # when it is seen again, then nothing is loaded for drawing
    with CaptureQueriesContext(connection) as again:
        html = client.get(PAGE, AT_CUTOFF).content.decode()
    assert section(html, "plot-swimmer") == first
    with CaptureQueriesContext(connection) as drawing:
        client.get("/reports/plots/swimmer/", {"format": "png", **AT_CUTOFF})
    assert len(drawing) > len(again) + 10  # the trial's records were read to draw
    # when a patient is infused after that, then the swimmer has their bar
    newcomer = factories.patient("RD-900", consent_date=date(2025, 5, 1),
                                 enrollment_date=date(2025, 5, 2))
    factories.lymphodepletion(newcomer, start=date(2025, 5, 5))
    factories.infusion(newcomer, on=date(2025, 5, 10))
    swimmer = section(client.get(PAGE, AT_CUTOFF).content.decode(), "plot-swimmer")
    assert swimmer.count('id="swimmer-bar-') == first.count('id="swimmer-bar-') + 1
    assert 'id="swimmer-bar-RD-900"' in swimmer
    assert 'id="swimmer-bar-RD-900"' not in first


# --- Downloads -------------------------------------------------------------------------------

@pytest.mark.parametrize(("fmt", "content_type", "magic"), [
    ("svg", "image/svg+xml", b"<?xml"), ("png", "image/png", b"\x89PNG"),
])
def test_each_plot_downloads_as_svg_and_png(client, demo_trial, fmt, content_type, magic):
    client = signed_in(client, "sponsor")
    for name in PLOT_NAMES:
        response = client.get(f"/reports/plots/{name}/", {"format": fmt, **AT_CUTOFF})
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"] == (
            f'attachment; filename="{name}-2025-06-30.{fmt}"')
        assert response.content.startswith(magic)


def test_a_plot_in_an_unknown_format_or_of_an_unknown_name_is_refused(client, infused_patient):
    client = signed_in(client, "sponsor")
    response = client.get("/reports/plots/km-os/", {"format": "gif"})
    assert (response.status_code, response.content) == (
        400, b"format: 'gif' is not one of svg, png.")
    assert client.get("/reports/plots/pie/").status_code == 404


def test_the_pdf_has_the_title_page_tables_plots_and_review(client, demo_trial):
    response = signed_in(client, "sponsor").get("/reports/report.pdf", AT_CUTOFF)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="RD13-02-PH1-endpoint-report-2025-06-30.pdf"')
    assert response.content.startswith(b"%PDF")
    report = endpoint_report(CUTOFF, recompute_if_stale=False)
    review = review_table(data_review_report(CUTOFF, recompute_if_stale=False))
    pages = pypdf.PdfReader(io.BytesIO(response.content)).pages
    assert len(pages) == (1 + len(table_pages(summary_tables(report), footer=""))
                          + len(PLOT_NAMES) + len(table_pages([review], footer="")))
    title = pages[0].extract_text()
    assert "Data cutoff: 2025-06-30" in title
    assert f"Data version: {report['snapshot']['data_version']}" in title


# --- Queries ---------------------------------------------------------------------------------

def queries_per_url(client, patients: int) -> dict[str, int]:
    bundle_import_json(demo_bundle(patients, seed=7), replace=True)
    recompute(CUTOFF)
    counts = {}
    for url in (PAGE, "/reports/plots/swimmer/?format=svg"):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, AT_CUTOFF).status_code == 200
        counts[url] = len(captured)
    return counts


def test_the_report_takes_the_same_number_of_queries_for_a_small_and_a_larger_trial(client):
    client = signed_in(client, "sponsor")
    small = queries_per_url(client, patients=3)
    larger = queries_per_url(client, patients=15)
    assert small == larger, (small, larger)
