"""The subject-ID rules and the check of the study's pattern. Pure: no database."""

import pytest

from core.subject_ids import DEFAULT_PATTERN, pattern_problem, subject_id_problem


@pytest.mark.parametrize("subject_id", ["RD-001", "DEMO-01", "RD-00001", "RD-100000", "AB-1",
                                        "ABCDEF-123456"])
def test_the_default_pattern_admits_the_trial_s_codes(subject_id):
    assert subject_id_problem(subject_id, DEFAULT_PATTERN) is None


@pytest.mark.parametrize(("subject_id", "named"), [
    ("RD/001", "'/' not allowed"),
    ("Jane Doe", "U+0020 SPACE not allowed"),
    ("<b>RD</b>", "'<', '>', '/' not allowed"),
    ("RD-\u202e001", "U+202E RIGHT-TO-LEFT OVERRIDE not allowed"),
    ("RD-\u200b001", "U+200B ZERO WIDTH SPACE not allowed"),
    ("\u0420D-001", "'Р' not allowed"),  # a Cyrillic Er, which looks like a Latin P
    ("=1+1", "'=', '+' not allowed"),
])
def test_an_id_that_could_break_a_page_is_refused_naming_the_characters(subject_id, named):
    problem = subject_id_problem(subject_id, r".*")
    assert "holds only ASCII letters, digits, '-' and '_', never a name" in problem
    assert named in problem


@pytest.mark.parametrize("subject_id", ["rd-001", "RD001", "RD-1234567", "R-001", "RD-001-B"])
def test_an_id_that_does_not_fit_the_pattern_is_refused_naming_it(subject_id):
    assert subject_id_problem(subject_id, DEFAULT_PATTERN) == (
        f"{subject_id!r} does not fit the study's subject-ID pattern {DEFAULT_PATTERN} "
        "(e.g. RD-001)")


@pytest.mark.parametrize("pattern", [DEFAULT_PATTERN, r"^RD-\d{3}$", r"(?i)rd-[0-9]+",
                                     r"^(RD|XY)_[0-9]{2,4}$", r"\w+", r"[A-Za-z0-9_-]{3,20}"])
def test_a_pattern_narrowing_the_safe_characters_is_accepted(pattern):
    assert pattern_problem(pattern) is None


@pytest.mark.parametrize(("pattern", "said"), [
    (".+", "any character ('.')"),
    ("[^/]+", "any character but '/'"),
    ("[^<>]+", "a negated class"),
    (r"\S+", r"(\W, \S or \D)"),
    (r"[A-Z]+\s[0-9]+", r"whitespace (\s)"),
    ("^[A-Z]{2} [0-9]+$", "U+0020 SPACE"),
    ("RD/[0-9]+", "'/'"),
    ("[!-~]+", "'!' (in the range '!'–'~')"),
    ("(RD|<X>)-[0-9]+", "'<'"),
    ("(?:RD-)?(?P<n>[0-9]+)(?(n)x|.)", "any character ('.')"),
])
def test_a_pattern_that_would_admit_an_unsafe_character_is_refused(pattern, said):
    problem = pattern_problem(pattern)
    assert said in problem
    assert "a pattern may only narrow those" in problem


def test_a_pattern_that_does_not_compile_is_refused_with_the_parser_s_reason():
    assert pattern_problem("^[A-Z]{2,6}-([0-9]+$") == (
        "'^[A-Z]{2,6}-([0-9]+$' is not a regular expression: missing ), unterminated "
        "subpattern at position 12")


@pytest.mark.parametrize("pattern", ["", "   "])
def test_a_blank_pattern_is_refused(pattern):
    assert pattern_problem(pattern).startswith("enter a regular expression")
