"""The loop the background workers share (``send_queued_email --loop``,
``process_waitlist --loop``): one pass, then a pause, until SIGTERM or Ctrl-C, with
the database connection renewed before each pass as Django does between requests."""

import signal
import time
from collections.abc import Callable

from django.db import close_old_connections


def run_until_stopped(one_pass: Callable[[], bool], *, interval: float) -> None:
    """Call ``one_pass`` every ``interval`` seconds until stopped; when it returns True
    (a backlog left) the next pass starts at once. A stop waits for the pass under way."""
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping:
        close_old_connections()
        if one_pass():
            continue
        slept = 0.0
        while slept < interval and not stopping:
            time.sleep(0.2)
            slept += 0.2
    close_old_connections()
