import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exchange.progress import terminal_progress
from exchange.services import BundleProblems, bundle_import_json, parse_bundle


class Command(BaseCommand):
    help = ("Validate a whole casebook bundle and import it in one transaction; on any problem "
            "print every one with its JSON path and import nothing (exit 1).")

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--replace", action="store_true",
                            help="Void the trial's current clinical data first (kept, audited).")
        parser.add_argument("--confirm-soft-checks", metavar="REASON", default="",
                            help="Confirm, with this reason, every soft edit check the bundle "
                                 "breaks (each opens a system query; docs/edit-checks.md).")

    def handle(self, *args, path, replace, confirm_soft_checks, **options):
        try:
            text = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from exc
        try:
            with terminal_progress("importing") as progress:
                counts = bundle_import_json(parse_bundle(text), replace=replace,
                                            progress=progress,
                                            confirm_soft_checks=confirm_soft_checks)
        except BundleProblems as problems:
            for problem in problems.problems:
                self.stderr.write(problem)
            self.stderr.write(f"{len(problems.problems)} problem(s): nothing was imported.")
            sys.exit(1)
        for form, count in counts.items():
            self.stdout.write(f"{count:>9}  {form}")
        self.stdout.write(f"imported {path}" + (" (replacing the previous data)" if replace
                                                else ""))
