"""Security headers on every response, and pages that need no inline code, so that the
Content-Security-Policy can forbid it."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
INLINE_CODE = [
    re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
    re.compile(r"<style\b", re.I),
    re.compile(r"\sstyle=", re.I),
    re.compile(r"\son[a-z]+=", re.I),
    re.compile(r"javascript:", re.I),
    re.compile(r"\shx-on", re.I),
]


def directives(header: str) -> dict[str, set[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: set(values) for name, *values in parts}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["login", "healthz", "api-data-review"])
def test_every_response_carries_the_security_headers(client, url):
    response = client.get(reverse(url))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == {"'self'"}
    assert policy["script-src"] == {"'self'"} and policy["style-src"] == {"'self'"}
    assert policy["frame-ancestors"] == {"'none'"} and policy["object-src"] == {"'none'"}
    assert policy["form-action"] == {"'self'"}


def test_no_template_holds_inline_script_or_style():
    found = []
    for template in sorted((ROOT / "templates").rglob("*.html")):
        text = template.read_text()
        found += [f"{template.relative_to(ROOT)}: {rule.pattern}"
                  for rule in INLINE_CODE if rule.search(text)]
    assert not found, found


def test_the_vendored_htmx_is_told_not_to_inject_its_inline_style():
    base = (ROOT / "templates" / "base.html").read_text()
    assert '"includeIndicatorStyles": false' in base
