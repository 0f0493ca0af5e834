"""Download endpoints: who may download what, and the command."""

import io
import zipfile

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from core.accounts import user_api_token
from tests import factories
from tests.exports.conftest import FREE_TEXT

pytestmark = pytest.mark.django_db
URLS = ["/api/v1/exports/sdtm.zip", "/api/v1/exports/odm.xml", "/api/v1/exports/forms.zip"]


def everything(content: bytes) -> str:
    """The text of a download: the XML, or every file of the archive."""
    if not zipfile.is_zipfile(io.BytesIO(content)):
        return content.decode("utf-8")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace")
                       for name in archive.namelist())


def client_for(role: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {user_api_token(factories.user(role))}")
    return client


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("role", ["monitor", "investigator", "admin"])
def test_monitors_investigators_and_admins_download_every_field(full_patient, url, role):
    response = client_for(role).get(url)
    assert response.status_code == 200
    assert "deidentified" not in response["Content-Disposition"]
    text = everything(response.content)
    assert all(free_text in text for free_text in FREE_TEXT if "sdtm" not in url)
    assert "RD-001" in text


@pytest.mark.parametrize("url", URLS)
@pytest.mark.requirement("CON-ROLE-04")
def test_sponsors_download_the_deidentified_share(full_patient, url):
    response = client_for("sponsor").get(url)
    assert response.status_code == 200
    assert "deidentified" in response["Content-Disposition"]
    text = everything(response.content)
    assert "RD-001" in text
    assert not [free_text for free_text in FREE_TEXT if free_text in text]


@pytest.mark.parametrize("url", URLS)
def test_coordinators_may_not_download_exports(full_patient, url):
    assert client_for("coordinator").get(url).status_code == 403


@pytest.mark.parametrize("url", URLS)
def test_anonymous_callers_get_401(url):
    response = APIClient().get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_a_signed_in_sponsor_downloads_with_the_session(client, full_patient):
    client.force_login(factories.user("sponsor"))
    response = client.get("/api/v1/exports/sdtm.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert {"dm.xpt", "pp.csv", "variables.csv"} <= set(archive.namelist())


def test_the_command_writes_sdtm_odm_and_forms(full_patient, tmp_path, capsys):
    call_command("export_sdtm", "--out", str(tmp_path), "--odm", "--forms", "--deidentified")
    assert (tmp_path / "sdtm" / "ae.xpt").exists() and (tmp_path / "sdtm" / "ae.json").exists()
    assert (tmp_path / "forms" / "adverse_event.csv").exists()
    odm = (tmp_path / "odm.xml").read_text()
    assert "RD-001" in odm and not [t for t in FREE_TEXT if t in odm]
    assert f"under {tmp_path}" in capsys.readouterr().out


def test_the_command_writes_only_sdtm_unless_asked(full_patient, tmp_path):
    call_command("export_sdtm", "--out", str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sdtm"]
