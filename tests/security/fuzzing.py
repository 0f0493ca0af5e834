"""Hypothesis strategies for hostile input: values of every JSON type and of none, dates that do
not exist, numbers out of any range, unicode of all kinds."""

import copy

from django.apps import apps
from hypothesis import strategies as st

# Text a browser or a program could send: any character a UTF-8 request can carry.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
BAD_DATES = st.sampled_from(["2024-02-30", "2024-13-01", "0000-01-01", "9999-12-31", "24-3-1",
                             "2024-03-01T25:00", "yesterday", "", "2024-03-01Z", "١٩٧٠-٠١-٠١"])
NUMBERS = st.one_of(st.integers(min_value=-(10**20), max_value=10**20),
                    st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([0, -1, 101, 1e308, -0.0, 2**63]))
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT, BAD_DATES)
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)), max_leaves=6)


def _paths(node, prefix=()):
    """Every place in a JSON document, as a tuple of keys and indices."""
    children = node.items() if isinstance(node, dict) else (
        enumerate(node) if isinstance(node, list) else ())
    for key, child in children:
        yield prefix + (key,)
        yield from _paths(child, prefix + (key,))


@st.composite
def mutated_bundles(draw, bundle: dict):
    """`bundle` with one to three places given a wrong value, removed, or given an unknown key."""
    mutated = copy.deepcopy(bundle)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(_paths(mutated))))
        parent = mutated
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "remove", "unknown key"]))
        if action == "remove":
            del parent[path[-1]]
        elif action == "unknown key" and isinstance(parent, dict):
            parent["x-" + draw(TEXT)] = draw(JSON_VALUES)  # no bundle key starts so
        else:
            parent[path[-1]] = draw(JSON_VALUES)
    return mutated


def row_counts() -> dict[str, int]:
    """Rows of every table, the audit history tables included."""
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}
