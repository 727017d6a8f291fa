"""Email is never lost: requests succeed while the mail server is down, and the worker
delivers every email exactly once when it is back."""

import socket
import threading
import time
from collections import Counter
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.utils import timezone

from bookings.emails import backoff, send_due
from bookings.models import Consultation, OutboundEmail

pytestmark = pytest.mark.django_db(transaction=True)


class Collector:
    def __init__(self):
        self.messages: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.messages.append((rcpt, str(message["Subject"])))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings):
    port = free_port()
    handler = Collector()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5

    class Server:
        controller: Controller | None = None

        def start(self):
            self.controller = Controller(handler, hostname="127.0.0.1", port=port)
            self.controller.start()

        def stop(self):
            if self.controller is not None:
                self.controller.stop()
                self.controller = None

    server = Server()
    server.handler = handler
    yield server
    server.stop()


def submit(client, form_data, i: int):
    return client.post(
        "/book/",
        form_data(
            email=f"patient{i}@example.com",
            token=f"00000000-0000-4000-8000-{i:012d}",
        ),
        REMOTE_ADDR=f"10.1.0.{i}",
    )


def test_requests_succeed_while_smtp_is_down_and_every_email_arrives_once(
    client, smtp, form_data, privacy_notice, booking_rules
):
    smtp.start()
    smtp.stop()  # the mail server goes down

    for i in range(3):
        response = submit(client, form_data, i)
        assert response.status_code == 302  # the booking is saved regardless
    assert Consultation.objects.count() == 3
    queued = OutboundEmail.objects.filter(status="queued")
    assert queued.count() == 6
    assert all(e.attempts == 1 and e.last_error for e in queued)
    assert all("patient" not in e.last_error for e in queued)
    assert all(e.next_attempt_at > timezone.now() for e in queued)

    # Not yet due: the worker leaves them alone.
    call_command("send_queued_email")
    assert smtp.handler.messages == []

    smtp.start()  # the server is back; time passes beyond the backoff
    OutboundEmail.objects.update(next_attempt_at=timezone.now())

    # Two workers at once still send each email once.
    workers = [threading.Thread(target=send_due) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    call_command("send_queued_email")

    counts = Counter(smtp.handler.messages)
    assert len(counts) == 6
    assert set(counts.values()) == {1}
    assert {rcpt for rcpt, _ in counts} == {
        "patient0@example.com",
        "patient1@example.com",
        "patient2@example.com",
        "reception@khanclinic.example",
    }
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"sent"}


def test_with_the_server_up_emails_go_out_right_after_commit(
    client, smtp, form_data, privacy_notice, booking_rules
):
    smtp.start()
    assert submit(client, form_data, 7).status_code == 302
    deadline = time.monotonic() + 5
    while len(smtp.handler.messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(rcpt for rcpt, _ in smtp.handler.messages) == [
        "patient7@example.com",
        "reception@khanclinic.example",
    ]
    assert OutboundEmail.objects.filter(status="sent").count() == 2


def test_with_the_worker_running_a_request_only_queues_and_the_worker_sends(
    client, smtp, form_data, privacy_notice, booking_rules, settings
):
    settings.EMAIL_SENT_BY_WORKER = True  # as under `make serve`
    smtp.start()
    assert submit(client, form_data, 8).status_code == 302
    time.sleep(0.3)
    assert smtp.handler.messages == []
    assert OutboundEmail.objects.filter(status="queued", attempts=0).count() == 2

    call_command("send_queued_email")  # one pass of the worker's loop
    assert sorted(rcpt for rcpt, _ in smtp.handler.messages) == [
        "patient8@example.com",
        "reception@khanclinic.example",
    ]
    assert OutboundEmail.objects.filter(status="sent").count() == 2


def test_an_email_about_a_missing_consultation_fails_without_stopping_the_others(
    client, form_data, privacy_notice, booking_rules, settings
):
    settings.EMAIL_SENT_BY_WORKER = True
    assert submit(client, form_data, 9).status_code == 302
    orphan = OutboundEmail.objects.create(
        to="someone@example.com", subject="Orphan", template="consultation_requested"
    )
    assert send_due() == (2, 1)
    orphan.refresh_from_db()
    assert orphan.status == "queued" and orphan.last_error == "LookupError"
    assert orphan.next_attempt_at > timezone.now()


def test_backoff_grows_and_is_capped():
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(50).total_seconds() == 2 * 60 * 60
