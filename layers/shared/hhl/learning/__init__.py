"""The learning API's core: catalog, request validation, enrollments, progress, badges, learner summary.

Every response of the learning API is one learner's own data: browsers and shared caches must not keep it.
"""

PRIVATE_RESPONSE_HEADERS = {"cache-control": "no-store, private"}
