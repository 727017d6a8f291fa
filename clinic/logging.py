"""Logging filter that keeps patients' contact details out of log output.

Defence in depth: code should never log patient data in the first place (a test walks
the booking journey and checks). If something slips through, email addresses and phone
numbers are replaced before the record reaches a handler.
"""

import logging
import re

from django.conf import settings
from django.utils.log import AdminEmailHandler
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Pakistani mobiles as patients type them (0300 1234567, +92 300 1234567, 00923001234567)
# and any other international number written with its plus sign.
PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)92[\s-]?|0)3\d{2}[\s-]?\d{7}(?!\d)"
    r"|(?<![\w+])\+\d[\d\s-]{8,16}\d(?!\d)"
)
REDACTED_EMAIL = "[email removed]"
REDACTED_PHONE = "[phone removed]"


def scrub(text: str) -> str:
    return PHONE.sub(REDACTED_PHONE, EMAIL.sub(REDACTED_EMAIL, text))


class ScrubPatientData(logging.Filter):
    """Rewrites the record's message (arguments merged in) without contact details."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it for logging to report
            return True
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


# --- reports of server errors to staff ------------------------------------------------

# Manage and done links carry a signed token: a credential, kept out of reports too.
TOKEN_PATH = re.compile(r"(/(?:manage|book/done)/)[^/\s]+")
# A query string can carry anything a visitor typed.
QUERY_STRING = re.compile(r"(/[^\s?]*)\?\S+")
REMOVED = "[removed]"


def scrub_report(text: str) -> str:
    text = QUERY_STRING.sub(rf"\1?{REMOVED}", text)
    return TOKEN_PATH.sub(rf"\1{REMOVED}", scrub(text))


class PatientSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    """Error reports name the form fields and the variables in each frame, never their
    values: a booking's POST and the functions handling it hold the patient's name,
    contact details and screening answers, and no list of sensitive names could keep
    up with every form."""

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return dict.fromkeys(request.POST, REMOVED)

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, REMOVED) for name in tb_frame.f_locals]

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        for name in ("QUERY_STRING", "HTTP_REFERER", "RAW_URI", "REQUEST_URI"):
            if meta.get(name):
                meta[name] = REMOVED
        return meta


class PatientSafeExceptionReporter(ExceptionReporter):
    """Query strings and uploaded files go the way of the form fields (see above). Only
    the emails to staff use it; the debug page of ``make run`` keeps Django's own."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filter = PatientSafeExceptionReporterFilter()

    def get_traceback_data(self):
        data = super().get_traceback_data()
        for key in ("request_GET_items", "request_FILES_items"):
            if key in data:
                data[key] = [(name, REMOVED) for name, _ in data[key]]
        return data


class PatientSafeAdminEmailHandler(AdminEmailHandler):
    """Django's error emails to ``ADMINS``, with contact details and link tokens taken
    out of the subject and the body as a last line of defence."""

    def __init__(self):
        super().__init__(
            include_html=False, reporter_class=f"{__name__}.PatientSafeExceptionReporter"
        )

    def emit(self, record):
        if settings.ADMINS:  # nobody to tell: build no report
            super().emit(record)

    def send_mail(self, subject, message, *args, **kwargs):
        kwargs.pop("html_message", None)
        super().send_mail(scrub_report(subject), scrub_report(message), *args, **kwargs)
