"""Every page as every user: each role signs in through the login form and follows every
same-site link from `/` (the admin's pages too) in a small trial that holds every state a page
can show. No page may fail (5xx), no link may lead nowhere (404), each 403 must be one the
permission table gives that role (and no page the table denies may answer), following links
must write nothing (no record, no audit entry), and the walk must reach the page of every
state, so that it cannot pass by crawling nothing. The pages each role visited are written to
test-artifacts/crawl/."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve

from casebook.crfs import MONITOR_ENTERED
from tests.crawler import Crawl, Visit, crawl
from tests.security.routes import ROLES, Route
from tests.security.test_permission_matrix import DENIED, OK, expected, matches
from tests.trial_states import PASSWORD, trial_states

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "crawl"
READERS = ("admin", "coordinator", "investigator", "monitor")  # every role but the sponsor
STAFF = ("admin", "monitor")
RECORD_STATES = (
    "pending DLT", "signed DLT", "revoked DLT", "raised DLT", "voided adverse event",
    "voided CRS details", "voided response", "voided PK sample", "open query",
    "answered query", "closed query", "re-opened query", "verified", "changed since verified",
    "locked form", "infused from a released lot", "treatment of a CRS",
    # the forms issue 16 added, current, voided, locked, verified and changed since signing
    "medical history", "prior therapy", "disease at screening", "bridging therapy",
    "vital signs during CRS", "lab result", "long-term follow-up", "infection details",
    "IEC-HS details", "secondary malignancy", "RCL test", "voided lab result",
    "voided medication", "voided IEC-HS details", "voided RCL test",
    "medication changed since signing")
DEVIATION_STATES = ("deviation by hand", "assessed deviation", "deviation by an edit check",
                    "withdrawn deviation")
LOCKED_STATES = ("locked form", "long-term follow-up", "infection details")
DLT_STATES = ("pending DLT", "signed DLT", "revoked DLT", "raised DLT")
CASEBOOK_STATES = ("every CRF", "signed casebook", "changed since signing", "locked casebook",
                   "off study", "dead", "screened only")
SPONSOR_PAGES = ("/reports/", "/reports/report.pdf", "/reports/data-cuts/",
                 "/api/v1/reports/endpoints/",
                 "/api/v1/reports/data-review/", "/api/schema/swagger-ui/")


# What signing in writes (the session and the sign-in log), and the report's drawings that the
# first reader of a snapshot draws and keeps with it (derived, as a cache is); nothing else may
# grow on a walk.
SIGN_IN_TABLES = ("sessions.Session", "axes.AccessLog", "reporting.SnapshotDrawing")


def row_counts() -> dict[str, int]:
    """Rows of every table, the audit trails included: a change to an audited record adds an
    audit row, so a GET that acts shows here."""
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()
            if model._meta.label not in SIGN_IN_TABLES}


@pytest.fixture(scope="module")
def trial(django_db_setup, django_db_blocker):
    """The trial of every state and one user per role, for the whole module, rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield trial_states()
        transaction.set_rollback(True)


@pytest.fixture(scope="module", params=ROLES)
def walked(request, trial, django_db_blocker) -> tuple[str, Crawl, dict]:
    """(role, what the role's walk visited, {table: rows it added}): one walk per role."""
    role = request.param
    with django_db_blocker.unblock():
        before = row_counts()
        result = crawl(trial.users[role].username, PASSWORD)
        added = {table: rows - before[table] for table, rows in row_counts().items()
                 if rows != before[table]}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{role}.txt").write_text("".join(
        f"{v.status} {v.seconds * 1000:5.0f} ms  {v.url}  (from {v.found_on or 'the start'})\n"
        for v in result.visits))
    return role, result, added


def route_of(url: str) -> Route:
    match = resolve(urlsplit(url).path)
    return Route(match.route, match.view_name if match.url_name else None)


def permission_mismatch(role: str, visit: Visit) -> str | None:
    """A 403 the table does not give the role, or an answer where the table gives a 403."""
    wanted = (expected(route_of(visit.url)) or {}).get(role, "unclassified")
    if role == "monitor" and any(f"/{slug}/" in visit.url for slug in MONITOR_ENTERED):
        wanted = OK  # the CRFs a monitor enters too (a protocol deviation)
    if visit.status == 403 and not matches("403", wanted):
        return f"{visit.url}: 403, the table says {wanted} (linked from {visit.found_on})"
    if 200 <= visit.status < 300 and wanted == DENIED:
        return f"{visit.url}: {visit.status}, the table says 403 (linked from {visit.found_on})"
    return None


def listing(visits) -> str:
    return "\n".join(f"{v.status} {v.url} (linked from {v.found_on})" for v in visits)


def answered(crawled: Crawl) -> set[str]:
    """The paths that answered with a page (2xx)."""
    return {urlsplit(v.url).path for v in crawled.visits if 200 <= v.status < 300}


def visited(crawled: Crawl) -> set[str]:
    return {urlsplit(url).path for url in crawled.urls}


@pytest.mark.django_db
def test_no_page_answers_a_server_error(walked):
    role, crawled, _ = walked
    assert len(crawled.visits) > 1, f"{role} reached no page beyond the first"
    assert not crawled.server_errors(), f"{role}:\n{listing(crawled.server_errors())}"


