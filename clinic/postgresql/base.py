"""Django's PostgreSQL backend with a health check that costs no round trip.

With ``CONN_HEALTH_CHECKS`` Django checks a kept connection before each request's first
query by sending ``SELECT 1`` and waiting for the answer. A booking spends most of its
time in round trips like that one, so the check asks the socket first: a connection the
server closed (restart, idle timeout, terminated backend) has something to read, the
server's goodbye or end of file, and a healthy idle one has nothing. Only a readable
socket, or a connection not idle, gets Django's own check.
"""

import select

from django.db.backends.postgresql import base

IDLE = 0  # libpq's PQTRANS_IDLE, the same number in psycopg2 and psycopg 3


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed:
            return False
        try:
            if connection.info.transaction_status != IDLE:
                return super().is_usable()
            poller = select.poll()
            poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
            if poller.poll(0):
                return super().is_usable()
        except (OSError, ValueError):
            return False
        return True
