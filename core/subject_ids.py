"""Subject IDs: the pseudonymous codes that name patients on every page, URL, export and API row.
Pure: imports nothing from Django.

Two rules, and a check of the second:

- Whatever the study says, a subject ID is made of ASCII letters, digits, hyphens and
  underscores (`SAFE_CHARACTERS`): the characters of a URL path segment that need no escaping
  and mean nothing in HTML, CSV or a spreadsheet. A name with a space, a slash, markup, a
  letter of another script that looks like a Latin one (Unicode TR #36), an invisible character:
  all are refused before they reach a page.
- The study's pattern (`Study.subject_id_pattern`, a regular expression the whole ID must match)
  narrows that: by default two to six capitals, a hyphen and one to six digits, "RD-001".
- A pattern is accepted only if it compiles and can admit nothing but letters, digits, hyphens
  and underscores: the admin is told at once that `.+` or `[^/]+` would let a "/" or a name in,
  rather than finding out from the first refused ID. (A letter of another script, which `\\w`
  admits, is then refused by the first rule.)

The pattern is checked on new and changed IDs only: a pattern changed mid-trial does not make the
IDs already given invalid (see `Patient.clean`).
"""

import re
import re._constants as sre  # the parser's own vocabulary; see _unsafe_in
import re._parser as sre_parse

from core.text_rules import character_name, is_invisible

DEFAULT_PATTERN = r"^[A-Z]{2,6}-[0-9]{1,6}$"
EXAMPLE = "RD-001"
SAFE_CHARACTERS = re.compile(r"[A-Za-z0-9_-]+")
SAFE_WORDS = "ASCII letters, digits, '-' and '_'"
PATTERN_MAX_LENGTH = 200


def _shown(char: str) -> str:
    return character_name(char) if is_invisible(char) or not char.isprintable() else repr(char)


def subject_id_problem(subject_id: str, pattern: str) -> str | None:
    """Why `subject_id` cannot be given to a patient under `pattern`, or None."""
    if not subject_id:
        return "enter a subject ID"
    if not SAFE_CHARACTERS.fullmatch(subject_id):
        bad = dict.fromkeys(c for c in subject_id if not SAFE_CHARACTERS.fullmatch(c))
        return (f"{subject_id!r} is not a subject ID: one holds only {SAFE_WORDS}, never a "
                f"name ({', '.join(_shown(c) for c in bad)} not allowed)")
    try:
        fits = re.fullmatch(pattern, subject_id) is not None
    except re.error:  # only a pattern written past the admin's check (a raw UPDATE)
        return f"the study's subject-ID pattern {pattern!r} is not valid; an admin must correct it"
    if not fits:
        return (f"{subject_id!r} does not fit the study's subject-ID pattern {pattern} "
                f"(e.g. {EXAMPLE})")
    return None


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` cannot be the study's subject-ID pattern, or None."""
    if not pattern or not pattern.strip():
        return "enter a regular expression, e.g. " + DEFAULT_PATTERN
    if len(pattern) > PATTERN_MAX_LENGTH:
        return f"a pattern of at most {PATTERN_MAX_LENGTH} characters"
    try:
        parsed = sre_parse.parse(pattern)
    except re.error as error:
        return f"{pattern!r} is not a regular expression: {error}"
    unsafe = _unsafe_in(parsed)
    if unsafe:
        return (f"{pattern!r} would admit {unsafe}; a subject ID holds only {SAFE_WORDS}, "
                "so a pattern may only narrow those")
    return None


def _safe_char(code: int) -> bool:
    char = chr(code)
    return char in "-_" or char.isalnum()


_SAFE_CATEGORIES = {sre.CATEGORY_DIGIT, sre.CATEGORY_WORD}


def _unsafe_in(parsed) -> str | None:
    """What, if anything, the parsed pattern could match beyond letters, digits, '-' and '_'.

    A sound over-approximation read from Python's own regular-expression parser: every
    character any atom can match is checked, whatever the pattern's structure; lookarounds and
    anchors consume nothing and are skipped. (`re._parser` is private; the tests pin it.)
    """
    for op, av in parsed:
        found = None
        if op == sre.LITERAL:
            found = None if _safe_char(av) else _shown(chr(av))
        elif op == sre.NOT_LITERAL:
            found = f"any character but {_shown(chr(av))}"
        elif op == sre.ANY:
            found = "any character ('.')"
        elif op == sre.IN:
            found = _unsafe_in_class(av)
        elif op == sre.BRANCH:
            found = next(filter(None, (_unsafe_in(branch) for branch in av[1])), None)
        elif op == sre.SUBPATTERN:
            found = _unsafe_in(av[3])
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            found = _unsafe_in(av[2])
        elif op == sre.ATOMIC_GROUP:
            found = _unsafe_in(av)
        elif op == sre.GROUPREF_EXISTS:
            found = _unsafe_in(av[1]) or (_unsafe_in(av[2]) if av[2] else None)
        if found:
            return found
    return None


def _unsafe_in_class(items) -> str | None:
    for op, av in items:
        if op == sre.NEGATE:
            return "a negated class ([^…]), which matches '/', spaces and markup"
        if op == sre.LITERAL and not _safe_char(av):
            return _shown(chr(av))
        if op == sre.RANGE:
            low, high = av
            bad = next((code for code in range(low, high + 1) if not _safe_char(code)), None)
            if bad is not None:
                return f"{_shown(chr(bad))} (in the range {chr(low)!r}–{chr(high)!r})"
        if op == sre.CATEGORY and av not in _SAFE_CATEGORIES:
            return {sre.CATEGORY_SPACE: "whitespace (\\s)"}.get(
                av, "characters outside letters and digits (\\W, \\S or \\D)")
    return None
