"""The mail server hangs, stops, then comes back, while patients book.

gunicorn (debug off) and the email worker (``send_queued_email --loop``) run as under
``make serve``, on the test database, sending to an SMTP address of the test's own on
loopback. First a server that accepts connections and never answers, then nothing at
that address, then a real SMTP server (aiosmtpd). Every booking is answered at once
whatever the mail server does; once it is back, the worker delivers every email
exactly once.
"""

import socket
import sys
import threading
import time
from collections import Counter
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from tests.browser.test_budgets import seed_content
from tests.faults.servers import (
    Gunicorn,
    Process,
    app_env,
    booking_data,
    booking_form,
    database_url,
    free_port,
    http,
    require,
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Collector:
    def __init__(self):
        self.messages: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        subject = str(message_from_bytes(envelope.content)["Subject"])
        with self.lock:
            self.messages.extend((rcpt, subject) for rcpt in envelope.rcpt_tos)
        return "250 Message accepted for delivery"


class SilentServer:
    """Accepts SMTP connections and never says a word (a mail server that hangs)."""

    def __init__(self, port: int):
        self.sock = socket.create_server(("127.0.0.1", port))
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def site(tmp_path):
    require()
    seed_content()
    port = free_port()
    env = app_env(
        database=database_url(),
        DJANGO_EMAIL_WORKER="1",
        EMAIL_URL=f"smtp://127.0.0.1:{port}",
        EMAIL_TIMEOUT="2",
        DJANGO_CONN_MAX_AGE="0",
    )
    worker = Process(
        [sys.executable, "manage.py", "send_queued_email", "--loop", "--interval", "0.3"],
        env,
        tmp_path / "worker.log",
    )
    server = None
    try:
        server = Gunicorn(tmp_path, env, workers=1)
        yield server, worker, port
    finally:
        if server is not None:
            server.stop()
        worker.stop()


def attempted(emails) -> bool:
    return all(e.attempts >= 1 and e.last_error for e in emails)


def test_bookings_never_wait_for_the_mail_server_and_every_email_arrives_once(site):
    from django.utils import timezone

    from bookings import availability
    from bookings.forms import slot_value
    from bookings.models import OutboundEmail

    server, worker, port = site
    rules = availability.load_rules()
    starts = availability.next_free(
        availability.upcoming_free_slots(rules, now=timezone.now()), limit=3
    )
    headers, page = booking_form(
        f"{server.url}/book/?treatment=microneedling&date={slot_value(starts[0])[:10]}"
    )

    def book(index: int):
        answer = http(
            server.url + "/book/",
            data=booking_data(page, slot=slot_value(starts[index]), index=index),
            headers=headers,
        )
        assert answer.status == 302, f"booking {index} answered {answer.status}"
        assert answer.seconds < 1, f"booking {index} took {answer.seconds:.2f} s"

    silent = SilentServer(port)
    try:
        book(0)
        book(1)
        wait_for(
            lambda: attempted(OutboundEmail.objects.all()),
            timeout=20,
            what="the worker trying the emails against the silent server",
        )
    finally:
        silent.close()
    book(2)  # nothing listens now: refused at once
    wait_for(
        lambda: OutboundEmail.objects.count() == 6 and attempted(OutboundEmail.objects.all()),
        timeout=10,
        what="the worker trying the third booking's emails",
    )
    assert not OutboundEmail.objects.filter(status=OutboundEmail.Status.SENT).exists()

    collector = Collector()
    smtp = Controller(collector, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        # The mail server is back; time passes beyond the backoff.
        OutboundEmail.objects.update(next_attempt_at=timezone.now())
        wait_for(
            lambda: OutboundEmail.objects.filter(status=OutboundEmail.Status.SENT).count() == 6,
            timeout=20,
            what="the worker sending all six emails",
        )
        time.sleep(1)  # a few more passes of the worker: nothing is sent again
    finally:
        smtp.stop()

    counts = Counter(collector.messages)
    assert len(counts) == 6 and set(counts.values()) == {1}, counts
    recipients = {rcpt for rcpt, _ in counts}
    assert recipients == {
        "fault0@example.com",
        "fault1@example.com",
        "fault2@example.com",
        "reception@khanclinic.example",
    }
    for log in (server.log(), worker.log()):
        assert "Traceback" not in log
        for private in ("fault0@example.com", "Fault Patient", "0300 1234567"):
            assert private not in log
