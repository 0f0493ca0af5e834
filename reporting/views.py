"""The report pages: the endpoint report with its plots, each plot's download, and the PDF.

Readers: the roles holding `VIEW_REPORTS` (investigators, monitors, sponsors, admins;
docs/spec/contract.md §6). Nothing here shows a CRF or a free-text field: the tables are numbers,
the plots carry the pseudonymous subject codes, and the data-review messages are written by the
rules.

A cutoff after today, before 1900 or not a date is refused (400) with the form's message; a
past cutoff's report is computed for the reader within their `report_on_demand` rate (429 and
the message beyond it), as the API does.
"""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from api.throttling import report_on_demand_gate
from core.esignature import SigningLockedOut, asks_user_id, lockout_page, sign_in_session
from core.esignature import signer_printed_name as printed_name_of
from core.models import Study
from core.roles import FREEZE_DATA_CUT, VIEW_CRF, VIEW_REPORTS
from endpoints.cutoffs import CutoffRefused
from endpoints.data_cuts import data_cut_freeze
from endpoints.models import DATA_CUT_MEANING, DataCut
from endpoints.serving import OnDemandRefused
from reporting.forms import CutoffForm, DataCutForm
from reporting.plots import (
    CONTENT_TYPES,
    PLOT_NAMES,
    PLOT_TITLES,
    svg_element,
    swimmer_pages,
    swimmer_span,
)
from reporting.services import DataCutReportData, ReportData, data_cut_label
from reporting.tables import review_table, summary_tables

PLAIN = "text/plain; charset=utf-8"


def _reader(view):
    return require_GET(login_required(permission_required(VIEW_REPORTS,
                                                          raise_exception=True)(view)))


def _read_cutoff(request):
    """The form and its cutoff (today when absent), or None for the cutoff when it is invalid."""
    form = CutoffForm(request.GET)
    return form, (form.cutoff_or_today() if form.is_valid() else None)


def _bad_cutoff(form) -> HttpResponse:
    return HttpResponseBadRequest(" ".join(form.errors["cutoff"]), content_type=PLAIN)


def _plain(text: str) -> HttpResponse:
    return HttpResponse(text, content_type=PLAIN)


def _too_many(refused: OnDemandRefused, response: HttpResponse) -> HttpResponse:
    response.status_code = 429
    response["Retry-After"] = str(max(1, round(refused.wait_seconds)))
    return response


def _report_data(request, cutoff) -> ReportData:
    return ReportData(cutoff, may_compute=report_on_demand_gate(request))


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# The plots are inline SVG, which matplotlib styles with <style> and style="" attributes: the
# site's policy forbids inline styles, so this page (and only this page) allows them. Scripts
# stay forbidden.
@csp_update({"style-src": [SELF, UNSAFE_INLINE]})
@_reader
def report_page(request):
    form, cutoff = _read_cutoff(request)
    if cutoff is None:
        return render(request, "reporting/report.html", {"form": form}, status=400)
    try:
        data = _report_data(request, cutoff)
    except OnDemandRefused as refused:
        return _too_many(refused, render(request, "reporting/report.html", {
            "form": CutoffForm(initial={"cutoff": cutoff}), "refusal": f"{refused}."}))
    return _report_page(request, data, form=CutoffForm(initial={"cutoff": cutoff}))


def _report_page(request, data: ReportData, **context):
    infused = data.report["populations"]["infused"]
    pages = swimmer_pages(infused)
    swimmer_page = _swimmer_page(request, pages)
    if swimmer_page is None:
        return render(request, "reporting/report.html", {
            **context, "refusal": f"swimmer: enter a page number from 1 to {pages}."},
            status=400)
    svgs = data.page_plots(swimmer_page)
    plots = [{"name": name, "title": PLOT_TITLES[name], "svg": svg_element(svgs[name])}
             for name in PLOT_NAMES]
    first, last = swimmer_span(swimmer_page, infused)
    return render(request, "reporting/report.html", {
        **context, "cutoff": data.cutoff, "data_cut": data.data_cut,
        "data_cut_label": data_cut_label(data.data_cut) if data.data_cut else "",
        "snapshot": data.report["snapshot"], "tables": summary_tables(data.report),
        "review": review_table(data.review), "plots": plots,
        "swimmer": {"page": swimmer_page, "pages": pages, "infused": infused,
                    "first": first, "last": last,
                    "previous": swimmer_page - 1 if swimmer_page > 1 else None,
                    "next": swimmer_page + 1 if swimmer_page < pages else None}})


