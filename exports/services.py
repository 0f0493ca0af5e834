"""The exports as files: load the trial once, build, package.

Call path: view / `manage.py export_sdtm` → these functions → `exports.loader` → the pure
builders. Who receives what (`export_scope`): monitors, investigators and admins every field;
sponsors the de-identified share (no free text, no names); coordinators nothing.
"""

from pathlib import Path

from django.utils import timezone

from core.roles import EXPORT_DEIDENTIFIED, VIEW_CRF, VIEW_REPORTS
from exports.dataset_json import dataset_json_files
from exports.define_xml import define_files
from exports.form_csv import forms_files
from exports.formats import zip_bytes
from exports.loader import load_export_data
from exports.odm import odm_xml, study_oid
from exports.sdtm import sdtm_datasets
from exports.sdtm_files import sdtm_files
from exports.specs import ExportData

FULL, DEIDENTIFIED = "full", "deidentified"
KINDS = ("sdtm", "odm", "forms")


def export_scope(user) -> str | None:
    """FULL for those who read every CRF and the reports, DEIDENTIFIED for sponsors, else None."""
    if user.has_perm(VIEW_CRF) and user.has_perm(VIEW_REPORTS):
        return FULL
    if user.has_perm(EXPORT_DEIDENTIFIED):
        return DEIDENTIFIED
    return None


def _files(kind: str, data: ExportData, deidentified: bool) -> dict[str, bytes]:
    if kind == "sdtm":
        datasets = sdtm_datasets(data, deidentified=deidentified)
        now = timezone.now()
        return sdtm_files(datasets) | dataset_json_files(
            datasets, created_at=now, study_oid=study_oid(data)) | define_files(
            datasets, study_oid=study_oid(data), study_name=data.study_id,
            study_description=data.study_title, created_at=now)
    if kind == "forms":
        return forms_files(data, deidentified=deidentified)
    return {"odm.xml": odm_xml(data, deidentified=deidentified, created_at=timezone.now())}


def export_bytes(kind: str, *, deidentified: bool) -> bytes:
    """"sdtm" and "forms" as a ZIP archive, "odm" as the XML document."""
    files = _files(kind, load_export_data(), deidentified)
    return files["odm.xml"] if kind == "odm" else zip_bytes(files)


def export_to_folder(out: Path, kinds: tuple[str, ...], *, deidentified: bool) -> list[Path]:
    """Write each kind's files under `out` (sdtm/, forms/, odm.xml) from one read of the data;
    returns the paths written."""
    data = load_export_data()
    written = []
    for kind in kinds:
        folder = out if kind == "odm" else out / kind
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in _files(kind, data, deidentified).items():
            path = folder / name
            path.write_bytes(content)
            written.append(path)
    return written
