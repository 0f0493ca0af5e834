import json

from django.core.management.base import BaseCommand

from endpoints.management.commands.recompute_endpoints import cutoff_argument
from endpoints.serving import data_review_report


class Command(BaseCommand):
    help = ("Print the data-review listing JSON (contract §5) for the cutoff, the same as "
            "GET /api/v1/reports/data-review/; recomputed first if the data changed.")

    def add_arguments(self, parser):
        parser.add_argument("--cutoff", help="Data cutoff YYYY-MM-DD (default: today).")

    def handle(self, *args, cutoff, **options):
        review = data_review_report(cutoff_argument(cutoff) if cutoff else None,
                                    recompute_if_stale=True)
        self.stdout.write(json.dumps(review, indent=1))
