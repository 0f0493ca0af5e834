import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand

from core.accounts import user_set_role
from core.roles import ROLES
from patients.models import Patient

CREDENTIALS_FILE = settings.VAR_DIR / "demo-credentials.txt"


class Command(BaseCommand):
    help = ("Load the 20-patient demo trial into an empty database and create one demo user per "
            "role, printing their usernames and passwords (idempotent). For local demonstration "
            "only: never run this on a trial's production database.")

    def handle(self, *args, **options):
        if not Patient.all_objects.exists():
            call_command("seed_demo", patients=20, seed=1, stdout=self.stdout)
        known = _read_credentials()
        for role in ROLES:
            username = f"demo-{role}"
            full_name = f"Demo {role.capitalize()}"
            password = known.get(username) or _new_password(username, full_name)
            user_set_role(username=username, role=role, password=password, full_name=full_name)
            known[username] = password
        _write_credentials(known)
        self.stdout.write("Demo users (also in var/demo-credentials.txt):")
        for username, password in known.items():
            self.stdout.write(f"  {username:<20} {password}")


def _new_password(username: str, full_name: str) -> str:
    """A random password the validators accept. Their similarity check compares letters in any
    order, so a random draw is now and then "too similar" to the name: draw again."""
    first, _, last = full_name.partition(" ")
    user = get_user_model()(username=username, first_name=first, last_name=last)
    while True:
        candidate = secrets.token_urlsafe(12)
        try:
            validate_password(candidate, user)
        except ValidationError:
            continue
        return candidate


def _read_credentials() -> dict[str, str]:
    if not CREDENTIALS_FILE.exists():
        return {}
    pairs = (line.split(maxsplit=1) for line in CREDENTIALS_FILE.read_text().splitlines() if line)
    return {name: password for name, password in pairs}


def _write_credentials(credentials: dict[str, str]) -> None:
    CREDENTIALS_FILE.parent.mkdir(parents=True, exist_ok=True)
    CREDENTIALS_FILE.write_text("".join(f"{u} {p}\n" for u, p in credentials.items()))
    CREDENTIALS_FILE.chmod(0o600)
