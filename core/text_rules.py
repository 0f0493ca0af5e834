"""Text that only looks written, and characters that hide or reorder what a reader sees. Pure.

Two rules, which every writer (browser forms, admin, API, casebook import) applies:

- Required text (a reason for change or for voiding, a query, a DLT rationale, an off-study
  reason) must hold something a reader can see. Text made only of spaces, zero-width characters,
  byte-order marks, bidirectional marks or other format characters is blank (`is_blank`):
  Python's `str.strip()` leaves U+200B ZERO WIDTH SPACE and U+FEFF in place, so a "reason" of one
  zero-width space would otherwise pass.
- An identifier or a code (subject ID, product lot, dose-level code, CTCAE term, protocol ID)
  may not hold a character that is invisible or reorders the text around it
  (`hidden_characters`). A bidirectional override makes one code display as another (the
  "Trojan Source" attack, CVE-2021-42574), and a zero-width space makes two different codes
  look identical (Unicode Technical Report #36, "Unicode Security Considerations").

Invisible here: Unicode's format characters (Cf: zero-width space and joiners, BOM, soft hyphen,
the bidirectional marks, embeddings, overrides and isolates, tags), controls (Cc), space and
line separators (Zs, Zl, Zp), variation selectors, and the fillers that render as nothing.
"""

import unicodedata

INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp"})
# Characters outside those categories that show nothing: the combining grapheme joiner, the
# Hangul and Khmer fillers, and the blank Braille pattern.
INVISIBLE_OTHERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0\u2800")
VARIATION_SELECTORS = (range(0xFE00, 0xFE10), range(0xE0100, 0xE01F0))
# What an identifier may hold of all the invisible characters: the plain space ("LOT 42").
PLAIN_SPACE = " "


def is_invisible(char: str) -> bool:
    """Whether one character shows nothing to a reader, or only changes how others show."""
    return (unicodedata.category(char) in INVISIBLE_CATEGORIES or char in INVISIBLE_OTHERS
            or any(ord(char) in selectors for selectors in VARIATION_SELECTORS))


def is_blank(text: str | None) -> bool:
    """True when `text` holds nothing visible: empty, or invisible characters only."""
    return not text or all(is_invisible(char) for char in text)


def character_name(char: str) -> str:
    """A character as the messages name it: `U+202E RIGHT-TO-LEFT OVERRIDE`."""
    return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')}"


def hidden_characters(text: str) -> list[str]:
    """The characters of `text` an identifier may not hold, named, once each, in order."""
    found = dict.fromkeys(char for char in text if char != PLAIN_SPACE and is_invisible(char))
    return [character_name(char) for char in found]
