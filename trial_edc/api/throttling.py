"""Rate limits for token-authenticated calls (integrations and scripts).

Browser sessions are not limited here: a person reading pages cannot flood the server, a
script with a token can. The rate is read when each request is throttled (`REST_FRAMEWORK`'s
`DEFAULT_THROTTLE_RATES["token"]`, env `API_TOKEN_RATE`), so settings changes take effect.

Bulk writes (the lab's PK post, up to 1,000 samples a call) have a tighter limit of their own,
`DEFAULT_THROTTLE_RATES["bulk_write"]` (env `API_BULK_WRITE_RATE`), whoever calls.
"""

from rest_framework.authtoken.models import Token
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle


class _CurrentRateThrottle(UserRateThrottle):
    """The scope's rate as the settings give it when the request is throttled."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class TokenRateThrottle(_CurrentRateThrottle):
    scope = "token"

    def allow_request(self, request, view):
        if not isinstance(request.auth, Token):
            return True
        return super().allow_request(request, view)


class BulkWriteRateThrottle(_CurrentRateThrottle):
    scope = "bulk_write"
