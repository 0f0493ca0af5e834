"""Download endpoints of the exports (/api/v1/exports/…): token or session authentication.

Monitors, investigators and admins receive every field; sponsors the de-identified share;
coordinators 403; anonymous callers 401.
"""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.views import APIView

from exports.services import DEIDENTIFIED, export_bytes, export_scope

CONTENT = {"sdtm": ("application/zip", "zip"), "forms": ("application/zip", "zip"),
           "odm": ("application/xml", "xml")}
DESCRIPTION = {
    "sdtm": ("CDISC SDTM datasets", "DM, EX, AE with SUPPAE, RS, PC, PP and DS, each as CSV, "
             "SAS transport v5 (XPT) and CDISC Dataset-JSON v1.1 (<domain>.json), with the "
             "variable-metadata sheet, in one zip."),
    "odm": ("CDISC ODM-XML 1.3.2", "The forms' metadata (study events, forms, item groups, "
            "items, code lists) and every current record of every subject."),
    "forms": ("CSV per form", "One CSV of current records per CRF, with a data dictionary, "
              "in one zip."),
}


class ExportView(APIView):
    kind = ""

    def get(self, request):
        return self.download(request)

    def download(self, request):
        scope = export_scope(request.user)
        if scope is None:
            raise PermissionDenied("Your role may not download data exports.")
        deidentified = scope == DEIDENTIFIED
        content_type, extension = CONTENT[self.kind]
        suffix = "-deidentified" if deidentified else ""
        response = HttpResponse(export_bytes(self.kind, deidentified=deidentified),
                                content_type=content_type)
        response["Content-Disposition"] = (f'attachment; filename="{self.kind}{suffix}.'
                                           f'{extension}"')
        response["Cache-Control"] = "no-store"
        return response


def export_view(kind: str):
    """The download view of one export, described for the OpenAPI schema."""
    summary, description = DESCRIPTION[kind]
    content_type = CONTENT[kind][0]

    class Download(ExportView):
        @extend_schema(
            summary=f"Download: {summary}", tags=["exports"], responses={
                (200, content_type): OpenApiTypes.BINARY},
            description=description + " Monitors, investigators and admins receive every "
            "field; sponsors the de-identified share (no free text, no staff names).")
        def get(self, request):
            return self.download(request)

    Download.kind = kind
    Download.__name__ = Download.__qualname__ = f"{kind.title()}ExportView"
    return Download.as_view()
