"""The five roles of docs/spec/contract.md §6 as Django groups with permissions.

Each user holds exactly one role. Permissions are plain Django permissions, so views check
`user.has_perm(...)` and the admin, DRF and templates all read the same source of truth. The
groups are brought in line with this table after every `migrate`.
"""

from django.apps import apps
from django.contrib.auth.models import Group, Permission

COORDINATOR, INVESTIGATOR, MONITOR, SPONSOR, ADMIN = (
    "coordinator", "investigator", "monitor", "sponsor", "admin",
)
ROLES = (COORDINATOR, INVESTIGATOR, MONITOR, SPONSOR, ADMIN)

CRF_APPS = ("patients", "dosing", "labs", "safety", "efficacy", "pk")
# Models a role may see but whose rows come from elsewhere (settings, adjudications).
NOT_ENTERED_BY_COORDINATORS = {"dosing.doselevel", "safety.dltadjudication"}

# Custom permissions, declared on trial_edc.Study (see its Meta).
VIEW_CRF = "trial_edc.view_crf"
ENTER_CRF = "trial_edc.enter_crf"
VIEW_REPORTS = "trial_edc.view_reports"
VIEW_DATA_REVIEW = "trial_edc.view_data_review"
EXPORT_DEIDENTIFIED = "trial_edc.export_deidentified"
RAISE_QUERY = "trial_edc.raise_query"
ANSWER_QUERY = "trial_edc.answer_query"
VERIFY_SOURCE = "trial_edc.verify_source"
LOCK_FORM = "trial_edc.lock_form"
ADJUDICATE_DLT = "trial_edc.adjudicate_dlt"
SIGN_CASEBOOK = "trial_edc.sign_casebook"
MANAGE_STUDY = "trial_edc.manage_study"
IMPORT_CASEBOOK = "trial_edc.import_casebook"
EXPORT_CASEBOOK = "trial_edc.export_casebook"
# Declared on endpoints.DataCut (its Meta).
FREEZE_DATA_CUT = "endpoints.freeze_datacut"

CUSTOM_PERMISSIONS = (
    ("view_crf", "Can open case report forms and casebooks"),
    ("enter_crf", "Can enter and edit case report forms"),
    ("view_reports", "Can read endpoint reports"),
    ("view_data_review", "Can read the data-review listing"),
    ("export_deidentified", "Can export de-identified data"),
    ("raise_query", "Can raise, close and re-open data queries"),
    ("answer_query", "Can answer data queries"),
    ("verify_source", "Can mark forms source-data-verified"),
    ("lock_form", "Can lock and unlock forms"),
    ("adjudicate_dlt", "Can adjudicate DLT candidates with an e-signature"),
    ("sign_casebook", "Can sign a patient's casebook with an e-signature"),
    ("manage_study", "Can change protocol settings and dose levels"),
    ("import_casebook", "Can import whole casebook bundles"),
    ("export_casebook", "Can export whole casebook bundles"),
)


def _model_perms(actions, *, exclude=frozenset()):
    perms = set()
    for app_label in CRF_APPS:
        for model in apps.get_app_config(app_label).get_models():
            label = f"{app_label}.{model._meta.model_name}"
            if label in exclude or model._meta.model_name.startswith("historical"):
                continue
            perms |= {f"{app_label}.{action}_{model._meta.model_name}" for action in actions}
    return perms


def role_permissions() -> dict[str, set[str]]:
    """Permission codenames ("app.codename") per role, computed from the installed models."""
    read_crfs = _model_perms(["view"]) | {VIEW_CRF}
    reports = {VIEW_REPORTS, VIEW_DATA_REVIEW}
    return {
        COORDINATOR: read_crfs
        | _model_perms(["add", "change"], exclude=NOT_ENTERED_BY_COORDINATORS)
        | {ENTER_CRF, ANSWER_QUERY, VIEW_DATA_REVIEW},
        INVESTIGATOR: read_crfs | reports | {ADJUDICATE_DLT, SIGN_CASEBOOK, FREEZE_DATA_CUT},
        MONITOR: read_crfs | reports
        | {RAISE_QUERY, VERIFY_SOURCE, LOCK_FORM, EXPORT_DEIDENTIFIED, EXPORT_CASEBOOK,
           FREEZE_DATA_CUT},
        SPONSOR: {VIEW_REPORTS, VIEW_DATA_REVIEW, EXPORT_DEIDENTIFIED},
        ADMIN: read_crfs | reports | _model_perms(["add", "change"])
        | {MANAGE_STUDY, EXPORT_DEIDENTIFIED, IMPORT_CASEBOOK, EXPORT_CASEBOOK,
           "trial_edc.view_study", "trial_edc.change_study",
           "auth.view_user", "auth.add_user", "auth.change_user", "auth.view_group",
           # API tokens are rotated and revoked on a user's page; their changes are read here.
           "trial_edc.view_apitokenevent",
           # Who was told what, when (the notifications outbox): read-only in the admin.
           "notifications.view_notification",
           # Sign-in lockouts (django-axes): an admin reads them and resets one by deleting it.
           "axes.view_accessattempt", "axes.delete_accessattempt", "axes.view_accesslog"},
    }


# Staff (Django admin) access: admins manage; monitors read with the history visible.
STAFF_ROLES = {ADMIN, MONITOR}


def sync_role_groups(sender=None, **kwargs):
    """Make each role's group hold exactly the permissions of `role_permissions()`."""
    last_app = list(apps.get_app_configs())[-1]
    if sender is not None and sender.label != last_app.label:
        return  # wait until every app's permissions exist
    by_name = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type")
    }
    for role, names in role_permissions().items():
        group, _ = Group.objects.get_or_create(name=role)
        missing = sorted(n for n in names if n not in by_name)
        if missing:
            raise RuntimeError(f"role {role}: unknown permissions {missing}")
        group.permissions.set([by_name[n] for n in names])


def role_of(user) -> str | None:
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return ADMIN
    names = [g.name for g in user.groups.all() if g.name in ROLES]
    return names[0] if names else None


def role_context(request):
    """Template context: the signed-in user's role."""
    user = getattr(request, "user", None)
    return {"role": role_of(user) if user is not None else None}
