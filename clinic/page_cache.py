"""Shared-cache version numbers and whole-page caching of public pages.

A cached value's key holds a version number; a write that changes what the value was
built from bumps the number, so every old entry is ignored at once (on every app server,
with Redis) and expires on its own. Pages are stored only for anonymous GETs without a
query string, form, message or CSRF token; forms live on their own never-cached pages.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpResponse

CONTENT_VERSION = "site:content-version"
PAGE_TIMEOUT = 60 * 60 * 6


def _fresh_number() -> int:
    # A version lost with the cache (a Redis restart) starts again from the clock, not
    # from 1, so no key built before the loss can match again.
    return time.time_ns()


def versions(*names: str) -> tuple[int, ...]:
    """The current numbers for these version keys, in one cache round trip."""
    found = cache.get_many(names)
    missing = [name for name in names if name not in found]
    for name in missing:
        cache.add(name, _fresh_number(), timeout=None)
    if missing:
        found.update(cache.get_many(missing))
    return tuple(found.get(name) or _fresh_number() for name in names)


def bump(name: str) -> None:
    try:
        cache.incr(name)
    except ValueError:  # not set yet (or evicted): any new number invalidates old entries
        cache.set(name, _fresh_number(), timeout=None)


_in_process: dict[str, tuple[str, float, Any]] = {}


def _kept(slot: str, key: str) -> Any:
    kept = _in_process.get(slot)
    if kept is not None and kept[0] == key and kept[1] > time.monotonic():
        return kept[2]
    return None


def _keep(slot: str, key: str, value: Any, timeout: int) -> None:
    _in_process[slot] = (key, time.monotonic() + timeout, value)


def shared_value(
    slot: str,
    key: str,
    build: Callable[[], Any],
    timeout: int,
    valid: Callable[[Any], bool] | None = None,
) -> Any:
    """The value stored under ``key`` in the shared cache, built and stored on a miss.

    ``key`` holds the version numbers the value was built from. The last value of each
    ``slot`` is also kept in this process for up to ``timeout`` seconds, so while the
    versions stay the same no cache round trip is needed at all. A stored value that
    ``valid`` rejects (one that depends on the time, say) is built again and replaces it.
    """
    value = _kept(slot, key)
    if value is not None and (valid is None or valid(value)):
        return value
    value = cache.get(key)
    if value is None or (valid is not None and not valid(value)):
        value = build()
        cache.set(key, value, timeout)
    _keep(slot, key, value, timeout)
    return value


def content_version() -> int:
    return versions(CONTENT_VERSION)[0]


def bump_content_version() -> None:
    """Forget every cached public page (staff changed content shown on them)."""
    bump(CONTENT_VERSION)


def cacheable_request(request) -> bool:
    if request.method != "GET" or request.META.get("QUERY_STRING"):
        return False
    if request.user.is_authenticated:
        return False
    return not len(get_messages(request))


def _cacheable_response(request, response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and "csrfmiddlewaretoken" not in response.content.decode(errors="ignore")
        and not response.cookies
        and not getattr(response, "no_page_cache", False)
    )


def stored_page(request, key: str, timeout: int = PAGE_TIMEOUT) -> HttpResponse | None:
    """The page stored under ``key`` (this process's copy first), or None."""
    slot = f"page:{request.path}"
    stored = _kept(slot, key)
    if stored is None:
        stored = cache.get(key)
        if stored is None:
            return None
        _keep(slot, key, stored, timeout)
    content, content_type = stored
    response = HttpResponse(content, content_type=content_type)
    response["X-Page-Cache"] = "hit"
    return response


def store_page(request, key: str, response, timeout: int = PAGE_TIMEOUT):
    """Render the response if needed and keep it under ``key`` when it is safe to share."""
    if hasattr(response, "render") and callable(response.render):
        response = response.render()
    if _cacheable_response(request, response):
        stored = (response.content, response["Content-Type"])
        cache.set(key, stored, timeout)
        _keep(f"page:{request.path}", key, stored, timeout)
        response["X-Page-Cache"] = "miss"
    return response


def serve_cached(request, key: str, build: Callable[[], HttpResponse]) -> HttpResponse:
    """The page stored under ``key`` for anonymous visitors, built and stored on a miss;
    other requests get ``build()`` as it is."""
    if not cacheable_request(request):
        return build()
    response = stored_page(request, key)
    if response is None:
        response = store_page(request, key, build())
    return response


def cached_public_page(view):
    """Serve anonymous visitors a stored copy of the page; store it after the first render."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        return serve_cached(
            request,
            f"page:{content_version()}:{request.path}",
            lambda: view(request, *args, **kwargs),
        )

    return wrapper
