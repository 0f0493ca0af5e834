from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.accounts import AccountError, user_api_token, user_set_role
from core.roles import ROLES


class Command(BaseCommand):
    help = "Create or update a user in one role; with --token print an API token on the last line."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=ROLES)
        parser.add_argument("--password", help="Set this password (checked by the validators).")
        parser.add_argument("--name", default="", help="Full name, shown on e-signatures.")
        parser.add_argument("--token", action="store_true", help="Print an API token.")

    def handle(self, *args, username, role, password, name, token, **options):
        try:
            user, created = user_set_role(username=username, role=role, password=password,
                                          full_name=name)
        except (AccountError, ValidationError) as exc:
            messages = getattr(exc, "messages", [str(exc)])
            raise CommandError(f"{username}: {'; '.join(messages)}") from exc
        self.stdout.write(f"{'created' if created else 'updated'} {username} as {role}")
        if token:
            self.stdout.write(user_api_token(user))