def _swimmer_page(request, pages: int) -> int | None:
    """The page of the swimmer plot asked for (`?swimmer=`, the first when absent), or None
    when it is not a page number from 1 to `pages`."""
    asked = request.GET.get("swimmer", "1")
    if not (asked.isascii() and asked.isdigit()) or not 1 <= int(asked) <= pages:
        return None
    return int(asked)


@_reader
def plot_download(request, name: str):
    if name not in PLOT_NAMES:
        raise Http404(f"no plot named {name!r}")
    fmt = request.GET.get("format", "svg")
    if fmt not in CONTENT_TYPES:
        return HttpResponseBadRequest(f"format: {fmt!r} is not one of svg, png.",
                                      content_type=PLAIN)
    form, cutoff = _read_cutoff(request)
    if cutoff is None:
        return _bad_cutoff(form)
    try:
        body = _report_data(request, cutoff).plot(name, fmt)
    except OnDemandRefused as refused:
        return _too_many(refused, _plain(f"{refused}."))
    return _attachment(HttpResponse(body, content_type=CONTENT_TYPES[fmt]),
                       f"{name}-{cutoff.isoformat()}.{fmt}")


@_reader
def pdf_download(request):
    form, cutoff = _read_cutoff(request)
    if cutoff is None:
        return _bad_cutoff(form)
    try:
        body = _report_data(request, cutoff).pdf()
    except OnDemandRefused as refused:
        return _too_many(refused, _plain(f"{refused}."))
    return _attachment(HttpResponse(body, content_type="application/pdf"),
                       f"{Study.load().protocol_id}-endpoint-report-{cutoff.isoformat()}.pdf")


def _add_errors(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required(VIEW_REPORTS, raise_exception=True)
def data_cuts(request):
    """The frozen data cuts, newest first, each opening its report; for monitors and
    investigators, the form that freezes one with their e-signature. The reason for freezing is
    free text: shown to the roles that read CRFs, never to sponsors (contract §6)."""
    may_freeze = request.user.has_perm(FREEZE_DATA_CUT)
    if request.method == "POST" and not may_freeze:
        raise PermissionDenied
    form = DataCutForm(request.POST or None, asks_user_id=asks_user_id(request)) \
        if may_freeze else None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        user_id, password = data.pop("user_id", None), data.pop("password")
        try:
            cut = sign_in_session(request, lambda pw: data_cut_freeze(
                by=request.user, password=pw, **data), user_id=user_id, password=password)
        except SigningLockedOut:
            return lockout_page(request)
        except ValidationError as refused:
            _add_errors(form, refused)
        except CutoffRefused as refused:
            form.add_error("cutoff", str(refused))
        else:
            messages.success(request, f"Data cut \u201c{cut.name}\u201d frozen.")
            return redirect("reporting:data-cut", cut.pk)
    cuts = DataCut.objects.select_related("snapshot").order_by("-signed_at", "-pk")
    return render(request, "reporting/data_cuts.html", {
        "cuts": cuts, "form": form, "meaning": DATA_CUT_MEANING,
        "printed_name": printed_name_of(request.user),
        "shows_reasons": request.user.has_perm(VIEW_CRF)},
        status=400 if form is not None and form.errors else 200)


def _data_cut(cut_pk: int) -> DataCutReportData:
    return DataCutReportData(get_object_or_404(DataCut.objects.select_related("snapshot"),
                                               pk=cut_pk))


@csp_update({"style-src": [SELF, UNSAFE_INLINE]})
@_reader
def data_cut_report(request, cut_pk: int):
    """A frozen data cut's report page: its snapshot, named on the page."""
    return _report_page(request, _data_cut(cut_pk))


@_reader
def data_cut_plot(request, cut_pk: int, name: str):
    if name not in PLOT_NAMES:
        raise Http404(f"no plot named {name!r}")
    fmt = request.GET.get("format", "svg")
    if fmt not in CONTENT_TYPES:
        return HttpResponseBadRequest(f"format: {fmt!r} is not one of svg, png.",
                                      content_type=PLAIN)
    data = _data_cut(cut_pk)
    return _attachment(HttpResponse(data.plot(name, fmt), content_type=CONTENT_TYPES[fmt]),
                       f"{name}-data-cut-{cut_pk}.{fmt}")


@_reader
def data_cut_pdf(request, cut_pk: int):
    """The PDF for the safety review committee of a frozen data cut, named on every page."""
    data = _data_cut(cut_pk)
    return _attachment(HttpResponse(data.pdf(), content_type="application/pdf"),
                       f"{Study.load().protocol_id}-data-cut-{cut_pk}-"
                       f"{data.cutoff.isoformat()}.pdf")
