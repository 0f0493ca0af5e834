from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.accounts import api_token_revoke, api_token_rotate
from core.audit import system_user


class Command(BaseCommand):
    help = ("Rotate (a new key; the old one stops working at once) or revoke a user's API token, "
            "with a reason kept in the token's audit trail (attributed to the system user, as "
            "the server's other commands are). --rotate prints the new key on the last line.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--rotate", action="store_true", help="Issue a new key.")
        action.add_argument("--revoke", action="store_true", help="Stop the key; issue none.")
        parser.add_argument("--reason", default="", help="Why (required).")

    def handle(self, *args, username, rotate, revoke, reason, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"username: no user {username!r}")
        try:
            if rotate:
                key = api_token_rotate(user=user, by=system_user(), reason=reason)
            else:
                api_token_revoke(user=user, by=system_user(), reason=reason)
        except ValidationError as refused:
            raise CommandError("; ".join(
                f"{field}: {message}" for field, messages in refused.message_dict.items()
                for message in messages)) from refused
        if rotate:
            self.stdout.write(f"rotated the API token of {username}: the old key no longer "
                              "works; the new one follows")
            self.stdout.write(key)
        else:
            self.stdout.write(f"revoked the API token of {username}")
