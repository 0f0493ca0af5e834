"""The casebook bundle: the project's exchange format for whole trials (docs/spec/contract.md
§3)."""

from django.utils import timezone

from trial_edc.json_depth import JsonTooDeep, loads_bounded

from .read import BundleProblems, read_bundle
from .write import Progress, casebook_import

__all__ = ["BundleProblems", "casebook_import_json", "parse_bundle"]


def parse_bundle(text: str | bytes):
    """JSON text as Python data; malformed JSON, or JSON nested deeper than any bundle is, is a
    bundle problem like any other."""
    try:
        return loads_bounded(text)
    except JsonTooDeep as exc:
        raise BundleProblems([f"bundle: {exc}"]) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BundleProblems([f"bundle: not valid JSON ({exc})"]) from exc


def casebook_import_json(data, *, replace: bool = False, by=None,
                         progress: Progress | None = None):
    """Validate the whole bundle, then import it atomically as `by` (default: the system
    user). Raises BundleProblems."""
    plan = read_bundle(data, today=timezone.localdate(), replacing=replace)
    kwargs = {"progress": progress} if progress else {}
    return casebook_import(plan, replace=replace, by=by, **kwargs)
