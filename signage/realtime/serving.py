"""`signage serve`: the gevent WSGI server, with a prompt, lossless stop on SIGTERM and SIGINT.

On a stop signal the server stops accepting, closes every player socket (players come back to
the next process with their jittered backoff), writes the buffered receipts and heartbeats, and
exits within a few seconds instead of waiting on websockets that never end by themselves.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from typing import Any

import gevent
from gevent import pywsgi

log = logging.getLogger(__name__)
STOP_TIMEOUT_S = 3.0


class Handler(pywsgi.WSGIHandler):
    """pywsgi's handler, but a connection that carried a websocket is never read again.

    simple-websocket serves the websocket on a duplicate of the socket; once it closes, pywsgi
    used to read the client's close frame as the next HTTP request and log
    `Invalid HTTP method: '\\x88\\x82...'` for every clean player disconnect.
    """

    def handle_one_response(self) -> Any:
        """Run the request; close the connection afterwards if it was a websocket upgrade."""
        try:
            return super().handle_one_response()
        finally:
            if self.environ.get("HTTP_UPGRADE", "").lower() == "websocket":
                self.close_connection = True


def serve_forever(app: Any, socketio: Any, host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT, then stop cleanly (see the module docstring)."""
    from signage.realtime.lifecycle import shutdown

    server = pywsgi.WSGIServer((host, port), app, handler_class=Handler, log=None)
    socketio.wsgi_server = server
    stopping: list[Any] = []

    def stop() -> None:
        server.close()  # no new connections: the next process takes them
        shutdown(app)
        scheduler = app.extensions.get("signage_scheduler")
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        server.stop(timeout=STOP_TIMEOUT_S)

    def on_signal() -> None:
        if not stopping:
            log.info("stop signal: closing player sockets and flushing buffers")
            stopping.append(gevent.spawn(stop))

    gevent.signal_handler(signal.SIGTERM, on_signal)
    gevent.signal_handler(signal.SIGINT, on_signal)
    server.serve_forever()
    if stopping:
        stopping[0].join(timeout=STOP_TIMEOUT_S * 2)
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        # Everything is written; the interpreter's own teardown under gevent idled for about
        # seven seconds more (threads of the hub), which a restart must not wait for.
        os._exit(0)
