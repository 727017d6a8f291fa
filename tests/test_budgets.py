"""Page budgets, checked on every public page with Django's test client (no timing).

Public pages are every <loc> of /sitemap.xml plus /book/. For each:

- nothing is fetched from another origin (scripts, styles, images, fonts, frames, and the
  url()s inside our stylesheets);
- the HTML is at most 30 KB and its CSS + JS at most 60 KB, gzip-compressed at level 9
  as whitenoise compresses them;
- it renders with the production static storage (hashed names from the manifest): a
  template naming a static file that does not exist fails there with a 500, while the
  rest of the suite, which serves sources from static/, would never notice.
"""

import gzip
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import override_settings

HTML_BUDGET = 30 * 1024
ASSET_BUDGET = 60 * 1024
ORIGIN = "http://testserver"
# <link rel=...> values a browser fetches by itself.
FETCHED_LINK_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "modulepreload", "manifest", "prefetch", "preconnect", "dns-prefetch"}  # fmt: skip
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


class ResourceParser(HTMLParser):
    """Every address the page makes the browser fetch, and its stylesheets and scripts."""

    def __init__(self):
        super().__init__()
        self.fetched: list[str] = []
        self.stylesheets: list[str] = []
        self.scripts: list[str] = []
        self.inline_styles: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link":
            rels = set((attrs.get("rel") or "").lower().split())
            if rels & FETCHED_LINK_RELS and attrs.get("href"):
                self.fetched.append(attrs["href"])
                if "stylesheet" in rels:
                    self.stylesheets.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.fetched.append(attrs["src"])
            self.scripts.append(attrs["src"])
        elif tag in ("img", "iframe", "embed", "source", "audio", "video", "track", "input"):
            for name in ("src", "poster", "data"):
                if attrs.get(name):
                    self.fetched.append(attrs[name])
            for name in ("srcset", "imagesrcset"):
                for candidate in (attrs.get(name) or "").split(","):
                    if candidate.strip():
                        self.fetched.append(candidate.split()[0])
        elif tag == "object" and attrs.get("data"):
            self.fetched.append(attrs["data"])
        if attrs.get("style"):
            self.inline_styles.append(attrs["style"])


def gzipped_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def public_paths(client) -> list[str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    paths = [urlparse(loc).path for loc in re.findall(r"<loc>([^<]+)</loc>", response.text)]
    assert paths, "the sitemap lists no pages"
    return list(dict.fromkeys([*paths, "/book/"]))


def static_source(url: str) -> bytes:
    """The file behind a /static/ URL (tests serve sources straight from static/)."""
    path = urlparse(url).path
    assert path.startswith("/static/"), f"{url} is not one of our static files"
    found = finders.find(path.removeprefix("/static/"))
    assert found, f"{url} names a static file that does not exist"
    with open(found, "rb") as handle:
        return handle.read()


def is_other_origin(address: str, base: str = ORIGIN + "/") -> bool:
    if address.startswith(("data:", "#")):
        return False
    absolute = urljoin(base, address)
    parsed = urlparse(absolute)
    return f"{parsed.scheme}://{parsed.netloc}" != ORIGIN


def parse(html: str) -> ResourceParser:
    parser = ResourceParser()
    parser.feed(html)
    return parser


@pytest.mark.django_db
def test_public_pages_come_from_the_sitemap_and_include_the_microneedling_section(client):
    paths = public_paths(client)
    assert "/" in paths
    assert "/book/" in paths
    assert "/treatments/microneedling/" in paths


@pytest.mark.django_db
def test_no_public_page_fetches_anything_from_another_origin(client):
    offenders = {}
    for path in public_paths(client):
        response = client.get(path)
        assert response.status_code == 200, f"{path} answered {response.status_code}"
        page = parse(response.text)
        found = [a for a in page.fetched if is_other_origin(a)]
        for style in page.inline_styles:
            found += [u or i for u, i in CSS_URL.findall(style) if is_other_origin(u or i)]
        for sheet in page.stylesheets:
            if is_other_origin(sheet):
                continue
            css = static_source(sheet).decode("utf-8", "replace")
            found += [
                u or i
                for u, i in CSS_URL.findall(css)
                if is_other_origin(u or i, base=urljoin(ORIGIN, sheet))
            ]
        if found:
            offenders[path] = found
    assert offenders == {}


@pytest.mark.django_db
def test_every_public_page_keeps_within_its_compressed_size_budgets(client):
    over = {}
    for path in public_paths(client):
        response = client.get(path)
        assert response.status_code == 200, f"{path} answered {response.status_code}"
        html_size = gzipped_size(response.content)
        page = parse(response.text)
        assets = list(dict.fromkeys(page.stylesheets + page.scripts))
        asset_size = sum(gzipped_size(static_source(url)) for url in assets)
        if html_size > HTML_BUDGET or asset_size > ASSET_BUDGET:
            over[path] = {
                "html_gzip_kb": round(html_size / 1024, 1),
                "css_js_gzip_kb": round(asset_size / 1024, 1),
                "assets": assets,
            }
    assert over == {}, f"budgets: HTML <= 30 KB, CSS+JS <= 60 KB (gzip -9): {over}"


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory, django_db_blocker):
    """collectstatic once, into a temporary STATIC_ROOT, with the production storage."""
    root = tmp_path_factory.mktemp("static-manifest")
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=root, STORAGES=storages):
        call_command("collectstatic", "--noinput", verbosity=0)
    return root, storages


@pytest.mark.django_db
def test_every_public_page_renders_with_the_production_static_manifest(client, collected_static):
    root, storages = collected_static
    paths = public_paths(client)
    failures = {}
    with override_settings(STATIC_ROOT=root, STORAGES=storages, STATIC_MANIFEST=True):
        client.raise_request_exception = True
        for path in paths:
            try:
                response = client.get(path)
            except ValueError as error:  # "Missing staticfiles manifest entry for ..."
                failures[path] = str(error)
                continue
            if response.status_code != 200:
                failures[path] = f"answered {response.status_code}"
            elif not re.search(r"/static/css/[\w.-]+\.[0-9a-f]{12}\.css", response.text):
                failures[path] = "stylesheets are not served under hashed names"
    assert failures == {}
