"""A signed-in member of staff over plain HTTP, for the growth benchmark (bench/growth.py):
cookies kept as a browser keeps them, forms posted with their CSRF token, and the sign-in
staff make (a password, then a code from the authenticator app, computed here from the
device's key with django_otp's TOTP).
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request

from bench.server import FORWARDED_HEADERS, NoRedirect

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    """One person's cookies, talking to the site as nginx forwards it (HTTPS)."""

    def __init__(self, base: str):
        self.base = base
        self.origin = "https://" + urllib.parse.urlparse(base).netloc
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(NoRedirect)

    def request(self, path: str, data: dict | str | None = None, headers: dict | None = None):
        """(status, body) of one request; ``data`` makes it a POST. Redirects are not
        followed (a redirect after a POST is its success)."""
        headers = {**FORWARDED_HEADERS, **(headers or {})}
        if self.cookies and "Cookie" not in headers:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = (data if isinstance(data, str) else urllib.parse.urlencode(data)).encode()
            headers.setdefault("Origin", self.origin)
            headers.setdefault("Referer", self.origin + path)
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=60) as response:
                status, text, got = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, text, got = error.code, error.read(), error.headers
        for cookie in got.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value and "1970" not in rest:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return status, text.decode("utf-8", "replace")

    def form_token(self, path: str) -> str:
        status, text = self.request(path)
        match = CSRF_FIELD.search(text)
        if status != 200 or not match:
            raise SystemExit(f"GET {path} answered {status} without a form to post")
        return match[1]

    def post_form(self, path: str, data: dict):
        return self.request(path, {"csrfmiddlewaretoken": self.form_token(path), **data})


def sign_in(browser: Browser, staff: dict) -> None:
    """Password, then a code from the authenticator app, as staff sign in."""
    from django_otp.oath import totp

    login = "/admin/login/?next=/admin/"
    status, _ = browser.post_form(
        login, {"username": staff["username"], "password": staff["password"], "next": "/admin/"}
    )
    verify = "/admin/two-factor/verify/?next=/admin/"
    code = f"{totp(bytes.fromhex(staff['key'])):06d}"
    second, _ = browser.post_form(verify, {"token": code, "next": "/admin/"})
    if (status, second, browser.request("/admin/")[0]) != (302, 302, 200):
        raise SystemExit(f"signing in failed: password {status}, code {second}")
