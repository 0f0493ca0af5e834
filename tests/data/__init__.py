"""Test data kept with the suite, so that a fresh clone needs nothing beside it.

`demo_casebook.json`: a small public casebook in the bundle format of docs/spec/contract.md §3:
three weight-based dose levels under BOIN and six patients (DEMO-01…06), five of them infused,
with adverse events, responses, an HSCT, two deaths, PK samples and one withdrawal before infusion.
"""

import json
from pathlib import Path

DEMO_CASEBOOK = Path(__file__).resolve().parent / "demo_casebook.json"


def demo_casebook() -> dict:
    """A fresh copy of the demo casebook, free for a test to change."""
    return json.loads(DEMO_CASEBOOK.read_text(encoding="utf-8"))
