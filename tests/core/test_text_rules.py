"""Text that only looks written, and characters an identifier may not hold. Pure: no database."""

import pytest

from core.text_rules import hidden_characters, is_blank

ZERO_WIDTH_SPACE, BOM, RLO, LRI, PDI = "\u200b", "\ufeff", "\u202e", "\u2066", "\u2069"


@pytest.mark.parametrize("text", [
    "", None, "   ", "\t\r\n", ZERO_WIDTH_SPACE, BOM, f" {ZERO_WIDTH_SPACE}{BOM} ",
    "\u200e\u200f", f"{RLO}{LRI}{PDI}", "\u00a0\u3000", "\u2028", "\u00ad", "\u3164", "\u2800",
    "\ufe0f", "\u034f", "\U000e0041",
])
def test_text_of_invisible_characters_only_is_blank(text):
    assert is_blank(text)


@pytest.mark.parametrize("text", [
    "source re-read", "x", f"{ZERO_WIDTH_SPACE}typo{ZERO_WIDTH_SPACE}", "é", "漢字", "0", "-",
    "\u0661",  # ARABIC-INDIC DIGIT ONE: a visible character of another script
])
def test_text_with_something_visible_is_not_blank(text):
    assert not is_blank(text)


@pytest.mark.parametrize(("text", "named"), [
    (f"RD-{RLO}100", ["U+202E RIGHT-TO-LEFT OVERRIDE"]),
    (f"L-{ZERO_WIDTH_SPACE}0042{ZERO_WIDTH_SPACE}", ["U+200B ZERO WIDTH SPACE"]),
    (f"{BOM}DL1", ["U+FEFF ZERO WIDTH NO-BREAK SPACE"]),
    (f"{LRI}DL1{PDI}", ["U+2066 LEFT-TO-RIGHT ISOLATE", "U+2069 POP DIRECTIONAL ISOLATE"]),
    ("Cytokine\u00a0release syndrome", ["U+00A0 NO-BREAK SPACE"]),
    ("L-1\t2", ["U+0009 unnamed character"]),
])
def test_an_identifier_s_hidden_characters_are_named_once_each(text, named):
    assert hidden_characters(text) == named


@pytest.mark.parametrize("text", ["RD-001", "LOT 42", "Cytokine release syndrome", "DL2",
                                  "Ünïcödé-Lot"])
def test_visible_characters_and_the_plain_space_are_allowed_in_an_identifier(text):
    assert hidden_characters(text) == []
