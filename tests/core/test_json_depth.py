"""JSON nested deeper than any document of the project is refused before it is parsed."""

import json

import pytest

from core.json_depth import MAX_JSON_DEPTH, JsonTooDeep, loads_bounded, nesting_depth
from exchange.demo_trial import demo_bundle


@pytest.mark.parametrize(("text", "depth"), [
    ("1", 0), ('"[[["', 0), ("[]", 1), ("[[1], {}]", 2), ('{"a": [1, {"b": "[[[["}]}', 3),
    (r'["\"[[", [[]]]', 3),  # an escaped quote does not end the string
    (r'["\\", [[]]]', 3),  # an escaped backslash before the closing quote
    ('["\\u005b", "é", {"k": ["x"]}]', 3),
])
def test_the_depth_counts_arrays_and_objects_not_brackets_in_strings(text, depth):
    assert nesting_depth(text) == depth == nesting_depth(text.encode())


def test_a_whole_bundle_is_well_within_the_limit():
    assert nesting_depth(json.dumps(demo_bundle(3, seed=1))) < MAX_JSON_DEPTH // 4


@pytest.mark.parametrize("deep", ["[" * 1000 + "]" * 1000,
                                  '{"a":' * 1000 + "1" + "}" * 1000,
                                  "[" * 100_000])  # not even closed
def test_a_document_nested_1000_levels_deep_is_refused_before_parsing(deep):
    with pytest.raises(JsonTooDeep, match=f"at most {MAX_JSON_DEPTH} are accepted"):
        loads_bounded(deep)


def test_up_to_the_limit_it_is_json_loads():
    at_limit = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert loads_bounded(at_limit) == json.loads(at_limit)
    with pytest.raises(JsonTooDeep):
        loads_bounded("[" + at_limit + "]")
    with pytest.raises(ValueError, match="Expecting"):
        loads_bounded("[{nope")
