"""JSON request bodies and bundles with a bounded nesting depth, measured without recursion.

Python's `json` parser recurses once per nested array or object: about a thousand levels
exhaust the interpreter's stack (RecursionError, a server error), and code walking the parsed
data recurses too. No document this project reads nests deeper than a handful of levels (a
casebook bundle: bundle → patients → patient → adverse events → event → CRS details), so a
document nested deeper than MAX_JSON_DEPTH is refused before it is parsed.

The depth is measured on the raw text by C-speed passes (escapes, then strings, dropped; the
brackets that remain counted), so it costs a fraction of the parse even for a whole trial.
"""

import json
import re
from itertools import accumulate

MAX_JSON_DEPTH = 32

_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_NOT_A_BRACKET = bytes(sorted(set(range(256)) - set(b"[]{}")))
# Opening brackets count +1, closing ones -1 (0xFF read as a signed byte).
_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


class JsonTooDeep(ValueError):
    """The document nests arrays and objects deeper than MAX_JSON_DEPTH."""

    def __init__(self, depth: int):
        self.depth = depth
        super().__init__(f"arrays and objects nested {depth} levels deep; at most "
                         f"{MAX_JSON_DEPTH} are accepted")


def nesting_depth(text: str | bytes) -> int:
    """How deep arrays and objects nest in `text` (0 for a bare value). Exact for valid JSON;
    for invalid JSON at least the depth a parser would reach before failing."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    if b"\\" in data:
        data = _ESCAPE.sub(b"", data)  # an escaped quote does not end its string
    # Without escapes, every other stretch between quotes is inside a string.
    outside_strings = b"".join(data.split(b'"')[::2])
    brackets = outside_strings.translate(None, _NOT_A_BRACKET)
    steps = memoryview(brackets.translate(_STEP)).cast("b")
    return max(accumulate(steps), default=0)


def loads_bounded(text: str | bytes, **options):
    """`json.loads`, refusing a document nested deeper than MAX_JSON_DEPTH (JsonTooDeep) before
    parsing it; malformed JSON raises json's own ValueError."""
    if (depth := nesting_depth(text)) > MAX_JSON_DEPTH:
        raise JsonTooDeep(depth)
    return json.loads(text, **options)
