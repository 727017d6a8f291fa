"""Shared-cache version numbers and whole-page caching of public pages.

A cached value's key holds a version number; a write that changes what the value was
built from bumps the number, so every old entry is ignored at once (on every app server,
with Redis) and expires on its own.

A stored page is shown to every anonymous visitor, so it is served and stored only for
anonymous GET and HEAD requests without a query string or a message waiting, and stored
only when the response itself says it is the same for everyone, by the rules HTTP caches
and Django's ``UpdateCacheMiddleware`` follow (``shareable_response``). Forms live on
their own never-cached pages. Browsers and shared caches (nginx, a CDN) may keep the
same pages: ``cached_public_page`` tags each with an ETag made from its key and answers
a current copy with 304; ``clinic.middleware.HttpCacheMiddleware`` says what goes out
public.

When the shared cache cannot be reached
    Every helper here asks the ``versioned`` cache (settings ``CACHES``: the same Redis
    as the default one, but raising its connection errors rather than hiding them as
    misses), so that an outage is told apart from a miss. While Redis does not answer,
    ``versions`` gives a new number each time, so every value and page is built from the
    database and none is reused: slower, never stale. After a failure this process
    leaves Redis alone for ``BACKOFF_SECONDS`` (requests do not each wait for a
    timeout), and logs one warning a minute at most.

    A bump that fails cannot reach Redis, and Redis may come back with the numbers it
    had (a network cut, a restart from its snapshot): a page stored before the edit
    would be served again. So a process that saw the cache fail trusts nothing stored
    before: its first successful call sets every version it has used (read or bumped)
    to a new number. Every process that served a request during the outage saw it,
    the one whose bump failed included, so an edit made meanwhile is visible once Redis
    is back. The limit: a process that served no request at all during the outage has
    nothing to renew; until the first renewal by another (the next request any of them
    handles after its back-off) it may still serve a page stored before the outage.
    A Redis that restarts empty needs none of this (see ``_fresh_number``).

When the database cannot be reached
    A value this process built under the same key is still right (the numbers in the
    key say nothing it was built from has changed), only older than its timeout:
    ``shared_value`` uses it instead of failing while the database does not answer,
    so the booking form can still be shown again with what the patient typed.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.http import HttpResponse
from django.utils.cache import cc_delim_re, get_conditional_response, has_vary_header
from django.views.decorators.csrf import csrf_protect
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from clinic.middleware import DATABASE_UNREACHABLE, Throttle

logger = logging.getLogger(__name__)

CONTENT_VERSION = "site:content-version"
PAGE_TIMEOUT = 60 * 60 * 6

VERSIONED_CACHE = "versioned"
# What django-redis raises when Redis is down, unreachable or too slow to answer.
CACHE_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, TimeoutError)
# Long enough that a request seldom meets a connect timeout, short enough that the
# cache is back within seconds of Redis.
BACKOFF_SECONDS = 5.0


class _CacheHealth:
    """What this process knows of the shared cache."""

    def __init__(self) -> None:
        self.skip_until = 0.0  # time.monotonic() before which the cache is not asked
        self.lost = False  # failed since it last answered: renew the versions first
        self.names: set[str] = set()  # version names this process has read or bumped
        self.warning = Throttle(60)


_health = _CacheHealth()
_FAILED = object()


def _cache():
    # Settings that name only a default cache (tests overriding CACHES) share it.
    alias = VERSIONED_CACHE if VERSIONED_CACHE in settings.CACHES else DEFAULT_CACHE_ALIAS
    return caches[alias]


def _call(method: str, *args, **kwargs) -> Any:
    """``cache.<method>(*args, **kwargs)``, or ``_FAILED`` when Redis cannot be reached
    (or could not a moment ago). Other errors (a ValueError from ``incr``) pass on."""
    if time.monotonic() < _health.skip_until:
        return _FAILED
    cache = _cache()
    try:
        if _health.lost:
            _renew_versions(cache)
        return getattr(cache, method)(*args, **kwargs)
    except CACHE_UNREACHABLE as exc:
        _health.skip_until = time.monotonic() + BACKOFF_SECONDS
        _health.lost = True
        if _health.warning.ready():
            # The exception's class only: its text names hosts, never anything else.
            logger.warning(
                "Shared cache unreachable (%s) in process %s: pages are built from the "
                "database; trying again every %g s",
                type(exc).__name__,
                os.getpid(),
                BACKOFF_SECONDS,
            )
        return _FAILED


def _renew_versions(cache) -> None:
    """The first call after an outage: nothing stored before it is trusted (see above)."""
    names = _health.names.copy()  # other threads may add to it meanwhile
    if names:
        cache.set_many({name: _fresh_number() for name in names}, timeout=None)
    _health.lost = False
    logger.info("Shared cache reachable again in process %s: versions renewed", os.getpid())


def cache_reachable() -> bool:
    """Whether the shared cache answers now (for the health check)."""
    return _call("get", CONTENT_VERSION) is not _FAILED


def _fresh_number() -> int:
    # A version lost with the cache (a Redis restart) starts again from the clock, not
    # from 1, so no key built before the loss can match again.
    return time.time_ns()


def versions(*names: str) -> tuple[int, ...]:
    """The current numbers for these version keys, in one cache round trip (new ones,
    different each time, while the cache cannot be reached)."""
    _health.names.update(names)
    found = _call("get_many", names)
    if found is _FAILED:
        return tuple(_fresh_number() for _ in names)
    missing = [name for name in names if name not in found]
    for name in missing:
        _call("add", name, _fresh_number(), timeout=None)
    if missing:
        added = _call("get_many", missing)
        if added is not _FAILED:
            found.update(added)
    return tuple(found.get(name) or _fresh_number() for name in names)


def bump(name: str) -> None:
    """A new number for ``name``; when the cache cannot be reached, the number is
    renewed with the others on its return (see the module's docstring)."""
    _health.names.add(name)
    try:
        _call("incr", name)
    except ValueError:  # not set yet (or evicted): any new number invalidates old entries
        _call("set", name, _fresh_number(), timeout=None)


_in_process: dict[str, tuple[str, float, Any]] = {}


def _kept(slot: str, key: str, *, expired_too: bool = False) -> Any:
    kept = _in_process.get(slot)
    if kept is not None and kept[0] == key and (expired_too or kept[1] > time.monotonic()):
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
    When the database cannot be reached to build it, this process's last value under
    the same key serves, past its timeout (see the module's docstring).
    """
    value = _kept(slot, key)
    if value is not None and (valid is None or valid(value)):
        return value
    value = _call("get", key)
    if value is _FAILED or value is None or (valid is not None and not valid(value)):
        try:
            value = build()
        except DATABASE_UNREACHABLE:
            value = _kept(slot, key, expired_too=True)
            if value is None or (valid is not None and not valid(value)):
                raise
            return value
        _call("set", key, value, timeout)
    _keep(slot, key, value, timeout)
    return value


def last_value(slot: str) -> Any:
    """This process's last value of ``slot``, whatever versions it was built from, or
    None: for a page that must render when neither the database nor the cache can say
    what is current (the calm 503 page shows the clinic's name and phone from it)."""
    kept = _in_process.get(slot)
    return kept[2] if kept is not None else None


def content_version() -> int:
    return versions(CONTENT_VERSION)[0]


def bump_content_version() -> None:
    """Forget every cached public page (staff changed content shown on them)."""
    bump(CONTENT_VERSION)


SHARED_METHODS = ("GET", "HEAD")
UNSHAREABLE_DIRECTIVES = frozenset({"private", "no-store", "no-cache"})


def cacheable_request(request) -> bool:
    """An anonymous GET or HEAD without a query string or a message waiting for the
    visitor: a request every other such request may get the same page for."""
    if request.method not in SHARED_METHODS or request.META.get("QUERY_STRING"):
        return False
    if request.user.is_authenticated:
        return False
    return not len(get_messages(request))


def shareable_response(request, response) -> bool:
    """Whether this rendered page may be stored and shown to every anonymous visitor.

    Only a 200 to a GET or HEAD that sets no cookie (a cookie is one visitor's), has no
    ``Cache-Control`` private, no-store or no-cache (as Django's ``UpdateCacheMiddleware``
    refuses too) and does not vary on Cookie (or on ``*``): where Django's cache would
    key such a page by each visitor's cookies, this one keeps a single copy for all.
    A page that used the CSRF token already has the token's cookie and ``Vary: Cookie``
    here, because ``serve_cached`` builds it under ``csrf_protect``. A message added
    while the page was built is shown on it, or saved by the message middleware on the
    way out after this check, so a message in the store refuses the page as well.
    """
    return (
        request.method in SHARED_METHODS
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not has_vary_header(response, "Cookie")
        and not has_vary_header(response, "*")
        and not cache_directives(response) & UNSHAREABLE_DIRECTIVES
        and not len(get_messages(request))
    )


def cache_directives(response) -> set[str]:
    """The directive names in the response's ``Cache-Control``, lower case."""
    return {
        directive.split("=", 1)[0].strip().lower()
        for directive in cc_delim_re.split(response.get("Cache-Control", ""))
    }


@csrf_protect
def _build_page(request, build: Callable[[], HttpResponse]) -> HttpResponse:
    # The page cache runs inside the view, before CsrfViewMiddleware's response step
    # sets the CSRF cookie and Vary: Cookie on the way out. Under csrf_protect that step
    # runs on this response as soon as it is rendered, as Django's CSRF documentation
    # asks of views cached one by one. (SessionMiddleware adds Vary: Cookie later
    # still, for the session read that tells anonymous visitors apart; only they are
    # served a stored page.)
    response = build()
    if hasattr(response, "render") and callable(response.render):
        response = response.render()
    return response


def _stored_page(request, key: str, timeout: int) -> HttpResponse | None:
    """The page stored under ``key`` (this process's copy first), or None."""
    slot = f"page:{request.path}"
    stored = _kept(slot, key)
    if stored is None:
        stored = _call("get", key)
        if stored is _FAILED or stored is None:
            return None
        _keep(slot, key, stored, timeout)
    content, content_type = stored
    response = HttpResponse(content, content_type=content_type)
    response["X-Page-Cache"] = "hit"
    return response


def _store_page(request, key: str, response: HttpResponse, timeout: int) -> HttpResponse:
    """Keep the rendered response under ``key`` when it may be shared."""
    if shareable_response(request, response):
        stored = (response.content, response["Content-Type"])
        _call("set", key, stored, timeout)
        _keep(f"page:{request.path}", key, stored, timeout)
        response["X-Page-Cache"] = "miss"
    return response


def serve_cached(
    request, key: str, build: Callable[[], HttpResponse], timeout: int = PAGE_TIMEOUT
) -> HttpResponse:
    """The page stored under ``key`` for anonymous visitors, built and stored on a miss
    (when ``shareable_response`` allows); other requests get ``build()`` as it is.
    ``key`` must hold everything the page depends on besides the visitor."""
    if not cacheable_request(request):
        return build()
    response = _stored_page(request, key, timeout)
    if response is None:
        response = _store_page(request, key, _build_page(request, build), timeout)
    return response


def cache_answering() -> bool:
    """Whether the version numbers just read came from the shared cache, known without
    asking it again (``cache_reachable`` asks): false from a failed call until the next
    one that succeeds, which renews the versions. While it is false the numbers are new
    on every call, and a validator built on them would never match."""
    return not _health.lost and time.monotonic() >= _health.skip_until


def page_etag(key: str) -> str:
    """A strong validator for the page stored under ``key``. The key holds the version
    numbers the page is built from, so the tag changes exactly when the stored page
    would, and every app server gives the same one."""
    return '"' + hashlib.blake2b(key.encode(), digest_size=16).hexdigest() + '"'


# Set on the responses of the views below; clinic.middleware.HttpCacheMiddleware reads
# it on the way out and sends them public only if nothing made them one visitor's.
PUBLIC_PAGE = "public_page"


def _public(view, *, key_extra: Callable[[int], Any] | None, store: bool):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        version = content_version()
        key = f"page:{version}:{request.path}"
        if key_extra is not None:
            key += f":{key_extra(version)}"
        etag = page_etag(key) if cache_answering() and cacheable_request(request) else None
        # The visitor's copy is current: 304 before any query or rendering.
        response = get_conditional_response(request, etag=etag) if etag else None
        if response is None:

            def build():
                return view(request, *args, **kwargs)

            response = serve_cached(request, key, build) if store else build()
        if etag and response.status_code in (200, 304):
            response.headers.setdefault("ETag", etag)
        setattr(response, PUBLIC_PAGE, True)
        return response

    return wrapper


def cached_public_page(view=None, *, key_extra: Callable[[int], Any] | None = None):
    """A page the same for every anonymous visitor, which browsers and shared caches
    (nginx, a CDN) may keep as well: served from the page cache (``serve_cached``), with
    a strong ``ETag`` built from its key (``page_etag``), and a bodiless 304 when the
    visitor's ``If-None-Match`` holds it, with neither a query nor a render.

    ``key_extra(version)``: what the page depends on besides the content version and
    its path (the privacy notice in force). No validator goes out for the requests the
    page cache does not serve (``cacheable_request``) or while the shared cache cannot
    say the version (``cache_answering``). No ``Last-Modified`` either: the version is a
    counter, not a time, and a date to the second could not tell two edits in the same
    second apart, as the tag does.
    """
    if view is None:
        return functools.partial(cached_public_page, key_extra=key_extra)
    return _public(view, key_extra=key_extra, store=True)


def public_page(view):
    """``cached_public_page`` for a page too cheap to store (robots.txt): the same
    headers, validator and 304, built on every 200."""
    return _public(view, key_extra=None, store=False)
