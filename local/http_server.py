"""The HTTP server under the local API and hosted UI."""

from __future__ import annotations

from http.server import ThreadingHTTPServer


class LocalHTTPServer(ThreadingHTTPServer):
    # socketserver's default listen backlog is 5: a burst of parallel requests (the concurrency tests send
    # 20 at once, a browser opens several) overflows it and the kernel resets connections under load.
    request_queue_size = 128
    daemon_threads = True
