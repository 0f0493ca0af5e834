"""The report's drawings kept with their snapshot: drawn by the live recompute, served without
drawing, and a page that weighs the same at any trial size."""

import io
from datetime import date

import pypdf
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from matplotlib.figure import Figure

from core.audit import record_save
from endpoints.data_cuts import data_cut_freeze
from endpoints.models import EndpointSnapshot
from endpoints.snapshots import _prune, recompute
from endpoints.tasks import QUEUED_KEY
from exchange.demo_trial import demo_bundle
from exchange.services import bundle_import_json
from patients.models import Patient
from reporting import plots
from reporting.models import SnapshotDrawing
from reporting.plots import PLOT_NAMES
from reporting.tasks import draw_report_pdfs_task
from tests import factories
from tests.reporting.conftest import CUTOFF
from tests.reporting.test_data_cut_pages import pdf_text
from tests.reporting.test_pages import section, signed_in

pytestmark = pytest.mark.django_db

PAGE = "/reports/"
AT_CUTOFF = {"cutoff": CUTOFF.isoformat()}


@pytest.fixture
def drawn_by_recompute(settings):
    """A worker runs the live recompute, which draws."""
    settings.REPORT_DRAWN_BY_RECOMPUTE = True


@pytest.fixture
def savefigs(monkeypatch):
    """Counts every figure rendered (SVG, PNG or a PDF page) in this process."""
    calls = []
    render = Figure.savefig

    def counted(self, *args, **kwargs):
        calls.append(self)
        return render(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", counted)
    return calls


def load_demo(patients: int):
    bundle_import_json(demo_bundle(patients, seed=7), replace=True)


def page_names(snapshot) -> set[str]:
    return set(SnapshotDrawing.objects.filter(snapshot=snapshot, format="svg")
               .values_list("name", flat=True))


# --- Drawn by the recompute, served from the snapshot ----------------------------------------

def test_the_live_recompute_keeps_the_page_plots_with_its_snapshot(drawn_by_recompute):
    load_demo(12)
    snapshot = recompute(CUTOFF)
    assert page_names(snapshot) == {plots.page_plot_name(name) for name in PLOT_NAMES}
    swimmer = SnapshotDrawing.objects.get(snapshot=snapshot, name="swimmer-page-1").body
    assert bytes(swimmer).count(b'id="swimmer-bar-') == 12


def test_without_a_worker_the_recompute_leaves_the_drawing_to_the_first_reader(client, settings,
                                                                               savefigs):
    settings.REPORT_DRAWN_BY_RECOMPUTE = False
    load_demo(12)
    snapshot = recompute(CUTOFF)
    assert not SnapshotDrawing.objects.filter(snapshot=snapshot).exists()
    assert not savefigs
    signed_in(client, "sponsor").get(PAGE, AT_CUTOFF)
    assert len(savefigs) == len(PLOT_NAMES)  # drawn once, by the first reader, and kept
    assert page_names(snapshot) == {plots.page_plot_name(name) for name in PLOT_NAMES}
    client.get(PAGE, AT_CUTOFF)
    assert len(savefigs) == len(PLOT_NAMES)


def test_the_page_serves_the_snapshots_plots_without_drawing_or_reading_the_trial(
        client, drawn_by_recompute, savefigs):
    load_demo(12)
    snapshot = recompute(CUTOFF)
    drawn = len(savefigs)
    client = signed_in(client, "sponsor")
    with CaptureQueriesContext(connection) as queries:
        html = client.get(PAGE, AT_CUTOFF).content.decode()
    assert len(savefigs) == drawn  # nothing drawn on the request
    kept = dict(SnapshotDrawing.objects.filter(snapshot=snapshot).values_list("name", "body"))
    for name in PLOT_NAMES:
        svg = bytes(kept[plots.page_plot_name(name)]).decode()
        assert svg[svg.index("<svg"):] in section(html, f"plot-{name}")
    # no trial loaded: of the clinical tables, only the audit trail's position is read
    read = " ".join(query["sql"] for query in queries.captured_queries
                    if "MAX(history_id)" not in query["sql"])
    assert not any(f'"{app}_' in read for app in ("patients", "dosing", "safety", "efficacy",
                                                   "pk", "labs")), read


def test_the_pdf_is_drawn_after_the_snapshot_commits_in_its_fresh_and_stale_versions(
        client, infused_patient, coordinator, settings, drawn_by_recompute, savefigs,
        django_capture_on_commit_callbacks):
    # given today's snapshot, recomputed by the worker, and a worker's recompute queued next
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = recompute()
    assert set(SnapshotDrawing.objects.filter(snapshot=snapshot, format="pdf")
               .values_list("name", flat=True)) == {"report", "report-stale"}
    client = signed_in(client, "sponsor")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    cache.set(QUEUED_KEY, "1")
    drawn = len(savefigs)
    try:
        fresh = client.get("/reports/report.pdf").content
        # when the data change and the worker has not recomputed yet
        infused_patient.consent_version = "v2"
        record_save(infused_patient, by=coordinator, reason="new consent form")
        stale = client.get("/reports/report.pdf").content
        page = client.get(PAGE).content.decode()
    finally:
        cache.delete(QUEUED_KEY)
    # then the stale snapshot's PDF and plots are served as drawn, labelled stale
    assert len(savefigs) == drawn
    title = [pypdf.PdfReader(io.BytesIO(body)).pages[0].extract_text() for body in (fresh, stale)]
    assert "Snapshot: fresh" in title[0] and "STALE" in title[1]
    assert "stale" in section(page, "freshness")
    assert EndpointSnapshot.objects.count() == 1


def test_while_the_worker_draws_a_new_snapshots_pdf_the_previous_one_is_served_as_stale(
        client, infused_patient, coordinator, drawn_by_recompute, savefigs,
        django_capture_on_commit_callbacks):
    # given a snapshot with its PDFs, then a change and the next snapshot, its PDF not drawn yet
    with django_capture_on_commit_callbacks(execute=True):
        previous = recompute()
    infused_patient.consent_version = "v2"
    record_save(infused_patient, by=coordinator, reason="new consent form")
    with django_capture_on_commit_callbacks(execute=False):
        latest = recompute()
    drawn = len(savefigs)
    # when
    body = signed_in(client, "sponsor").get("/reports/report.pdf").content
    # then nothing is drawn: the previous snapshot's PDF says what it is
    assert len(savefigs) == drawn
    title = pypdf.PdfReader(io.BytesIO(body)).pages[0].extract_text()
    assert f"Data version: {previous.data_version}" in title and "STALE" in title
    assert previous.data_version != latest.data_version


def test_a_stale_snapshot_without_drawings_is_drawn_from_the_records_and_not_kept_with_it(
        client, infused_patient, coordinator, settings):
    recompute()  # no worker: nothing drawn
    client = signed_in(client, "investigator")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    cache.set(QUEUED_KEY, "1")
    try:
        infused_patient.consent_version = "v2"
        record_save(infused_patient, by=coordinator, reason="new consent form")
        assert client.get(PAGE).status_code == 200
    finally:
        cache.delete(QUEUED_KEY)
    assert not SnapshotDrawing.objects.exists()


def test_pruned_snapshots_take_their_drawings_with_them(drawn_by_recompute, settings):
    settings.REPORT_PAST_CUTOFFS_KEPT = 1
    load_demo(3)
    first = recompute(date(2024, 6, 30))
    assert page_names(first)
    recompute(date(2024, 12, 31))
    _prune(today=date.today())
    assert not EndpointSnapshot.objects.filter(pk=first.pk).exists()
    assert not SnapshotDrawing.objects.filter(snapshot_id=first.pk).exists()


# --- A page that weighs the same at any trial size --------------------------------------------

def page_bytes(client, patients: int) -> int:
    load_demo(patients)
    recompute(CUTOFF)
    response = client.get(PAGE, AT_CUTOFF)
    assert response.status_code == 200
    return len(response.content)


def test_the_page_weighs_about_the_same_for_20_and_200_patients(client, drawn_by_recompute):
    client = signed_in(client, "sponsor")
    small, larger = page_bytes(client, 20), page_bytes(client, 200)
    # Ten times the patients: the swimmer plot holds at most a page of them and each expansion
    # panel a dozen curves (a bar is about 1 kB, a curve 3 kB: drawing them all would add
    # well over a megabyte); the tables have a row per dose level. What still grows, up to
    # the length of follow-up, is the Kaplan–Meier curves' steps and censoring marks; the
    # data-review listing has a row per finding.
    assert larger - small < 200_000, (small, larger)


def test_the_swimmer_plot_is_paged_and_every_infused_patient_is_on_one_page(
        client, drawn_by_recompute, monkeypatch):
    monkeypatch.setattr(plots, "SWIMMER_ROWS_PER_PAGE", 5)
    load_demo(12)
    recompute(CUTOFF)
    client = signed_in(client, "sponsor")
    infused = set(Patient.objects.filter(infusions__isnull=False, infusions__date__lte=CUTOFF)
                  .values_list("subject_id", flat=True))
    seen, page = [], 1
    while page:
        html = client.get(PAGE, {**AT_CUTOFF, "swimmer": page}).content.decode()
        swimmer = section(html, "plot-swimmer")
        bars = swimmer.count('id="swimmer-bar-')
        assert 1 <= bars <= 5
        seen += [part.split('"')[0] for part in swimmer.split('id="swimmer-bar-')[1:]]
        following = f"swimmer={page + 1}#plot-swimmer"
        page = page + 1 if following in swimmer else None
    assert sorted(seen) == sorted(infused)  # each once
    assert f"of {len(infused)}" in swimmer


@pytest.mark.parametrize("asked", ["0", "99", "two", "²"])
def test_a_swimmer_page_that_does_not_exist_is_refused_with_the_rule(client, demo_trial, asked):
    response = signed_in(client, "sponsor").get(PAGE, {**AT_CUTOFF, "swimmer": asked})
    assert response.status_code == 400
    assert "swimmer: enter a page number from 1 to 1." in response.content.decode()


def test_the_page_takes_the_same_number_of_queries_at_any_size_when_drawn_by_the_worker(
        client, drawn_by_recompute):
    client = signed_in(client, "sponsor")
    counts = []
    for patients in (3, 60):
        load_demo(patients)
        recompute(CUTOFF)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PAGE, AT_CUTOFF).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


