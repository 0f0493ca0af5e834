from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_safe

from api.errors import error_body, request_body_limit_exceeded
from casebook.selectors import trial_counts
from core.models import Study
from core.roles import role_of


@require_safe
@login_required
def home(request):
    """Each role's start page: the work that role does."""
    role = role_of(request.user)
    return render(request, "home.html",
                  {"role": role, "study": Study.load(), "counts": trial_counts()})


@require_GET
def healthz(request):
    """Liveness and database reachability for the load balancer and compose health checks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def bad_request(request, exception):
    """Django's 400 (handler400): a request it could not read, before any view saw it, such as a
    form over the request-size limit. A page with the message, or the API's error body; an
    oversized body is a 413."""
    if isinstance(exception, RequestDataTooBig):
        refused = request_body_limit_exceeded()
        status, message, problems = 413, str(refused.detail), refused.problems
    else:
        status, message, problems = 400, "The request could not be read: nothing was changed.", []
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(message, problems), status=status)
    return render(request, "request_refused.html", {"message": message}, status=status)
