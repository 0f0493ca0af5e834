"""Every route of the URL configuration, requested by every role and by an anonymous caller,
against a table of what docs/spec/contract.md §6 allows. A route the table does not classify
fails the test, so each new page or API endpoint must be given its place in the table."""

import fnmatch
from urllib.parse import urlsplit

import pytest

from tests.security.routes import ANONYMOUS, ROLES, all_routes, client_for

COLUMNS = (ANONYMOUS, *ROLES)

OK, DENIED, POST_ONLY, NOT_FOUND, NO_TOKEN = "200", "403", "405", "404", "401"
SIGN_IN = "redirect /accounts/login/"
ADMIN_SIGN_IN = "redirect /admin/login/"


def row(anonymous=SIGN_IN, *, admin=DENIED, coordinator=DENIED, investigator=DENIED,
        monitor=DENIED, sponsor=DENIED) -> dict:
    return dict(anonymous=anonymous, admin=admin, coordinator=coordinator,
                investigator=investigator, monitor=monitor, sponsor=sponsor)


def everyone(outcome, anonymous=SIGN_IN):
    return row(anonymous, **dict.fromkeys(ROLES, outcome))


# Reading CRFs, casebooks, queries, DLT review and sign-off: every role but the sponsor.
READ_CRF = row(admin=OK, coordinator=OK, investigator=OK, monitor=OK)
ENTER_CRF = row(coordinator=OK)
# A GET on an action that only takes POST: the role may act (405), the others may not (403).
MONITOR_ACTION = row(monitor=POST_ONLY)
INVESTIGATOR_ACTION = row(investigator=POST_ONLY)
# The REST API: 401 without credentials; a sponsor reads reports and de-identified exports.
API_REPORT = row(NO_TOKEN, admin=OK, investigator=OK, monitor=OK, sponsor=OK)
API_EXPORT = API_REPORT
# The admin site: only staff (admins, monitors) get past its own sign-in page.
STAFF = dict(anonymous=ADMIN_SIGN_IN, coordinator=ADMIN_SIGN_IN, investigator=ADMIN_SIGN_IN,
             sponsor=ADMIN_SIGN_IN)
ADMIN_ONLY = {**STAFF, "admin": OK, "monitor": DENIED}
ADMIN_AND_MONITOR = {**STAFF, "admin": OK, "monitor": OK}
NOBODY_IN_ADMIN = {**STAFF, "admin": DENIED, "monitor": DENIED}
CLINICAL_APPS = ("patients", "dosing", "safety", "efficacy", "pk", "labs")

