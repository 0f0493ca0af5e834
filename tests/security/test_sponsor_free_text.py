"""Sponsors never receive free text that may hold identifying details (docs/spec/contract.md §6,
CON-ROLE-04): no page or API response a sponsor may open, exports unpacked, carries the narratives,
reasons for change or query texts of the demo trial, which other roles do receive."""

import io
import zipfile

import pytest

from tests.security.routes import FREE_TEXT, all_routes, client_for

pytestmark = pytest.mark.django_db


def readable_text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":  # a zip export: every file in it
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "".join(archive.read(name).decode(errors="replace")
                           for name in archive.namelist())
    return body.decode(errors="replace")


def texts_served(demo, role) -> dict[str, str]:
    trial, users = demo
    client = client_for(users, role)
    served = {}
    for route in all_routes():
        response = client.get(trial.url(route))
        if response.status_code == 200:
            served[str(route)] = readable_text(response)
    return served


@pytest.mark.requirement("CON-ROLE-04")
def test_no_response_a_sponsor_gets_holds_free_text(demo):
    served = texts_served(demo, "sponsor")
    assert any(name.startswith("api-export") for name in served)  # the exports were read
    assert [name for name, text in served.items() if FREE_TEXT in text] == []


def test_a_monitor_does_get_that_free_text(demo):
    # The same walk as a monitor finds it: the sponsor's answers are clean because they leave
    # it out, not because it was never there.
    served = texts_served(demo, "monitor")
    assert any(FREE_TEXT in text for name, text in served.items() if "export" in name)
