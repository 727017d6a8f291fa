"""Logging filter that keeps patients' contact details out of log output.

Defence in depth: code should never log patient data in the first place (a test walks
the booking journey and checks). If something slips through, email addresses and phone
numbers are replaced before the record reaches a handler.
"""

import logging
import re

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
