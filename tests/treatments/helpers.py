"""Small helpers for reading pages the way a patient's browser would."""

import json
import re
from html.parser import HTMLParser

SECTION_PATHS = {
    "overview": "/treatments/microneedling/",
    "benefits": "/treatments/microneedling/benefits/",
    "process": "/treatments/microneedling/process/",
    "aftercare": "/treatments/microneedling/aftercare/",
    "contraindications": "/treatments/microneedling/contraindications/",
    "faq": "/treatments/microneedling/faq/",
}
ALL_PATHS = ["/treatments/", *SECTION_PATHS.values(), "/treatments/microneedling/ask/"]


def text_of(response) -> str:
    """The visible text of a page, tags removed and whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    import html as html_lib

    return " ".join(html_lib.unescape(text).split())


def json_ld(response) -> list[dict]:
    html = response.content.decode()
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, flags=re.S)
    return [json.loads(block) for block in blocks]


def by_type(response, schema_type: str) -> dict:
    matches = [item for item in json_ld(response) if item.get("@type") == schema_type]
    assert len(matches) == 1, f"expected one {schema_type}, found {len(matches)}"
    return matches[0]


class FormParser(HTMLParser):
    """Collects the fields of the first <form method=post> as a browser would submit them."""

    def __init__(self, form_id: str | None = None):
        super().__init__()
        self.data: dict[str, str | list[str]] = {}
        self._in_form = False
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_multiple = False
        self.form_id = form_id
        self.textareas: list[str] = []

    def _put(self, name, value, multiple=False):
        if multiple:
            self.data.setdefault(name, [])
            self.data[name].append(value)
        else:
            self.data[name] = value

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if (
            tag == "form"
            and a.get("method", "").lower() == "post"
            and (self.form_id is None or a.get("id") == self.form_id)
        ):
            self._in_form = True
        if not self._in_form or not a.get("name") and tag != "option":
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._put(a["name"], a.get("value", "on"))
                return
            self._put(a["name"], a.get("value", ""))
        elif tag == "textarea":
            self._textarea = a["name"]
            self.textareas.append(a["name"])
            self._put(a["name"], "")
        elif tag == "select":
            self._select = a["name"]
            self._select_multiple = "multiple" in a
            if not self._select_multiple:
                self.data.setdefault(a["name"], "")
        elif tag == "option" and self._select and "selected" in a:
            self._put(self._select, a.get("value", ""), self._select_multiple)

    def handle_endtag(self, tag):
        if tag == "form" and self._in_form:
            self._in_form = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def form_data(response, form_id: str | None = None) -> dict:
    """The data a browser would POST back from the page's form, unchanged."""
    parser = FormParser(form_id)
    parser.feed(response.content.decode())
    data = parser.data
    for name in parser.textareas:
        if data[name].startswith("\n"):  # browsers drop the newline after <textarea>
            data[name] = data[name][1:]
    return data
