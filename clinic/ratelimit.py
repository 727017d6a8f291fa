"""The client's address for per-IP limits, behind nginx or not."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """REMOTE_ADDR, or the address nginx passes on when the request came through it.

    X-Forwarded-For is trusted only from our own proxy; anyone else could forge it to
    dodge the limit. Its last entry is the one our proxy wrote; when that is not an
    address (a misconfigured proxy, or a header passed through untouched), the
    connecting address is used rather than a string the cache key would choke on.
    """
    remote = request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104
    if remote in settings.TRUSTED_PROXIES:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        candidates = [part.strip() for part in forwarded.split(",") if part.strip()]
        if candidates:
            try:
                return str(ipaddress.ip_address(candidates[-1]))
            except ValueError:
                return remote
    return remote


def client_axes_ip(request, *args) -> str:
    """The same client address for django-axes login throttling."""
    return client_ip(request)
