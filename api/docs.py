"""The API's documentation pages (Swagger UI, ReDoc), served from this server and nowhere else.

The assets come from drf-spectacular-sidecar. The stock ReDoc page links Google Fonts and ReDoc
itself fetches its logo from its CDN; the page here drops the fonts, and a Content Security
Policy keeps either page from contacting any other host, whatever a future bundle tries.
"""

from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

OFFLINE_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' blob:",  # the pages' inline start-up scripts
    "worker-src 'self' blob:",  # ReDoc's search index runs in a worker
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
))


class OfflinePage:
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = OFFLINE_POLICY
        return response


class SwaggerPage(OfflinePage, SpectacularSwaggerView):
    pass


class RedocPage(OfflinePage, SpectacularRedocView):
    template_name = "api/redoc.html"
