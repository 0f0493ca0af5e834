import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from exchange.demo_trial import demo_patients, demo_study
from exchange.progress import terminal_progress
from exchange.services import BundleProblems, bundle_import_json
from patients.models import Patient

MAX_PATIENTS = 100_000


class Command(BaseCommand):
    help = ("Load a synthetic trial shaped like the published CD7 CAR-T cohorts (deterministic "
            "for a seed), through the casebook import. Refuses a database that already holds "
            "patients unless --replace is given.")

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=20)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--replace", action="store_true",
                            help="Void the current clinical data first (kept, audited).")

    def handle(self, *args, patients, seed, replace, **options):
        if not 1 <= patients <= MAX_PATIENTS:
            raise CommandError(f"--patients {patients}: must be from 1 to {MAX_PATIENTS:,}")
        if not replace and Patient.objects.exists():
            raise CommandError("this database already holds patients: use --replace to void "
                               "them and load the demo trial instead")
        with terminal_progress("demo") as progress:
            rows, study = [], demo_study()
            for done, patient in enumerate(demo_patients(patients, seed, study,
                                                         settings.TIME_ZONE), start=1):
                rows.append(patient)
                if done % 500 == 0 or done == patients:
                    progress("patients generated", done)
            bundle = {"format": "edc-casebook", "version": 1, "study": study, "patients": rows}
            try:
                counts = bundle_import_json(bundle, replace=replace, progress=progress)
            except BundleProblems as problems:  # a generator bug: show it, do not hide it
                for problem in problems.problems[:50]:
                    self.stderr.write(problem)
                sys.exit(1)
        total = sum(counts.values())
        self.stdout.write(f"demo trial loaded: {patients} patients, {total} rows (seed {seed})")
