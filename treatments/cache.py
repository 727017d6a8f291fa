"""Whole-page caching of the public treatment pages, cleared when staff change content.

Pages are stored under a key holding a content version number; staff edits bump the
number (see `services.treatment_content_changed`), so every old page is ignored at once
and expires on its own. Only anonymous GETs without a query string, form, message or
CSRF token are stored; the question form lives on its own never-cached page.
"""

from __future__ import annotations

import functools

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpResponse

VERSION_KEY = "treatments:content-version"
PAGE_TIMEOUT = 60 * 60 * 6


def content_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY) or 1
    return version


def bump_content_version() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet (or evicted): any new number invalidates old pages
        cache.set(VERSION_KEY, 2, timeout=None)


def _page_key(request) -> str:
    return f"treatments:page:{content_version()}:{request.path}"


def _cacheable_request(request) -> bool:
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


def cached_public_page(view):
    """Serve anonymous visitors a stored copy of the page; store it after the first render."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _cacheable_request(request):
            return view(request, *args, **kwargs)
        key = _page_key(request)
        stored = cache.get(key)
        if stored is not None:
            content, content_type = stored
            response = HttpResponse(content, content_type=content_type)
            response["X-Page-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        if _cacheable_response(request, response):
            cache.set(key, (response.content, response["Content-Type"]), PAGE_TIMEOUT)
            response["X-Page-Cache"] = "miss"
        return response

    return wrapper
