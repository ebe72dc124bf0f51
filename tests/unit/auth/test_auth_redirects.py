"""return_to: only same-site relative paths survive; everything else lands on /learn."""

from __future__ import annotations

import pytest
from hhl.auth.redirects import safe_return_to

OPEN_REDIRECTS = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example",
    "//evil.example/learn",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "learn",
    "%2F%2Fevil.example",
    "/%2Fevil.example",
    "%252F%252Fevil.example",
    "%25252F%25252Fevil.example",
    "/%5Cevil.example",
    "/%255Cevil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/%09/evil.example",
    "/%0d%0aSet-Cookie:x=y",
    "/learn\r\nLocation: https://evil.example",
    "/\x00",
    "/ /evil.example",
    "/\u2215\u2215evil.example",
    "/\uff0f/evil.example",
    "https:%2F%2Fevil.example",
    "/learn?next=" + "a" * 512,
    "",
    None,
]


@pytest.mark.parametrize("value", OPEN_REDIRECTS)
def test_open_redirect_variants_fall_back_to_learn(value):
    assert safe_return_to(value) == "/learn"


@pytest.mark.parametrize(
    "value",
    [
        "/learn",
        "/learn/courses/network-like-a-hyperscaler",
        "/learn?tab=progress&x=1",
        "/learn#module-3",
        "/learn/a%20b",
        "/",
        "/learn/" + "a" * 500,
    ],
)
def test_same_site_paths_are_kept(value):
    assert safe_return_to(value) == value


def test_512_characters_is_the_limit():
    assert safe_return_to("/" + "a" * 511) == "/" + "a" * 511
    assert safe_return_to("/" + "a" * 512) == "/learn"
