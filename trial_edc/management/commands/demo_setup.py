import secrets

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from patients.models import Patient
from trial_edc.accounts import user_set_role
from trial_edc.roles import ROLES

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
            password = known.get(username) or secrets.token_urlsafe(12)
            user_set_role(username=username, role=role, password=password,
                          full_name=f"Demo {role.capitalize()}")
            known[username] = password
        _write_credentials(known)
        self.stdout.write("Demo users (also in var/demo-credentials.txt):")
        for username, password in known.items():
            self.stdout.write(f"  {username:<20} {password}")


def _read_credentials() -> dict[str, str]:
    if not CREDENTIALS_FILE.exists():
        return {}
    pairs = (line.split(maxsplit=1) for line in CREDENTIALS_FILE.read_text().splitlines() if line)
    return {name: password for name, password in pairs}


def _write_credentials(credentials: dict[str, str]) -> None:
    CREDENTIALS_FILE.parent.mkdir(parents=True, exist_ok=True)
    CREDENTIALS_FILE.write_text("".join(f"{u} {p}\n" for u, p in credentials.items()))
    CREDENTIALS_FILE.chmod(0o600)
