import logging
import os
import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.messages import get_messages
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers, has_vary_header, patch_cache_control

logger = logging.getLogger(__name__)

# What Django raises when the database refuses or drops the connection (or a statement
# is cancelled): worth a retry in a minute, unlike a mistake in a query.
DATABASE_UNREACHABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 60


class SecurityHeadersMiddleware:
    """Headers Django does not set itself, and no caching of admin pages."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = "/" + settings.ADMIN_URL

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if request.path.startswith(self.admin_prefix):
            add_never_cache_headers(response)
        return response


class HttpCacheMiddleware:
    """Which responses a browser, nginx or a CDN may keep, decided for every response
    in one place: on the way out, after the session, CSRF and message middleware have
    set their cookies (it sits outside them in ``MIDDLEWARE``).

    One visitor's response goes out ``private, no-store`` with no validator, whatever
    its view said: one that sets a cookie (the session every signed-in request renews,
    a CSRF token, the message store, which a message waiting or shown always changes),
    used the CSRF token, or answers a signed-in session.

    A page its view marked public (``clinic.page_cache.cached_public_page``) goes out
    ``public`` with ``max-age=PUBLIC_MAX_AGE`` for browsers and ``s-maxage=
    PUBLIC_S_MAXAGE`` for shared caches, if it is a 200 or 304 to a GET or HEAD that
    the page cache's own rules (``shareable_response``) would accept, ``Vary: Cookie``
    excepted: SessionMiddleware adds it for every anonymous visitor whose session was
    looked at ("is anyone signed in?"), and what a cookie could change on such a page,
    a signed-in session or a CSRF token, is refused above. It stays on the response
    for caches that cannot tell a signed-in visitor from the others (a browser whose
    owner signs in keeps the two copies apart); the README's nginx tells them by the
    session cookie and ignores it. A marked page that fails a rule (a message on it)
    goes out private too. Other responses are left as their views made them.
    """

    def __init__(self, get_response):
        from clinic import page_cache

        self.get_response = get_response
        self.page_cache = page_cache

    def __call__(self, request):
        response = self.get_response(request)
        if self.one_visitors(request, response):
            never_stored(response)
        elif getattr(response, self.page_cache.PUBLIC_PAGE, False):
            if self.public(request, response):
                patch_cache_control(
                    response,
                    public=True,
                    max_age=settings.PUBLIC_MAX_AGE,
                    s_maxage=settings.PUBLIC_S_MAXAGE,
                )
            else:
                never_stored(response)
        if response.status_code == 304 and "Content-Length" in response:
            # CommonMiddleware counts the empty body; a 304 may only carry the length of
            # the page it stands for (RFC 9110, 8.6), so it carries none.
            del response["Content-Length"]
        return response

    @staticmethod
    def one_visitors(request, response) -> bool:
        if response.cookies or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            return True
        # Only a session already read can be signed in to: reading one now would cost a
        # query (and fail while the database is down) for an answer nobody looked at.
        session = getattr(request, "session", None)
        return bool(session is not None and session.accessed and SESSION_KEY in session)

    def public(self, request, response) -> bool:
        return (
            request.method in self.page_cache.SHARED_METHODS
            and response.status_code in (200, 304)
            and not response.streaming
            and not has_vary_header(response, "*")
            and not self.page_cache.cache_directives(response)
            & self.page_cache.UNSHAREABLE_DIRECTIVES
            and not len(get_messages(request))
        )


def never_stored(response) -> None:
    """``private, no-store`` and no validator, replacing what a view set (``public``,
    ``s-maxage``, which Django's ``add_never_cache_headers`` would keep)."""
    for header in ("Cache-Control", "ETag", "Last-Modified"):
        if header in response:
            del response[header]
    add_never_cache_headers(response)


class Throttle:
    """Says yes at most once every ``seconds`` in this process: during an outage every
    request would otherwise log the same warning."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.last: float | None = None

    def ready(self) -> bool:
        now = time.monotonic()
        if self.last is not None and now - self.last < self.seconds:
            return False
        self.last = now
        return True


def database_answers() -> bool:
    """Whether the database answers a query now (within ``connect_timeout``)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True


_warning = Throttle(60)


def database_outage_answer(request, response, exception: Exception | None = None):
    """``response``, a 503 because the database cannot be reached, made ready to leave
    without the database and logged as one warning a minute.

    Django logs every 5xx answer as an error, which mails ADMINS from inside the
    request: once per request for the whole outage. SessionMiddleware reads a signed-in
    session from the database on the way out to renew its expiry
    (SESSION_SAVE_EVERY_REQUEST), even for an answer it will not save; without a
    session on the request it leaves the answer as it is."""
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    if _warning.ready():
        logger.warning(
            "Database unreachable (%s) in process %s: answering 503 until it is back",
            type(exception).__name__ if exception else "no answer",
            os.getpid(),
        )
    response._has_been_logged = True
    if hasattr(request, "session"):
        del request.session
    return response


def database_unavailable(request, exception: Exception | None = None) -> HttpResponse:
    """The calm 503 page (templates/503.html), rendered without the database: no request
    context (its processors read the clinic's details), only settings and the clinic's
    details as this process last saw them."""
    from clinic.models import PROFILE_SLOT
    from clinic.page_cache import last_value

    profile = last_value(PROFILE_SLOT)
    name = profile.name if profile else settings.CLINIC_NAME
    phone = profile.phone if profile else getattr(settings, "CLINIC_PHONE", "")
    html = render_to_string(
        "503.html",
        {
            "clinic_name": name,
            "phone": phone,
            "phone_href": "tel:" + "".join(ch for ch in phone if ch.isdigit() or ch == "+"),
            "was_post": request.method == "POST",
        },
    )
    response = HttpResponse(html, status=503)
    add_never_cache_headers(response)
    return database_outage_answer(request, response, exception)


class DatabaseUnavailableMiddleware:
    """A calm 503 page, not the 500 page, when the database cannot be reached.

    ``process_exception`` answers for any view (public pages that are not cached, the
    booking pages, the admin), at once: ``connect_timeout`` bounds the wait for the
    connection. Admin pages are checked before the middleware below reads the signed-in
    user (two-step sign-in), since an error raised there would bypass this one. Django
    reconnects by itself when the database is back.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = "/" + settings.ADMIN_URL

    def __call__(self, request):
        if request.path.startswith(self.admin_prefix) and not database_answers():
            return database_unavailable(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_UNREACHABLE):
            return database_unavailable(request, exception)
        return None
