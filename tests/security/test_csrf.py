"""CSRF: every form that posts carries the token, and a POST without it is refused on every
route before any view runs (Django's middleware, and DRF for session-authenticated API calls)."""

import re

import pytest

from tests.security.routes import all_routes, client_for

pytestmark = pytest.mark.django_db

POST_FORM = re.compile(r"<form\b[^>]*\bmethod=[\"']?post[\"']?[^>]*>(.*?)</form>", re.I | re.S)
TOKEN_FIELD = 'name="csrfmiddlewaretoken"'
REFUSED = ("CSRF verification failed", "CSRF Failed")
DOC_PAGES = {"api-swagger-ui", "api-redoc"}


@pytest.mark.parametrize("role", ["admin", "coordinator", "investigator", "monitor"])
def test_every_post_form_on_every_page_carries_the_csrf_token(demo, role):
    trial, users = demo
    client = client_for(users, role)
    forms, missing = 0, []
    for route in all_routes():
        response = client.get(trial.url(route))
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for body in POST_FORM.findall(response.content.decode()):
            forms += 1
            if TOKEN_FIELD not in body:
                missing.append(str(route))
    assert forms >= 10, f"only {forms} forms seen: the walk is not reaching the pages"
    assert not missing, missing


@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_a_post_without_the_token_is_refused_on_every_route(demo, role):
    trial, users = demo
    client = client_for(users, role, enforce_csrf_checks=True)
    accepted = []
    for route in all_routes():
        response = client.post(trial.url(route), {"reason": "x", "password": "x"})
        body = response.content.decode(errors="replace")
        if route.name in DOC_PAGES:
            # GET-only pages whose HTML renderer shows no error text: the session's CSRF
            # refusal is a bare 403, and without a session the method is refused (405).
            refused = response.status_code in (403, 405)
        elif route.pattern.startswith("api/") and role == "anonymous":
            # No session, so no CSRF to check: the API asks for credentials instead, or the
            # route takes no POST from anyone (the public schema, unknown API paths).
            refused = response.status_code in (401, 403, 405)
        else:
            refused = response.status_code == 403 and any(text in body for text in REFUSED)
        if not refused:
            accepted.append(f"{route}: {response.status_code}")
    assert not accepted, accepted