def test_the_downloads_still_show_every_patient(client, drawn_by_recompute, monkeypatch):
    monkeypatch.setattr(plots, "SWIMMER_ROWS_PER_PAGE", 5)
    load_demo(12)
    recompute(CUTOFF)
    infused = recompute(CUTOFF).report["populations"]["infused"]
    svg = signed_in(client, "sponsor").get("/reports/plots/swimmer/", AT_CUTOFF).content
    assert svg.count(b'id="swimmer-bar-') == infused > 5


# --- The PDFs drawn by a task of their own -------------------------------------------------------

@pytest.fixture
def worker_runs_the_tasks(settings, monkeypatch):
    """Tasks are published to a broker (as production does): what is queued is recorded."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = []
    monkeypatch.setattr(draw_report_pdfs_task, "delay", queued.append)
    return queued


def pdf_names(snapshot) -> set[str]:
    return set(SnapshotDrawing.objects.filter(snapshot=snapshot, format="pdf")
               .values_list("name", flat=True))


def test_the_recompute_queues_the_pdfs_and_returns_once_the_page_plots_are_stored(
        infused_patient, drawn_by_recompute, worker_runs_the_tasks, savefigs,
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = recompute()
    assert page_names(snapshot) and len(savefigs) == len(PLOT_NAMES)  # the page's plots only
    assert not pdf_names(snapshot)
    assert worker_runs_the_tasks == [snapshot.pk]
    # when the worker runs the queued task, twice (a redelivery)
    draw_report_pdfs_task(snapshot.pk)
    drawn = len(savefigs)
    draw_report_pdfs_task(snapshot.pk)
    # then both versions are kept, drawn once
    assert pdf_names(snapshot) == {"report", "report-stale"}
    assert len(savefigs) == drawn > len(PLOT_NAMES)


def test_the_pdf_task_draws_nothing_once_the_snapshots_data_changed(
        infused_patient, coordinator, drawn_by_recompute, worker_runs_the_tasks,
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = recompute()
    infused_patient.consent_version = "v2"
    record_save(infused_patient, by=coordinator, reason="new consent form")
    draw_report_pdfs_task(snapshot.pk)
    assert not pdf_names(snapshot)  # the records it was computed from are gone


def test_the_pdf_task_of_a_pruned_snapshot_draws_nothing(infused_patient, savefigs):
    snapshot = recompute()
    EndpointSnapshot.objects.filter(pk=snapshot.pk).delete()
    draw_report_pdfs_task(snapshot.pk)
    assert not savefigs


# --- A frozen data cut's drawings ---------------------------------------------------------------

def test_a_data_cuts_pdf_is_kept_under_its_own_name_and_never_served_for_the_live_report(
        client, infused_patient, coordinator, drawn_by_recompute,
        django_capture_on_commit_callbacks):
    investigator = factories.user("investigator")
    cut = data_cut_freeze(name="SRC meeting 3", reason="the committee asked", cutoff=None,
                          by=investigator, password="a-long-test-passphrase")
    assert not SnapshotDrawing.objects.filter(snapshot=cut.snapshot).exists()  # on request
    client = signed_in(client, "sponsor")
    # when the cut's page and PDF are asked for
    assert client.get(f"/reports/data-cuts/{cut.pk}/").status_code == 200
    cut_pdf = client.get(f"/reports/data-cuts/{cut.pk}/report.pdf").content
    # then they are drawn and kept with the cut's snapshot, the PDF under the cut's name
    assert page_names(cut.snapshot) == {plots.page_plot_name(name) for name in PLOT_NAMES}
    assert pdf_names(cut.snapshot) == {"report-data-cut"}
    assert "SRC meeting 3" in pdf_text(cut_pdf)
    assert client.get(f"/reports/data-cuts/{cut.pk}/report.pdf").content == cut_pdf
    # when the data change and the worker's recompute has not drawn its PDF yet
    infused_patient.consent_version = "v2"
    record_save(infused_patient, by=coordinator, reason="new consent form")
    with django_capture_on_commit_callbacks(execute=False):
        latest = recompute()
    live = client.get("/reports/report.pdf").content
    # then the live PDF is not the cut's (nor its snapshot's): it is the latest, drawn now
    assert "SRC meeting 3" not in pdf_text(live) and "Data cut: none" in pdf_text(live)
    assert f"Data version: {latest.data_version}" in pdf_text(live)
    # and the cut's PDF is still the cut's
    assert client.get(f"/reports/data-cuts/{cut.pk}/report.pdf").content == cut_pdf


def test_the_live_report_served_from_a_cuts_snapshot_keeps_its_pdf_apart(
        client, infused_patient, drawn_by_recompute):
    # given a cut frozen from the latest data: the live report's latest snapshot is the cut's
    investigator = factories.user("investigator")
    cut = data_cut_freeze(name="SRC meeting 4", reason="the committee asked", cutoff=None,
                          by=investigator, password="a-long-test-passphrase")
    client = signed_in(client, "sponsor")
    live = client.get("/reports/report.pdf").content
    cut_pdf = client.get(f"/reports/data-cuts/{cut.pk}/report.pdf").content
    assert "SRC meeting 4" not in pdf_text(live) and "SRC meeting 4" in pdf_text(cut_pdf)
    assert client.get("/reports/report.pdf").content == live


def test_pruning_keeps_a_data_cuts_snapshot_and_its_drawings(
        client, infused_patient, drawn_by_recompute, settings):
    investigator = factories.user("investigator")
    cut = data_cut_freeze(name="SRC meeting 5", reason="the committee asked",
                          cutoff=date(2024, 6, 30), by=investigator,
                          password="a-long-test-passphrase")
    signed_in(client, "sponsor").get(f"/reports/data-cuts/{cut.pk}/")
    settings.REPORT_PAST_CUTOFFS_KEPT = 1
    for cutoff in (date(2024, 7, 31), date(2024, 8, 31)):
        recompute(cutoff)
    _prune(today=date.today())
    assert page_names(cut.snapshot)
    assert not EndpointSnapshot.objects.filter(cutoff=date(2024, 7, 31)).exists()
