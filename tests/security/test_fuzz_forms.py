"""Hostile CRF form posts: a coordinator's POST of any values gets the form back with its errors
(200) or is saved (302), never a server error; a refused POST writes nothing."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casebook.crfs import CRFS
from tests import factories
from tests.crf_payloads import VALID, form_data
from tests.security.fuzzing import BAD_DATES, NUMBERS, TEXT, row_counts

pytestmark = pytest.mark.django_db

FIELD_VALUES = st.one_of(TEXT, NUMBERS.map(str), BAD_DATES, st.sampled_from(["on", "", "\x00"]))


@st.composite
def crf_posts(draw):
    """A CRF and its valid payload with some fields given random values and some left out."""
    slug = draw(st.sampled_from(sorted(CRFS)))
    fields = sorted(VALID[slug])
    changed = draw(st.lists(st.sampled_from(fields), min_size=1, max_size=len(fields),
                            unique=True))
    overrides = {name: draw(FIELD_VALUES) for name in changed}
    for name in draw(st.lists(st.sampled_from(fields), max_size=2, unique=True)):
        overrides[name] = None  # left out of the POST
    return slug, overrides


@pytest.fixture
def entry(client, coordinator, infused_patient):
    ae = factories.adverse_event(infused_patient)
    client.force_login(coordinator)
    return client, ae


def create_url(slug, ae) -> str:
    if CRFS[slug].parent == "adverse_event":
        return f"/patients/RD-001/adverse-event/{ae.pk}/{slug}/new/"
    if slug == "patient":
        return "/patients/new/"
    return f"/patients/RD-001/{slug}/new/"


@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(post=crf_posts())
def test_any_crf_post_is_answered_with_the_form_or_saved_never_a_server_error(entry, post):
    client, ae = entry
    slug, overrides = post
    before = row_counts()
    response = client.post(create_url(slug, ae), form_data(slug, **overrides))
    assert response.status_code in (200, 302), (slug, overrides, response.status_code)
    if response.status_code == 200:  # the form again: refused, so nothing may be written
        assert row_counts() == before
