"""The API's documentation pages render in Chromium from this server alone (no CDN)."""

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def _hosts_contacted(page) -> set[str]:
    """Every host the page sent a request to (data: and blob: URLs are in the page).

    A request the page's Content Security Policy blocks never leaves the browser, so it is not
    counted; any other failure (such as no route to a CDN from a closed network) is.
    """
    hosts: set[str] = set()

    def sent(request):
        url = urlparse(request.url)
        if url.scheme in ("http", "https"):
            hosts.add(url.netloc)

    def failed(request):
        if request.failure != "csp":
            sent(request)

    page.on("requestfinished", sent)
    page.on("requestfailed", failed)
    return hosts


def test_swagger_ui_lists_the_api_from_this_server(page, live_server, screenshot):
    hosts = _hosts_contacted(page)
    page.goto("/api/schema/swagger-ui/")
    expect(page.get_by_text("RD13-02 trial EDC API").first).to_be_visible()
    expect(page.get_by_text("/api/v1/pk-samples/").first).to_be_visible()
    expect(page.get_by_text("/api/v1/dlt-adjudications/").first).to_be_visible()
    screenshot("swagger-ui")
    assert hosts == {urlparse(live_server.url).netloc}


def test_redoc_renders_the_api_from_this_server(page, live_server, screenshot):
    hosts = _hosts_contacted(page)
    page.goto("/api/schema/redoc/")
    # ReDoc lays out the operations in batches after the first screen; with some sixty of them
    # on a busy machine the last batch can take longer than the default five seconds.
    heading = page.get_by_role("heading", name="Post PK results in bulk (central lab)")
    expect(heading).to_be_visible(timeout=30_000)
    screenshot("redoc")
    assert hosts == {urlparse(live_server.url).netloc}
