"""Hostile casebook bundles: whatever is wrong with a bundle, the import answers with its
documented BundleProblems (every problem with its JSON path) and writes nothing."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchange.services import BundleProblems, bundle_import_json, parse_bundle
from tests.data import demo_casebook
from tests.security.fuzzing import TEXT, mutated_bundles, row_counts

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=50, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def import_or_problems(bundle, replace: bool) -> list[str] | None:
    try:
        bundle_import_json(bundle, replace=replace)
    except BundleProblems as problems:
        return problems.problems
    return None


@FUZZ
@given(bundle=mutated_bundles(demo_casebook()), replace=st.booleans())
def test_a_mutated_bundle_is_imported_whole_or_refused_with_nothing_written(db, bundle,
                                                                            replace):
    before = row_counts()
    problems = import_or_problems(bundle, replace)
    if problems is not None:
        assert problems and all(isinstance(p, str) and p for p in problems)
        assert row_counts() == before


@FUZZ
@given(text=st.one_of(TEXT, st.binary(max_size=40)))
def test_text_that_is_not_a_bundle_is_a_bundle_problem(db, text):
    before = row_counts()
    try:
        problems = import_or_problems(parse_bundle(text), replace=False)
    except BundleProblems as problems_in_json:
        problems = problems_in_json.problems
    assert problems
    assert row_counts() == before
