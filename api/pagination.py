"""Page-number pagination with a client-chosen page size, capped (settings.API_MAX_PAGE_SIZE)."""

from django.conf import settings
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination


class CappedPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    page_size_query_description = "Rows per page (default 100; capped at API_MAX_PAGE_SIZE)."

    @property
    def max_page_size(self):
        return settings.API_MAX_PAGE_SIZE

    def get_page_size(self, request):
        # DRF quietly falls back to the default for a bad value; a client's typo should show.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) > 0):
            raise exceptions.ValidationError(
                {self.page_size_query_param: f"{raw!r} is not a whole number of rows (1 or more)."})
        return super().get_page_size(request)

    def get_paginated_response_schema(self, schema):
        described = super().get_paginated_response_schema(schema)
        properties = described["properties"]
        properties["count"]["description"] = "Rows matching the filters, on all pages."
        properties["next"]["description"] = "URL of the next page; null on the last."
        properties["previous"]["description"] = "URL of the previous page; null on the first."
        properties["results"]["description"] = "This page's rows."
        return described

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters
