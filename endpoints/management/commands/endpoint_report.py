import json

from django.core.management.base import BaseCommand

from endpoints.management.commands.recompute_endpoints import cutoff_argument
from endpoints.serving import endpoint_report


class Command(BaseCommand):
    help = ("Print the endpoint report JSON of the latest snapshot for the cutoff, computing it "
            "if none is current (the same JSON as GET /api/v1/reports/endpoints/).")

    def add_arguments(self, parser):
        parser.add_argument("--cutoff", help="Data cutoff YYYY-MM-DD (default: today).")

    def handle(self, *args, cutoff, **options):
        report = endpoint_report(cutoff_argument(cutoff) if cutoff else None,
                                 recompute_if_stale=True)
        self.stdout.write(json.dumps(report, indent=1))
