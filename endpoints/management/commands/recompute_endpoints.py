from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from endpoints.cutoffs import cutoff_refusal
from endpoints.snapshots import recompute


def cutoff_argument(value: str) -> date:
    """The --cutoff date, under the rule every report applies (1900-01-01 to today)."""
    try:
        cutoff = date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--cutoff {value!r}: expected a date YYYY-MM-DD") from exc
    if refusal := cutoff_refusal(cutoff, today=timezone.localdate()):
        raise CommandError(f"--{refusal}")
    return cutoff


class Command(BaseCommand):
    help = "Compute every endpoint synchronously, store a snapshot and print a one-line summary."

    def add_arguments(self, parser):
        parser.add_argument("--cutoff", help="Data cutoff YYYY-MM-DD (default: today).")

    def handle(self, *args, cutoff, **options):
        snapshot = recompute(cutoff_argument(cutoff) if cutoff else None)
        report = snapshot.report
        populations = report["populations"]
        self.stdout.write(
            f"endpoints at {snapshot.cutoff}: {populations['enrolled']} enrolled, "
            f"{populations['infused']} infused, {populations['dlt_evaluable']} DLT-evaluable; "
            f"data version {snapshot.data_version}; computed in {snapshot.duration_ms:.0f} ms")
