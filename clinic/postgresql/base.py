"""Django's PostgreSQL backend with a health check that costs no round trip, and
statements prepared once per connection.

With ``CONN_HEALTH_CHECKS`` Django checks a kept connection before each request's first
query by sending ``SELECT 1`` and waiting for the answer. A booking spends most of its
time in round trips like that one, so the check asks the socket first: a connection the
server closed (restart, idle timeout, terminated backend) has something to read, the
server's goodbye or end of file, and a healthy idle one has nothing. Only a readable
socket, or a connection not idle, gets Django's own check.

``execute_prepared`` runs a statement the server parsed and planned once for this
connection. Planning the booking statement costs PostgreSQL more than running it.
(Prepared statements belong to a server session: a pooler in transaction mode, which
hands each transaction a different session, would need them turned off.)
"""

import select

from django.db.backends.postgresql import base

IDLE = 0  # libpq's PQTRANS_IDLE, the same number in psycopg2 and psycopg 3


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prepared: set[str] = set()
        self.executes: dict[str, str] = {}

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        self.prepared = set()  # a new server session has none
        return connection

    def execute_prepared(self, cursor, name: str, sql: str, params: list, *, before: str = ""):
        """Run ``sql`` (``%s`` placeholders) as the prepared statement ``name``, preparing
        it first on this connection if need be. ``before``: statements sent in the same
        message, ahead of it, with their parameters first in ``params``."""
        if name not in self.prepared:
            pieces = sql.split("%s")
            numbered = pieces[0] + "".join(f"${n}{rest}" for n, rest in enumerate(pieces[1:], 1))
            cursor.execute(f"PREPARE {name} AS {numbered}")
            self.prepared.add(name)
            self.executes[name] = f"EXECUTE {name} ({', '.join(['%s'] * (len(pieces) - 1))})"
        cursor.execute(before + self.executes[name], params)

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
