"""The benchmark floor: the cheapest page the stack can serve.

bench/run.py compares every real page with this one. It goes through the same middleware
(sessions, CSRF, CSP, security headers, whitenoise) and the same template engine and
context processors as every page, but renders a tiny template with no queries of its own,
so a page's ratio to it is the cost of that page's own work. Routed only when
DJANGO_BENCH_FLOOR=1 (settings.BENCH_FLOOR).
"""

from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def floor(request):
    return render(request, "bench/floor.html")
