"""Rate limits for token-authenticated calls (integrations and scripts).

Browser sessions are not limited here: a person reading pages cannot flood the server, a
script with a token can. The rate is read when each request is throttled (`REST_FRAMEWORK`'s
`DEFAULT_THROTTLE_RATES["token"]`, env `API_TOKEN_RATE`), so settings changes take effect.

Bulk writes (the lab's PK post, up to 1,000 samples a call) have a tighter limit of their own,
`DEFAULT_THROTTLE_RATES["bulk_write"]` (env `API_BULK_WRITE_RATE`), whoever calls.

A report at a past cutoff is computed when a reader asks for one not kept (or changed since):
seconds of work each at 10,000 patients, so each reader, by token or session, through the API or
the report pages, may have `DEFAULT_THROTTLE_RATES["report_on_demand"]` of them computed (env
`REPORT_ON_DEMAND_RATE`). Only computations count; reading a kept report is free.
"""

import logging

from rest_framework.authtoken.models import Token
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle

logger = logging.getLogger(__name__)


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


class ReportOnDemandThrottle(_CurrentRateThrottle):
    scope = "report_on_demand"


def report_on_demand_gate(request):
    """The `may_compute` gate of `endpoints.snapshots` for this request's user (an API or a page
    request): None while they may have a past-cutoff report computed, else the seconds to wait.
    Counted only when a report must be computed."""
    def may_compute() -> float | None:
        throttle = ReportOnDemandThrottle()
        try:
            allowed = throttle.allow_request(request, None)
        except Exception:  # the cache is down: the store of snapshots still bounds the growth
            logger.warning("cache unavailable: a past-cutoff report computed without its limit")
            return None
        return None if allowed else (throttle.wait() or 1.0)
    return may_compute
