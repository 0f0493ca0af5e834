"""Page-number pagination with a client-chosen page size, capped (settings.API_MAX_PAGE_SIZE)."""

from django.conf import settings
from rest_framework.pagination import PageNumberPagination


class CappedPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    page_size_query_description = "Rows per page (default 100; capped at API_MAX_PAGE_SIZE)."

    @property
    def max_page_size(self):
        return settings.API_MAX_PAGE_SIZE
