"""Who gets the friendly redirect, and where it points (hhl/auth/sign_in_errors.py)."""

from __future__ import annotations

import pytest
from hhl.auth.sign_in_errors import HostedUiError, is_browser_navigation, site_error_url
from hhl.config import settings

HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    ("headers", "navigation"),
    [
        ({"sec-fetch-mode": "navigate", "accept": HTML}, True),  # every current browser's navigation
        ({"accept": HTML}, True),  # a browser too old for Fetch Metadata
        ({"sec-fetch-mode": "cors", "accept": "*/*"}, False),  # fetch() from a page
        ({"sec-fetch-mode": "navigate", "accept": "application/json"}, False),  # asked for JSON: gets JSON
        ({"accept": "*/*"}, False),  # curl, requests
        ({}, False),
    ],
)
def test_browser_navigation_is_told_apart_from_api_clients(headers, navigation):
    assert is_browser_navigation({"headers": headers}) is navigation


@pytest.mark.parametrize(
    ("return_to", "url"),
    [
        (None, "/learn?auth_error=session_expired"),
        ("/learn/courses/x", "/learn/courses/x?auth_error=session_expired"),
        ("/learn/x?tab=a%20b&q=1", "/learn/x?tab=a%20b&q=1&auth_error=session_expired"),  # its query kept as sent
        ("/learn/x?auth_error=access_denied&q=1", "/learn/x?q=1&auth_error=session_expired"),  # a stale code replaced
        ("/learn/x#module-2", "/learn/x?auth_error=session_expired#module-2"),
    ],
)
def test_the_error_url_is_the_return_path_with_the_code(service_env, return_to, url):
    settings.cache_clear()
    assert site_error_url(return_to, "session_expired") == settings().site_base_url + url


@pytest.mark.parametrize(
    ("oauth_error", "code", "shown"),
    [
        ("access_denied", "access_denied", "access_denied"),
        ("temporarily_unavailable", "service_unavailable", "temporarily_unavailable"),
        ("invalid_scope", "sign_in_failed", "invalid_scope"),
        ("<img src=x>", "sign_in_failed", "unknown_error"),  # nothing attacker-chosen is reflected
    ],
)
def test_hosted_ui_errors_map_to_documented_codes(oauth_error, code, shown):
    error = HostedUiError(oauth_error)
    assert (error.status, error.auth_error) == (400, code)
    assert f"({shown})" in error.message
