"""CSRF: a POST without the token is refused on every route before any view runs (Django's
middleware, and DRF for session-authenticated API calls). That every form that posts carries
the token is checked on every page each role's walk reaches (tests/security/test_every_page.py)."""

import pytest

from tests.security.routes import all_routes, client_for

pytestmark = pytest.mark.django_db

REFUSED = ("CSRF verification failed", "CSRF Failed")
DOC_PAGES = {"api-swagger-ui", "api-redoc"}


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
