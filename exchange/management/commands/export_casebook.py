from pathlib import Path

from django.core.management.base import BaseCommand

from exchange.dump import dumps, export_bundle


class Command(BaseCommand):
    help = "Write every patient's data as a casebook bundle (keys sorted, stable order)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path, **options):
        bundle = export_bundle()
        path.write_text(dumps(bundle), encoding="utf-8")
        self.stdout.write(f"exported {len(bundle['patients'])} patients to {path}")
