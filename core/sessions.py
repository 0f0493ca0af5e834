"""The idle clock of a signed-in session, renewed by use but written at most once a minute.

A session ends SESSION_COOKIE_AGE seconds after its last save (the database row's expiry).
Saving it on every request, as SESSION_SAVE_EVERY_REQUEST does, turns every page a user reads
into a database write and a flushed commit. Here a request renews the clock only when the last
renewal is at least SESSION_RENEW_SECONDS old, so an idle session ends between
SESSION_COOKIE_AGE − SESSION_RENEW_SECONDS and SESSION_COOKIE_AGE after the user's last request.
"""

import time

from django.conf import settings

RENEWED_AT = "_idle_clock_renewed_at"


def renew_idle_clock(session, now: float) -> bool:
    """Mark the session for saving when its clock was last renewed a minute ago or more."""
    if session.is_empty() or now - session.get(RENEWED_AT, 0) < settings.SESSION_RENEW_SECONDS:
        return False
    session[RENEWED_AT] = int(now)  # modifies the session: SessionMiddleware saves it
    return True


def clock_starts_at_sign_in(sender, request, user, **kwargs):
    """Signing in saves the session, and with it the clock: the first page need not renew it."""
    if getattr(request, "session", None) is not None:
        request.session[RENEWED_AT] = int(time.time())


class RenewIdleClockMiddleware:
    """Placed after SessionMiddleware, so that its response handling saves what this marks."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None:
            renew_idle_clock(session, time.time())
        return response
