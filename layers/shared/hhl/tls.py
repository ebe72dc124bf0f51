"""One TLS client context per container, shared by every client of an AWS endpoint (DynamoDB, Cognito, the
Parameters and Secrets extension, the container credentials endpoint).

Building a context loads the CA store, about 20 ms, paid at a learner's first click; urllib's default opener
builds one more of its own even for an http:// URL. So these clients share one context, and urllib is used
through `aws_opener()`. AWS_CA_BUNDLE, when set (the bench's TLS front), replaces the store, as for botocore.
"""

from __future__ import annotations

import functools
import os
import ssl
import urllib.request


def aws_context() -> ssl.SSLContext:
    return _context(os.environ.get("AWS_CA_BUNDLE") or None)


def aws_opener() -> urllib.request.OpenerDirector:
    """urllib's default handlers, with HTTPS through aws_context() (urlopen would build its own context)."""
    return _opener(os.environ.get("AWS_CA_BUNDLE") or None)


@functools.cache
def _context(ca_bundle: str | None) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_bundle)


@functools.cache
def _opener(ca_bundle: str | None) -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.HTTPSHandler(context=_context(ca_bundle)))
