"""The five auth endpoints called in-process as a browser would: the local API Gateway router, the login
transaction cookie carried from /auth/login to /auth/callback, and every Set-Cookie checked for its flags
(kit.sign_in.check_set_cookie). The fixtures of tests/unit/auth/conftest.py build these."""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass

from kit.sign_in import check_set_cookie
from local.api_gateway import Router, build_event, match_route

SITE = "http://127.0.0.1:3000"
# What a browser sends when the hosted UI redirects it back to /auth/callback (a cross-site top-level navigation).
NAVIGATION = {
    "sec-fetch-mode": "navigate",
    "sec-fetch-site": "cross-site",
    "accept": "text/html,application/xhtml+xml,*/*;q=0.8",
}
SECRET = "unit-test-secret-that-is-at-least-32-characters-long"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    set_cookies: dict[str, tuple[str, dict[str, str]]]  # name -> (value, attributes)
    body: object

    @property
    def location(self) -> urllib.parse.SplitResult:
        return urllib.parse.urlsplit(self.headers["location"])

    @property
    def query(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(self.location.query))

    def cleared(self, name: str) -> bool:
        return name in self.set_cookies and self.set_cookies[name][0] == ""


class AuthApi:
    def __init__(self, router: Router):
        self.router = router

    def request(self, method, path, query=None, cookies=None, headers=None) -> Reply:
        route, params = match_route(self.router.routes, method, path)
        header_list = list((headers or {}).items())
        if cookies:
            header_list.append(("cookie", "; ".join(f"{k}={v}" for k, v in cookies.items())))
        event = build_event(route, params, method, path, urllib.parse.urlencode(query or {}), header_list, b"")
        status, response_headers, set_cookies, data = self.router.invoke(route, event)
        assert status != 500, data
        parsed = {}
        for header in set_cookies:
            name, value, attrs = check_set_cookie(header)
            parsed[name] = (value, attrs)
        return Reply(status, response_headers, parsed, json.loads(data) if data else None)

    def login(self, return_to: str | None = None) -> Reply:
        return self.request("GET", "/auth/login", query={"return_to": return_to} if return_to else None)

    def callback(self, query: dict, login_cookie: str | None, headers: dict | None = None) -> Reply:
        cookies = {"__Host-hhl_login": login_cookie} if login_cookie else None
        return self.request("GET", "/auth/callback", query=query, cookies=cookies, headers=headers)


@dataclass
class StartedLogin:
    reply: Reply
    cookie: str
    state: str
    nonce: str
    code_challenge: str


def user_row(dynamodb, sub="user-sub-1"):
    return dynamodb.get_item(TableName="hedgehog-learn-local-users", Key={"userId": {"S": sub}}).get("Item")


def assert_rejected(reply: Reply, status: int, dynamodb) -> None:
    assert reply.status == status
    assert set(reply.body) == {"error"}
    assert "__Host-hhl_access_token" not in reply.set_cookies and "__Host-hhl_refresh_token" not in reply.set_cookies
    assert reply.headers["cache-control"] == "no-store"
    assert user_row(dynamodb) is None


def refresh(api, refresh_token=None, origin=SITE) -> Reply:
    cookies = {"__Host-hhl_refresh_token": refresh_token} if refresh_token else None
    return api.request("POST", "/auth/refresh", cookies=cookies, headers={"origin": origin} if origin else None)
