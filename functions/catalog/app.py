"""GET /catalog: the public course catalog (pathways -> courses -> modules) the site's pages render.

No sign-in and no table: the body and its ETag are built once at init from the catalog layer's catalog.json
(never its answer keys).
Never imports boto3 (tests check): anonymous pages call it first, so its cold start counts.
"""

from __future__ import annotations

from hhl.http import conditional_json_response, endpoint
from hhl.learning.catalog import published_catalog

# The catalog changes only with a deployment. Browsers (and any shared cache) reuse it for 5 minutes, then
# may show the stale copy for a day while revalidating; a revalidation is a bodiless 304. The CORS headers
# differ by Origin, so caches must key on it.
CACHE_HEADERS = {"cache-control": "public, max-age=300, stale-while-revalidate=86400", "vary": "origin"}
CATALOG = published_catalog()  # at init: a broken catalog.json fails the deployment, not a learner's page


@endpoint
def handler(event: dict, context) -> dict:
    return conditional_json_response(event, CATALOG.body, CATALOG.etag, CACHE_HEADERS)
