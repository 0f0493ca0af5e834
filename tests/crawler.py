"""A breadth-first walk of the site as a signed-in person sees it: sign in through the login
form, start at `/`, and follow every same-site link (and every GET form, submitted as it comes)
by GET, recording what each page answered.

It ends on any site: each URL is requested once; the admin's changelists and the API's
listings offer a query string per sort, filter and page, so at most `QUERY_VARIANTS` of them are
followed per path; and the admin's view of one past version (`…/history/<version>/`) is read for
`VERSIONS_PER_MODEL` versions of each model, while every object's change and history pages are.
"""

import re
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlencode, urljoin, urlsplit

from django.test import Client

# What a browser asks for: the REST API then answers with its browsable HTML pages.
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
QUERY_VARIANTS = 2
VERSIONS_PER_MODEL = 2
ADMIN_VERSION = re.compile(r"^/admin/(\w+)/(\w+)/[^/]+/history/[^/]+/$")
NOT_PAGES = ("/static/", "/media/")
UNSENT_INPUTS = ("submit", "button", "image", "reset", "file")


class _Links(HTMLParser):
    """The `<a href>` targets of a page and the URLs its GET forms would submit as they come
    (each field's value, a select's chosen or first option, the checked boxes)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self._form: list | None = None  # the (name, value) pairs of the GET form being read
        self._action = ""
        self._select: dict | None = None
        self.post_forms = 0  # the POST forms of the page
        self.untokened_post_forms = 0  # of which without Django's CSRF token field
        self._post_form_token: bool | None = None  # inside a POST form: its token seen yet

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form" and (attrs.get("method") or "get").lower() == "get":
            self._form, self._action = [], (attrs.get("action") or "").split("?")[0]
        elif tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.post_forms += 1
            self._post_form_token = False
        elif self._form is not None:
            self._form_field(tag, attrs)
        elif (self._post_form_token is False and tag == "input"
              and attrs.get("name") == "csrfmiddlewaretoken" and attrs.get("value")):
            self._post_form_token = True

    def _form_field(self, tag, attrs):
        if tag == "select" and attrs.get("name"):
            self._select = {"name": attrs["name"], "value": None}
        elif tag == "option" and self._select is not None:
            if self._select["value"] is None or "selected" in attrs:
                self._select["value"] = attrs.get("value", "")
        elif tag == "input" and attrs.get("name") and attrs.get("type") not in UNSENT_INPUTS:
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self._form.append((attrs["name"], attrs.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form" and self._post_form_token is not None:
            self.untokened_post_forms += not self._post_form_token
            self._post_form_token = None
        elif tag == "select" and self._select is not None and self._form is not None:
            self._form.append((self._select["name"], self._select["value"] or ""))
            self._select = None
        elif tag == "form" and self._form is not None:
            query = urlencode(self._form)
            self.links.append(self._action + (f"?{query}" if query else ""))
            self._form = None


def same_site(href: str, base: str) -> str | None:
    """The path and query string `href` on the page at `base` leads to, if it is a page of
    this site (not another site, a `mailto:`, a static file)."""
    url, _fragment = urldefrag(urljoin(base, href.strip()))
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver"):
        return None
    if parts.path.startswith(NOT_PAGES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def read_page(html: str, base: str) -> _Links:
    """The page at `base`, read: its links and GET forms, and its POST forms."""
    parser = _Links()
    parser.feed(html)
    parser.links = [url for href in parser.links if (url := same_site(href, base))]
    return parser


def links_of(html: str, base: str) -> list[str]:
    """The same-site pages that the page at `base` leads to."""
    return read_page(html, base).links


@dataclass(frozen=True)
class Visit:
    url: str
    status: int
    location: str = ""  # where a redirect leads
    found_on: str = ""  # the page that linked here
    seconds: float = 0.0  # how long the page took, for finding a slow one
    post_forms: int = 0  # the forms on the page that POST
    untokened_post_forms: int = 0  # of which without the CSRF token


@dataclass
class Crawl:
    username: str
    visits: list[Visit] = field(default_factory=list)

    @property
    def urls(self) -> set[str]:
        return {visit.url for visit in self.visits}

    def server_errors(self) -> list[Visit]:
        return [visit for visit in self.visits if visit.status >= 500]


def sign_in(client: Client, username: str, password: str) -> None:
    """Through the login form, as a person does: its CSRF token, then a POST."""
    form = client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.content.decode())
    assert token, "the login page has no CSRF token"
    answer = client.post("/accounts/login/", {"username": username, "password": password,
                                              "csrfmiddlewaretoken": token.group(1)})
    assert answer.status_code == 302, f"{username} could not sign in: {answer.status_code}"


def _without_return_state(url: str) -> str:
    """The admin carries the changelist's sort and filters into each change page's links
    (`_changelist_filters`), only to go back to the same list: the same page."""
    path, _, query = url.partition("?")
    kept = [part for part in query.split("&") if part and
            not part.startswith("_changelist_filters=")]
    return path + ("?" + "&".join(kept) if kept else "")


class _Frontier:
    """The URLs still to visit, each once, within the limits on query strings and versions."""

    def __init__(self, start: str):
        self.queue = deque([(start, "")])
        self.seen = {start}
        self.variants: Counter = Counter()
        self.versions: Counter = Counter()

    def add(self, url: str, found_on: str) -> None:
        url = _without_return_state(url)
        if url in self.seen:
            return
        self.seen.add(url)
        path, _, query = url.partition("?")
        if query:
            self.variants[path] += 1
            if self.variants[path] > QUERY_VARIANTS:
                return
        version = ADMIN_VERSION.match(path)
        if version:
            self.versions[version.groups()] += 1
            if self.versions[version.groups()] > VERSIONS_PER_MODEL:
                return
        self.queue.append((url, found_on))


def crawl(username: str, password: str, start: str = "/", limit: int = 5000) -> Crawl:
    """Sign in as `username` and visit every page reachable from `start` by GET."""
    client = Client(raise_request_exception=False, enforce_csrf_checks=True,
                    HTTP_ACCEPT=BROWSER_ACCEPT)
    sign_in(client, username, password)
    result = Crawl(username)
    frontier = _Frontier(start)
    while frontier.queue:
        assert len(result.visits) < limit, f"more than {limit} pages: the crawl does not end"
        url, found_on = frontier.queue.popleft()
        started = time.perf_counter()
        response = client.get(url)
        seconds = time.perf_counter() - started
        location = response.get("Location", "")
        page = None
        if not location and response.get("Content-Type", "").startswith("text/html"):
            page = read_page(response.content.decode(), url)
        result.visits.append(Visit(url, response.status_code, location, found_on, seconds,
                                   page.post_forms if page else 0,
                                   page.untokened_post_forms if page else 0))
        if location:
            if target := same_site(location, url):
                frontier.add(target, url)
        elif page:
            for target in page.links:
                frontier.add(target, url)
    return result