# First match wins: a URL name, or a glob over the route's path.
TABLE = [
    ("home", everyone(OK)),
    ("login", everyone("redirect /", anonymous=OK)),
    ("logout", everyone(POST_ONLY, anonymous=POST_ONLY)),
    ("healthz", everyone(OK, anonymous=OK)),
    # Each user's own notifications (the sponsor's list is empty: the safety contact is an
    # address, not an account).
    ("my-notifications", everyone(OK)),
    ("patients:enrol", ENTER_CRF),
    ("patients:crf-create", ENTER_CRF),
    ("patients:crf-create-detail", ENTER_CRF),
    ("patients:crf-edit", ENTER_CRF),
    ("patients:crf-void", ENTER_CRF),
    ("patients:*", READ_CRF),
    # The product's donors and lots: coordinators (and admins) register them; readers read.
    ("product:add", row(admin=OK, coordinator=OK)),
    ("product:edit", row(admin=OK, coordinator=OK)),
    ("product:*", READ_CRF),
    ("monitoring:queries", READ_CRF),
    ("deviations:list", READ_CRF),
    ("deviations:assess", row(investigator=OK)),
    ("monitoring:answer", row(coordinator=POST_ONLY)),
    ("monitoring:*", MONITOR_ACTION),
    ("safety:raise", INVESTIGATOR_ACTION),
    ("safety:*", READ_CRF),
    ("signoff:sign", INVESTIGATOR_ACTION),
    ("signoff:revoke", INVESTIGATOR_ACTION),
    ("signoff:*", READ_CRF),
    # Report pages (sponsors read them; coordinators enter data, not read results). The data
    # cuts' list (with, for monitors and investigators, the freeze form: POST) and one cut's
    # report page, PDF and plots.
    ("reporting:data-cuts", row(admin=OK, investigator=OK, monitor=OK, sponsor=OK)),
    ("reporting:data-cut", row(admin=OK, investigator=OK, monitor=OK, sponsor=OK)),
    ("reporting:data-cut-*", row(admin=OK, investigator=OK, monitor=OK, sponsor=OK)),
    ("reporting:*", row(admin=OK, investigator=OK, monitor=OK, sponsor=OK)),
    # The API's description and its documentation pages hold no trial data.
    ("api-schema", everyone(OK, anonymous=OK)),
    ("api-swagger-ui", everyone(OK, anonymous=OK)),
    ("api-redoc", everyone(OK, anonymous=OK)),
    ("api-not-found", everyone(NOT_FOUND, anonymous=NOT_FOUND)),
    ("api-casebook", row(NO_TOKEN, admin=OK, monitor=OK)),
    ("api-endpoint-report", API_REPORT),
    ("api-data-review", everyone(OK, anonymous=NO_TOKEN)),
    ("api/v1/reports/*", API_REPORT),
    ("api/v1/exports/*", API_EXPORT),
    # The read-only listings: de-identified for sponsors.
    ("api-*-list", API_REPORT),
    ("api-*-detail", API_REPORT),
    # The admin site's own pages.
    ("admin:login", {**everyone(OK, anonymous=OK), "admin": "redirect /admin/",
                     "monitor": "redirect /admin/"}),
    ("admin:logout", {**everyone("redirect /admin/", anonymous="redirect /admin/"),
                      "admin": POST_ONLY, "monitor": POST_ONLY}),
    ("admin:index", ADMIN_AND_MONITOR),
    ("admin:app_list", ADMIN_AND_MONITOR),
    ("admin:password_change*", ADMIN_AND_MONITOR),
    ("admin:jsi18n", ADMIN_AND_MONITOR),
    ("admin:autocomplete", {**STAFF, "admin": DENIED, "monitor": DENIED}),  # no field asked
    ("admin:view_on_site", {**STAFF, "admin": NOT_FOUND, "monitor": NOT_FOUND}),
    ("admin/(?P<url>.*)$", {**STAFF, "admin": NOT_FOUND, "monitor": NOT_FOUND}),
    # admin/<app>/<model>/<object_id>/ redirects to the record's change page.
    ("admin/*/*/<path:object_id>/", {**STAFF, "admin": "redirect /admin/*",
                                     "monitor": "redirect /admin/*"}),
    # Nothing is deleted through the admin, except a sign-in lockout (its reset).
    ("admin:axes_accessattempt_delete", ADMIN_ONLY),
    ("admin:*_delete", NOBODY_IN_ADMIN),
    # Logs are kept by their own tools, not edited; snapshots are computed. API tokens are
    # rotated and revoked on a user's "API token" page (admin:auth_*); their changes are read.
    ("admin:axes_accessfailurelog_*", NOBODY_IN_ADMIN),
    ("admin:endpoints_endpointsnapshot_*", NOBODY_IN_ADMIN),
    ("admin:*_add", ADMIN_ONLY),  # only admins add; the lockout and log lists have no add
    # Users, groups, lockouts and study settings: admins only. Clinical records: monitors read.
    *[(f"admin:{app}_*", ADMIN_AND_MONITOR) for app in CLINICAL_APPS],
    ("admin:auth_*", ADMIN_ONLY),
    ("admin:axes_*", ADMIN_ONLY),
    ("admin:trial_edc_study_*", ADMIN_ONLY),
    ("admin:trial_edc_apitokenevent_*", ADMIN_ONLY),
    # Who was told what, when (the notifications outbox): admins read it.
    ("admin:notifications_notification_*", ADMIN_ONLY),
]
NO_ADD = ("axes_accessattempt", "axes_accesslog", "auth_group", "trial_edc_study",
          "safety_dltadjudication", "trial_edc_apitokenevent", "notifications_notification")


SIGN_IN_AND_OUT = ("login", "logout", "admin:login", "admin:logout")


def expected(route) -> dict | None:
    for key, outcome in TABLE:
        if fnmatch.fnmatchcase(route.name or "", key) or fnmatch.fnmatchcase(route.pattern, key):
            if key == "admin:*_add" and any(f"admin:{m}_add" == route.name for m in NO_ADD):
                return NOBODY_IN_ADMIN
            return outcome
    return None


def outcome(response) -> str:
    if response.status_code in (301, 302):
        return "redirect " + urlsplit(response["Location"]).path
    return str(response.status_code)


def matches(seen: str, wanted: str) -> bool:
    return fnmatch.fnmatchcase(seen, wanted)


def test_every_route_is_classified_in_the_roles_table():
    unclassified = [str(route) for route in all_routes() if expected(route) is None]
    assert not unclassified, ("routes missing from the permission table in "
                              f"{__name__}: {unclassified}")


@pytest.mark.django_db
@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.requirement("CON-ROLE-01", "CON-ROLE-02", "CON-ROLE-03", "CON-ROLE-04", "CON-ROLE-05")
def test_each_route_answers_each_role_as_the_table_says(demo, column):
    trial, users = demo
    client = client_for(users, column)
    wrong = []
    for route in all_routes():
        wanted = (expected(route) or {}).get(column, "unclassified")
        seen = outcome(client.get(trial.url(route)))
        if not matches(seen, wanted):
            wrong.append(f"{route}: {seen}, expected {wanted}")
    assert not wrong, f"{column}:\n" + "\n".join(wrong)


@pytest.mark.django_db
@pytest.mark.requirement("CON-ROLE-04")
def test_no_post_from_a_sponsor_succeeds_on_any_route(demo):
    trial, users = demo
    client = client_for(users, "sponsor")
    data = {"reason": "x", "question": "x", "answer": "x", "password": "a-long-test-passphrase",
            "rationale": "x", "decision": "confirmed", "change_reason": "x"}
    succeeded = []
    for route in all_routes():
        if route.name in SIGN_IN_AND_OUT:
            continue  # anyone may post to these: a wrong sign-in shows the form again
        response = client.post(trial.url(route), data)
        if 200 <= response.status_code < 300:
            succeeded.append(f"{route}: {response.status_code}")
    assert not succeeded, succeeded
