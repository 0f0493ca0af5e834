from pathlib import Path

from django.core.management.base import BaseCommand

from exports.services import KINDS, export_to_folder


class Command(BaseCommand):
    help = ("Write the SDTM datasets (CSV, XPT v5, Dataset-JSON v1.1 and variables.csv) under "
            "OUT/sdtm/; with "
            "--odm also OUT/odm.xml, with --forms one CSV per form under OUT/forms/. Every "
            "field unless --deidentified (the sponsors' share).")

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path, help="folder to write into")
        parser.add_argument("--odm", action="store_true", help="also the ODM-XML 1.3.2 file")
        parser.add_argument("--forms", action="store_true", help="also one CSV per form")
        parser.add_argument("--deidentified", action="store_true",
                            help="leave out free text and names, as sponsors receive it")

    def handle(self, *args, out, odm, forms, deidentified, **options):
        kinds = tuple(k for k, wanted in zip(KINDS, (True, odm, forms), strict=True) if wanted)
        written = export_to_folder(out, kinds, deidentified=deidentified)
        self.stdout.write(f"Wrote {len(written)} files under {out}")
