"""The benchmark floor: the cheapest page the stack can serve.

bench/run.py compares every real page with this one. It goes through the same middleware
(sessions, CSRF, CSP, security headers, whitenoise) and the same template engine and
context processors as every page, but renders a tiny template with no queries of its own,
so a page's ratio to it is the cost of that page's own work. Only bench.urls routes it,
so the product never serves it.
"""

from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def floor(request):
    return render(request, "bench/floor.html")
