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
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from api.throttling import report_on_demand_gate
from core.models import Study
from core.roles import VIEW_REPORTS
from endpoints.serving import OnDemandRefused
from reporting.forms import CutoffForm
from reporting.plots import (
    CONTENT_TYPES,
    PLOT_NAMES,
    PLOT_TITLES,
    svg_element,
    swimmer_pages,
    swimmer_span,
)
from reporting.services import ReportData
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
    infused = data.report["populations"]["infused"]
    pages = swimmer_pages(infused)
    swimmer_page = _swimmer_page(request, pages)
    if swimmer_page is None:
        return render(request, "reporting/report.html", {
            "form": CutoffForm(initial={"cutoff": cutoff}),
            "refusal": f"swimmer: enter a page number from 1 to {pages}."}, status=400)
    svgs = data.page_plots(swimmer_page)
    plots = [{"name": name, "title": PLOT_TITLES[name], "svg": svg_element(svgs[name])}
             for name in PLOT_NAMES]
    first, last = swimmer_span(swimmer_page, infused)
    return render(request, "reporting/report.html", {
        "form": CutoffForm(initial={"cutoff": cutoff}), "cutoff": cutoff,
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
