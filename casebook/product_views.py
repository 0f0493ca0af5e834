"""The RD13-02 product's master data in the browser: donors and lots, entered by coordinators.

Trial-level records (no patient): one page lists them (`/product/`), a form adds or edits one
(a reason on every edit, an out-of-date copy refused), and each has its audit trail. Every save
goes through `core.audit.record_save`; nothing is deleted. The admin offers the same records
with their history to admins and monitors.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from casebook.record_view import readable_trail
from core.audit import StaleRecordError, record_save
from core.roles import VIEW_CRF
from dosing.forms import DonorForm, ProductLotForm
from dosing.models import Donor
from dosing.selectors import lot_rows


@dataclass(frozen=True)
class MasterData:
    slug: str
    title: str
    form: type

    @property
    def model(self):
        return self.form._meta.model

    def may_write(self, user, adding: bool) -> bool:
        action = "add" if adding else "change"
        return user.has_perm(f"dosing.{action}_{self.model._meta.model_name}")


KINDS = {kind.slug: kind for kind in (MasterData("donor", "Donor", DonorForm),
                                      MasterData("lot", "Product lot", ProductLotForm))}


def _kind(slug: str) -> MasterData:
    if slug not in KINDS:
        raise Http404(f"No product record kind {slug!r}.")
    return KINDS[slug]


@login_required
@permission_required(VIEW_CRF, raise_exception=True)
def product_index(request):
    return render(request, "product/index.html", {
        "donors": Donor.objects.all(), "lots": lot_rows(),
        "may_add": {slug: kind.may_write(request.user, True) for slug, kind in KINDS.items()}})


@login_required
@permission_required(VIEW_CRF, raise_exception=True)
def product_edit(request, kind, record_pk=None):
    kind, pk = _kind(kind), record_pk
    if not kind.may_write(request.user, pk is None):
        raise PermissionDenied
    record = get_object_or_404(kind.model, pk=pk) if pk else kind.model()
    form = kind.form(request.POST or None, instance=record)
    if request.method == "POST" and form.is_valid():
        try:
            record_save(form.save(commit=False), by=request.user,
                        reason=form.cleaned_data.get("reason", ""), validate=False)
        except StaleRecordError as stale:
            form.data = form.data.copy()
            form.data["row_version"] = kind.model.objects.get(pk=pk).row_version
            form.add_error(None, str(stale))
        else:
            messages.success(request, f"{kind.title} saved.")
            return redirect("product:index")
    heading = f"{'Edit' if pk else 'Add'} {kind.title.lower()}"
    return render(request, "crf/form.html", {
        "form": form, "record": record, "heading": heading, "patient": None,
        "fields": [(field, []) for field in form.visible_fields() if field.name != "reason"]})


@login_required
@permission_required(VIEW_CRF, raise_exception=True)
def product_history(request, kind, record_pk):
    kind = _kind(kind)
    record = get_object_or_404(kind.model, pk=record_pk)
    return render(request, "product/history.html", {
        "kind": kind, "record": record,
        "trail": readable_trail(record, form_fields=kind.form._meta.fields)})
