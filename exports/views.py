"""Download endpoints of the exports (/api/v1/exports/…): token or session authentication.

Monitors, investigators and admins receive every field; sponsors the de-identified share;
coordinators 403; anonymous callers 401.
"""

from django.http import HttpResponse
from rest_framework.exceptions import PermissionDenied
from rest_framework.views import APIView

from .services import DEIDENTIFIED, export_bytes, export_scope

CONTENT = {"sdtm": ("application/zip", "zip"), "forms": ("application/zip", "zip"),
           "odm": ("application/xml", "xml")}


class ExportView(APIView):
    kind = ""

    def get(self, request):
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
