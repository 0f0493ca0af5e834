from tests.api.conftest import as_role, fresh_rate_limits, trial  # noqa: F401  the API's fixtures
