"""Browser fixtures: one Debian Chromium per test session, a fresh context (cookies, storage) per test.
Playwright's sync API allows one instance per thread, so every browser test uses these. And one stack over the
test content tree beside a site of the tests' own pages (`page_site_and_stack`), for the theme's pages.

Never `playwright install`: Playwright drives the distribution's chromium through executable_path.
"""

from __future__ import annotations

import shutil

import pytest

from kit.fake_http import fake_http_server
from local.launcher import free_ports, launch_stack
from tests.browser.site_fixtures import PageSite
from tests.browser.site_page import new_learner, sign_in
from tests.catalog_dirs import FIXTURE_CONTENT

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def chromium():
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("chromium is absent: install Debian's chromium (tools/ensure-system-deps.sh) to run this test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(chromium):
    context = chromium.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture(scope="session")
def page_site_and_stack(tmp_path_factory):
    """(site, stack): the tests' own pages on their loopback server (tests/browser/site_fixtures.PageSite; each
    module defines `site_pages`), and a stack serving the test content tree that allows the site's origin."""
    (port,) = free_ports(1)
    site = PageSite(port)
    state = tmp_path_factory.mktemp("page-site-stack")
    with (
        fake_http_server(site.answer, port),
        launch_stack(state, HHL_CONTENT_DIR=str(FIXTURE_CONTENT), HHL_ALLOWED_ORIGINS=site.origin) as stack,
    ):
        site.api = stack["site_api_url"]
        yield site, stack


@pytest.fixture
def site_and_stack(page_site_and_stack, request):
    """page_site_and_stack, its site serving the test module's own pages: `site_pages(path, api_base)`."""
    site, stack = page_site_and_stack
    site.pages = request.module.site_pages
    return site, stack


@pytest.fixture
def signed_in_page(site_and_stack, context):
    """A page of a new learner, signed in on the demo site (the session cookies belong to the API's host)."""
    _, stack = site_and_stack
    page = context.new_page()
    sign_in(page, stack, new_learner(stack, "page", "Paige", "Page"))
    return page
