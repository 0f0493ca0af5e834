"""A real browser against the live server: Debian's Chromium driven by Playwright.

Playwright cannot download its own browser on this network, so it drives the `chromium` package's
executable. Without it the tests skip and say why (on a newcomer's machine) or fail (CI=true;
`.ci/run` installs it). Screenshots land in test-artifacts/ for a human to look at.
"""

import re
from pathlib import Path

import pytest

from tests import factories
from tests.conftest import skip_or_fail

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PASSWORD = "a-long-test-passphrase"
# Long enough for a cold page on a busy CI machine, short enough to fail a hung page quickly.
TIMEOUT_MS = 15_000



@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module. Module scope, not session: while Playwright runs, Django
    must be told the test's own ORM calls are safe (below), and no other test may see that."""
    if not CHROMIUM.exists():
        skip_or_fail(f"the end-to-end tests need Debian's Chromium at {CHROMIUM} "
                     "(apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop in this thread; Django would then refuse the
    # test's ORM calls (factories, assertions) as "async-unsafe", although they run synchronously.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                  args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def screenshot(page, request):
    """`screenshot("patient-list")` saves test-artifacts/<test>--patient-list.png (full page)."""
    ARTIFACTS.mkdir(exist_ok=True)
    test_name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name)

    def take(label: str) -> Path:
        path = ARTIFACTS / f"{test_name}--{label}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def sign_in_on(page, username: str, password: str = PASSWORD):
    """Sign in on this tab through the real login form, as a person would."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def signed_in_tab(browser, live_server, username: str, *, width: int = 1280,
                  timeout_ms: int = TIMEOUT_MS):
    """A second person at another screen: their own browser context, signed in."""
    context = browser.new_context(base_url=live_server.url,
                                  viewport={"width": width, "height": 900})
    context.set_default_timeout(timeout_ms)
    tab = context.new_page()
    sign_in_on(tab, username)
    return context, tab


@pytest.fixture
def sign_in(page):
    """`sign_in("ana")` on the test's page."""
    return lambda username, password=PASSWORD: sign_in_on(page, username, password)


PREVIEW_DEBOUNCE_MS = 250  # hx-trigger's delay on the CRF forms' live preview


def preview_answered(page):
    """`with preview_answered(page): <open a CRF form>` returns once the form's live preview
    (htmx posts it on load) has been answered: a test must not end, and the live server's test
    database go away, while it is still being served."""
    return page.expect_response(lambda response: response.request.method == "POST"
                                and "_preview=1" in (response.request.post_data or ""))


@pytest.fixture
def save(page):
    """`save()` submits the CRF form on screen once its live preview has settled: the test
    database is one in-memory SQLite connection that the live server's threads share."""
    from playwright.sync_api import expect

    def submit():
        if page.locator("#derived-live").count():
            page.wait_for_timeout(PREVIEW_DEBOUNCE_MS + 50)
            expect(page.locator("#derived-live.htmx-request")).to_have_count(0)
        page.get_by_role("button", name="Save", exact=True).click()
        page.wait_for_load_state()

    return submit


@pytest.fixture
def coordinator_user(transactional_db):
    return factories.user("coordinator", username="ana", password=PASSWORD)


@pytest.fixture
def monitor_user(transactional_db):
    return factories.user("monitor", username="mona", password=PASSWORD)


@pytest.fixture
def infused_adverse_event(transactional_db):
    """RD-001, conditioned and infused, with a grade 3 CRS adverse event."""
    patient = factories.patient("RD-001")
    factories.lymphodepletion(patient)
    factories.infusion(patient)
    return factories.adverse_event(patient, grade=3)
