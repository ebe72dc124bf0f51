"""Browser tests drive the same local stack the integration tests use."""

from tests.integration.conftest import local_stack  # noqa: F401 - re-exported fixture
