"""A Celery broker that cannot be reached, for the tests of what degrades when Redis is down."""

import socket
from contextlib import contextmanager

from config.celery import app


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again once the socket is


@contextmanager
def unreachable_broker(monkeypatch):
    """Celery's broker URL points at a port nobody listens on, for the real send path."""
    # items, not attributes: Celery computes broker_write_url from broker_url, so patching the
    # attribute would read (and later restore) the closed port into it for every later test
    monkeypatch.setitem(app.conf, "broker_url", f"redis://127.0.0.1:{closed_port()}/0")
    monkeypatch.setitem(app.conf, "broker_write_url", None)
    monkeypatch.setattr(app, "_pool", None)
    # the producer pool keeps the connection it was made with: later tests would publish to
    # the closed port (restored to what it was when the test ends)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    try:
        yield
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
