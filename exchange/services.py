"""Importing a casebook bundle: parse, validate the whole of it, then write it in one
transaction (docs/spec/contract.md §2–§3)."""


from django.utils import timezone

from core.json_depth import JsonTooDeep, loads_bounded
from exchange.read import BundleProblems, read_bundle
from exchange.write import Progress, bundle_import


def parse_bundle(text: str | bytes):
    """JSON text as Python data; malformed JSON, or JSON nested deeper than any bundle is, is a
    bundle problem like any other."""
    try:
        return loads_bounded(text)
    except JsonTooDeep as exc:
        raise BundleProblems([f"bundle: {exc}"]) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BundleProblems([f"bundle: not valid JSON ({exc})"]) from exc


def bundle_import_json(data, *, replace: bool = False, by=None,
                         progress: Progress | None = None, confirm_soft_checks: str = ""):
    """Validate the whole bundle, then import it atomically as `by` (default: the system
    user). Raises BundleProblems. `confirm_soft_checks`: the reason that confirms the soft edit
    checks the bundle breaks (without it they are problems; docs/edit-checks.md)."""
    plan = read_bundle(data, today=timezone.localdate(), replacing=replace,
                       confirm_soft_checks=confirm_soft_checks)
    kwargs = {"progress": progress} if progress else {}
    return bundle_import(plan, replace=replace, by=by, **kwargs)
