"""gunicorn settings: `gunicorn -c python:signage.gunicorn_conf -b 127.0.0.1:8081 wsgi:app`.

On SIGTERM the worker closes its player sockets at once (they would otherwise hold it for the
whole graceful timeout, with the API unreachable meanwhile), writes the buffered receipts and
heartbeats, and exits within a few seconds. Command-line options override these values.
"""

from __future__ import annotations

import signal
from typing import Any

worker_class = "gevent"
workers = 1  # one process per port; scale out with more processes joined by Redis
worker_connections = 20000  # the default of 1000 silently caps the players of a process
graceful_timeout = 10  # sockets are closed at once; this only bounds slow HTTP requests
timeout = 30


def _app(worker: Any) -> Any:
    app = getattr(worker, "wsgi", None)
    return app if hasattr(app, "extensions") else None


def post_worker_init(worker: Any) -> None:
    """Replace the worker's SIGTERM handler: stop accepting, then close and flush at once."""
    import gevent

    from signage.realtime.lifecycle import shutdown

    handle_exit = worker.handle_exit
    app = _app(worker)

    def on_term(sig: int, frame: Any) -> None:
        handle_exit(sig, frame)  # the worker stops accepting and waits for its handlers
        if app is not None:
            gevent.spawn(shutdown, app)  # ... which end as soon as the sockets are closed

    signal.signal(signal.SIGTERM, on_term)


def worker_exit(server: Any, worker: Any) -> None:
    """Write whatever is still buffered (receipts that arrived during the stop)."""
    from signage.realtime.lifecycle import flush_buffers

    app = _app(worker)
    if app is not None:
        flush_buffers(app)
