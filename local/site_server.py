"""The demo site (dev only): the stand-in for the HubSpot CMS pages, on its own origin.

Production serves the pages from https://hedgehog.cloud and the API from https://api.hedgehog.cloud:
cross-origin but same-site, which is what lets the API's SameSite cookies travel with the pages'
credentialed fetches. Locally the pages are at http://www.hedgehog.localhost:<site port> and the API
at http://api.hedgehog.localhost:<api port> (Chromium resolves *.localhost to loopback by itself and
treats it as a secure context, so the Secure cookies are kept over plain http).

- /learn and below: local/site/learn.html, with `{{ hhl_api_base }}` replaced by the API's base URL
  as the site's pages call it (HubSpot's templates fill the same value in with HubL);
  /learn/theme-example: local/site/theme-example.html, a page written for the HubSpot theme as it is;
  /learn/certificate?id=<certId>: local/site/certificate.html, the public certificate page.
- /site/<file>: the site client the real pages include (the top-level site/ folder, e.g. /site/hhl.js).
"""

from __future__ import annotations

import mimetypes
import urllib.parse
from pathlib import Path

from kit.template import ROOT
from local.http_server import LocalHTTPServer, RequestHandler

PAGES_DIR = Path(__file__).resolve().parent / "site"
CLIENT_DIR = ROOT / "site"
API_BASE_PLACEHOLDER = b"{{ hhl_api_base }}"
# RFC 9239's type for scripts; mimetypes answers differently from one Python version to the next.
CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


# Pages other than learn.html, by path: one using only the HubSpot theme's existing contract, and the
# certificate page the theme links certificates to.
PAGES = {"/learn/theme-example": "theme-example.html", "/learn/certificate": "certificate.html"}


def demo_page(api_base: str, path: str = "/learn") -> bytes:
    under = (page for prefix, page in PAGES.items() if path == prefix or path.startswith(prefix + "/"))
    name = next(under, "learn.html")
    return (PAGES_DIR / name).read_bytes().replace(API_BASE_PLACEHOLDER, api_base.encode("utf-8"))


def client_file(name: str) -> Path | None:
    """A file directly in site/ (never outside it, never a directory)."""
    path = (CLIENT_DIR / name).resolve()
    return path if path.parent == CLIENT_DIR.resolve() and path.is_file() else None


class _Handler(RequestHandler):
    server_version = "hedgehog-learn-local-site"
    log_label = "site"
    api_base: str

    def do_GET(self) -> None:
        status, body, headers = self._answer(urllib.parse.unquote(urllib.parse.urlsplit(self.path).path))
        self.send_body(status, body, {**headers, "cache-control": "no-store"})

    def _answer(self, path: str) -> tuple[int, bytes, dict[str, str]]:
        if path == "/":
            return 302, b"", {"location": "/learn"}
        if path == "/learn" or path.startswith("/learn/"):
            return 200, demo_page(self.api_base, path), {"content-type": "text/html; charset=utf-8"}
        if path.startswith("/site/") and (found := client_file(path.removeprefix("/site/"))):
            content_type = (
                CONTENT_TYPES.get(found.suffix) or mimetypes.guess_type(found.name)[0] or "application/octet-stream"
            )
            return 200, found.read_bytes(), {"content-type": content_type}
        return 404, b"Not Found", {"content-type": "text/plain; charset=utf-8"}


def serve(api_base: str, host: str, port: int) -> LocalHTTPServer:
    """Bind the demo site (not yet serving: the caller runs serve_forever in a thread)."""
    handler = type("SiteHandler", (_Handler,), {"api_base": api_base})
    return LocalHTTPServer((host, port), handler)
