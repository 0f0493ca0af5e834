from django.core.management.base import BaseCommand, CommandError

from endpoints.data_cuts import rederive_and_compare
from endpoints.models import DataCut


class Command(BaseCommand):
    help = ("Re-derive a frozen data cut's endpoint report and data-review listing from the audit "
            "trail as the data stood at its positions, and compare them with its snapshot byte "
            "for byte: prints \"match\", or fails naming the first difference. Writes nothing "
            "(docs/reports.md, \"Frozen data cuts\").")

    def add_arguments(self, parser):
        parser.add_argument("name", help="The data cut's name, as frozen.")

    def handle(self, *args, name, **options):
        cut = DataCut.objects.select_related("snapshot").filter(name=name).first()
        if cut is None:
            raise CommandError(f"name: there is no data cut named {name!r}.")
        difference = rederive_and_compare(cut)
        if difference is not None:
            raise CommandError(f"data cut {cut.name!r} differs from its re-derivation at "
                               f"{difference}")
        self.stdout.write(f"match: data cut {cut.name!r} (cutoff {cut.cutoff}, data version "
                          f"{cut.snapshot.data_version}) re-derived byte for byte")
