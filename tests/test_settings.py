"""Settings come from the environment; production settings are secure. Each case imports the
settings in a fresh interpreter, as a deployment would."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.requirement("CON-MAKE-04")

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50),
              "ALLOWED_HOSTS": "edc.example.org"}


def run(code: str, env: dict, tmp_path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL",
                          "ALLOWED_HOSTS"}}
    clean.update({"VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "trial_edc.settings", **env})
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True,
                          text=True, timeout=120)


def settings_seen(env: dict, tmp_path, *names) -> dict:
    code = ("import json; from django.conf import settings as s; "
            f"print(json.dumps({{n: str(getattr(s, n, None)) for n in {list(names)!r}}}))")
    result = run(code, env, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_debug_a_secret_key_is_required(tmp_path):
    result = run("from django.conf import settings; settings.SECRET_KEY", {}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_the_embedded_defaults_are_sqlite_in_the_checkout_and_eager_celery(tmp_path):
    seen = settings_seen({"DEBUG": "true"}, tmp_path, "DATABASES", "CELERY_TASK_ALWAYS_EAGER")
    assert "django.db.backends.sqlite3" in seen["DATABASES"]
    assert str(tmp_path / "edc.sqlite3") in seen["DATABASES"]
    assert seen["CELERY_TASK_ALWAYS_EAGER"] == "True"


def test_database_and_broker_urls_are_read(tmp_path):
    seen = settings_seen({**PRODUCTION, "DATABASE_URL": "postgres://edc:pw@db:5432/edc",
                          "CELERY_BROKER_URL": "redis://redis:6379/0"}, tmp_path,
                         "DATABASES", "CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_URL")
    assert "'ENGINE': 'django.db.backends.postgresql'" in seen["DATABASES"]
    assert "'HOST': 'db'" in seen["DATABASES"]
    assert seen["CELERY_TASK_ALWAYS_EAGER"] == "False"
    assert seen["CELERY_BROKER_URL"] == "redis://redis:6379/0"


def test_production_turns_the_security_settings_on(tmp_path):
    seen = settings_seen(PRODUCTION, tmp_path, "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
                         "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "ALLOWED_HOSTS")
    assert seen == {"SESSION_COOKIE_SECURE": "True", "CSRF_COOKIE_SECURE": "True",
                    "SECURE_SSL_REDIRECT": "True", "SECURE_HSTS_SECONDS": "31536000",
                    "ALLOWED_HOSTS": "['edc.example.org']"}


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    code = ("import django; django.setup(); from django.core.management import call_command; "
            "call_command('check', deploy=True, fail_level='WARNING')")
    result = run(code, PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_malformed_boolean_is_an_error_naming_the_variable(tmp_path, value):
    result = run("from django.conf import settings; settings.DEBUG", {"DEBUG": value}, tmp_path)
    assert f"DEBUG={value!r}: expected true/false" in result.stderr
