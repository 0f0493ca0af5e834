"""The production shape (docker-compose.yml) and the newcomer's path (make run), checked as files
and as a real server. No Docker engine runs here, so the compose file is checked for structure."""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.mark.requirement("CON-MAKE-03")
def test_compose_runs_the_five_services_of_the_production_shape():
    services = compose()["services"]
    assert set(services) == {"db", "redis", "web", "worker", "beat"}
    assert services["db"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    assert "gunicorn" in " ".join(services["web"]["command"])
    assert services["worker"]["command"][:4] == ["celery", "-A", "trial_edc", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "trial_edc", "beat"]


@pytest.mark.requirement("CON-MAKE-03")
def test_every_service_has_a_health_check_and_state_lives_in_named_volumes():
    config = compose()
    for name, service in config["services"].items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
        for volume in service.get("volumes", []):
            assert volume.split(":")[0] in config["volumes"], f"{name}: {volume} is not named"


@pytest.mark.requirement("CON-MAKE-03")
def test_the_app_services_run_with_production_settings():
    for name in ("web", "worker", "beat"):
        env = compose()["services"][name]["environment"]
        assert env["DEBUG"] == "false"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["CELERY_BROKER_URL"].startswith("redis://")
        assert "?" in env["SECRET_KEY"], "the secret key must be required, not defaulted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.requirement("CON-MAKE-01")
def test_a_fresh_checkout_migrates_creates_demo_users_and_serves_the_login_page(tmp_path):
    # given an empty data directory, as on a fresh clone
    env = {**os.environ, "DEBUG": "true", "VAR_DIR": str(tmp_path), "DATABASE_URL": "",
           "CELERY_BROKER_URL": "", "SECRET_KEY": secrets.token_urlsafe(40)}
    manage = [sys.executable, "manage.py"]
    # when the steps of `make run` are taken
    subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=300)
    demo = subprocess.run([*manage, "demo_setup"], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True, timeout=120)
    port = free_port()
    server = subprocess.Popen([*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        page = _get_when_up(f"http://127.0.0.1:{port}/accounts/login/")
    finally:
        server.terminate()
        server.wait(timeout=30)
    # then the demo users are printed and the login page is served
    assert all(f"demo-{role}" in demo.stdout for role in
               ("coordinator", "investigator", "monitor", "sponsor", "admin"))
    assert "Sign in" in page
    assert (tmp_path / "edc.sqlite3").exists()


def _get_when_up(url: str, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
