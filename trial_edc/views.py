from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_safe

from patients.selectors import trial_counts

from .models import Study
from .roles import role_of


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