@pytest.mark.django_db
def test_every_post_form_the_walk_meets_carries_the_csrf_token(walked):
    role, crawled, _ = walked
    forms = sum(visit.post_forms for visit in crawled.visits)
    untokened = [visit for visit in crawled.visits if visit.untokened_post_forms]
    if role != "sponsor":  # the sponsor's pages hold sign-out and little else
        assert forms >= 10, f"{role} met only {forms} POST forms: the walk is not reaching pages"
    assert not untokened, f"{role}:\n{listing(untokened)}"


@pytest.mark.django_db
def test_no_link_leads_to_a_missing_page(walked):
    role, crawled, _ = walked
    missing = [v for v in crawled.visits if v.status == 404]
    assert not missing, f"{role}:\n{listing(missing)}"


@pytest.mark.django_db
def test_every_page_belongs_to_a_route_of_the_permission_table(walked):
    role, crawled, _ = walked
    unrouted = []
    for visit in crawled.visits:
        try:
            if expected(route_of(visit.url)) is None:
                unrouted.append(visit)
        except Resolver404:
            unrouted.append(visit)
    assert not unrouted, f"{role}:\n{listing(unrouted)}"


@pytest.mark.django_db
def test_each_403_is_one_the_permission_table_gives(walked):
    role, crawled, _ = walked
    wrong = [m for v in crawled.visits if (m := permission_mismatch(role, v))]
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


@pytest.mark.django_db
def test_following_links_changes_no_record(walked):
    role, _, added = walked
    assert not added, f"{role}'s walk by GET wrote rows: {added}"


@pytest.mark.django_db
def test_the_walk_reaches_the_page_of_every_state(walked, trial):
    # given
    role, crawled, _ = walked
    wanted = set()
    if role in READERS:
        wanted |= {trial.crf_page(state) for state in RECORD_STATES}
        wanted |= {trial.crf_page(state) + "history/" for state in RECORD_STATES}
        wanted |= {f"/dlt-review/{trial.records[state].pk}/" for state in DLT_STATES}
        wanted |= {f"/patients/{trial.patients[state].subject_id}/" for state in CASEBOOK_STATES}
        wanted |= {f"/casebook-signature/{trial.patients[state].subject_id}/"
                   for state in ("signed casebook", "changed since signing")}
        wanted |= {trial.deviation_page(state) for state in DEVIATION_STATES}
        wanted |= {"/product/"} | {f"/product/lot/{trial.records[state].pk}/history/"
                                   for state in ("released lot", "quarantined lot")}
    if role == "coordinator":
        wanted |= {trial.crf_page("pending DLT") + "edit/", trial.crf_page("pending DLT")
                   + "void/", trial.crf_page("re-opened query") + "edit/"}
        wanted |= {f"/product/lot/{trial.records['released lot'].pk}/edit/", "/product/lot/new/"}
    if role in STAFF:
        wanted |= {trial.admin_page(state) for state in trial.records}
        wanted |= {trial.admin_page(state).replace("/change/", "/history/")
                   for state in trial.records}
    if role == "sponsor":
        wanted |= set(SPONSOR_PAGES)
    if role != "coordinator":  # the report readers: the data cuts and one cut's pages
        cut = f"/reports/data-cuts/{trial.data_cut.pk}/"
        wanted |= {"/reports/data-cuts/", cut, cut + "report.pdf",
                   cut + "plots/swimmer/"}
    # then
    missed = sorted(wanted - answered(crawled))
    assert not missed, f"{role} never reached (or not with a page): {missed}"


@pytest.mark.django_db
def test_no_link_offers_to_change_a_locked_record(walked, trial):
    role, crawled, _ = walked
    locked = [trial.crf_page(state) + action for state in LOCKED_STATES
              for action in ("edit/", "void/")]
    locked.append(f"/patients/{trial.patients['locked casebook'].subject_id}/adverse-event/new/")
    assert not set(locked) & visited(crawled), role


# The query list's filters: the walk follows only a few query strings per page, so every value
# (and bad ones) is asked here, as every role, in the trial of every state.
QUERY_LIST_PARAMS = (
    [f"show={show}" for show in ("outstanding", "open", "answered", "closed", "all")]
    + ["page=2", "page=0", "page=x", "show=closed&page=99"])
# (A voided patient is out of the trial: "there is no patient RD-107", as for an unknown one.)
BAD_QUERY_LIST_PARAMS = ("show=pending", "patient=NO-SUCH", "patient=RD-107",
                         "patient=" + "x" * 300, "show=%00", "patient=%E2%80%8B")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_query_lists_filters_answer_every_value_without_a_server_error(trial, role):
    client = Client(raise_request_exception=False)
    client.force_login(trial.users[role])
    current = [p for p in trial.patients.values() if not p.is_voided]
    subjects = [f"patient={p.subject_id}" for p in current]
    for params in (*QUERY_LIST_PARAMS, *subjects):
        status = client.get(f"/queries/?{params}").status_code
        assert status == (403 if role == "sponsor" else 200), (params, status)
    for params in BAD_QUERY_LIST_PARAMS:
        status = client.get(f"/queries/?{params}").status_code
        assert status == (403 if role == "sponsor" else 400), (params, status)
    for patient in current:  # the sign-off page of each casebook state
        status = client.get(f"/casebook-signature/{patient.subject_id}/").status_code
        assert status == (403 if role == "sponsor" else 200), (patient.subject_id, status)
