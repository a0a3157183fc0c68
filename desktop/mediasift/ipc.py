"""A running indexer answers searches over a local socket, so a search loads no model at all.

``mediasift watch`` (and the app's indexer) serves ``<library>/indexer.sock``, a Unix socket
only its user can open. ``mediasift search`` and ``similar`` ask it first and answer on their
own when no indexer runs, when the socket was left behind by a killed one (connecting is
refused at once, so nothing hangs), when the indexer was started with other models, or when
it does not answer in time. Either way the same :class:`~mediasift.search.engine.Response`
is printed.

One connection carries one JSON request line and one JSON reply line.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import socketserver
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

SOCKET_NAME = "indexer.sock"
#: Seconds a search waits for the indexer's answer before answering on its own.
ANSWER_TIMEOUT = 20.0
_MAX_LINE = 64 << 20  # a cleanup plan of many files is one line


def socket_path(home: Path) -> Path:
    return home / SOCKET_NAME


def ask(home: Path, request: dict, timeout: float = ANSWER_TIMEOUT) -> dict | None:
    """The running indexer's reply to ``request``, or None when none answers it."""
    path = socket_path(home)
    if not path.exists():
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(path))
            sock.sendall(json.dumps(request).encode("utf-8") + b"\n")
            reply = json.loads(_read_line(sock.makefile("rb")))
    except (ConnectionRefusedError, FileNotFoundError):
        log.info("No indexer behind %s (left by one that stopped); answering here", path)
        return None
    except (OSError, ValueError) as exc:  # timeouts, resets, a garbled reply
        log.warning("The running indexer did not answer (%s); answering here", exc)
        return None
    if "declined" in reply:
        log.info("The running indexer declined: %s; answering here", reply["declined"])
        return None
    log.info("Answered by the running indexer (pid %s)", reply.get("pid"))
    return reply


def _read_line(stream) -> bytes:
    line = stream.readline(_MAX_LINE + 1)
    if not line.endswith(b"\n"):
        raise ValueError("incomplete or oversized message")
    return line


class Server:
    """Serves ``handle(request) -> reply`` on the library's socket from a background thread."""

    def __init__(self, home: Path, handle: Callable[[dict], dict]) -> None:
        self.path = socket_path(home)
        self._handle = handle
        self._server: socketserver.ThreadingUnixStreamServer | None = None

    def start(self) -> Server:
        """Listen. The caller holds the library's writer lock, so a socket already there was
        left by an indexer that was killed: it is replaced."""
        self.path.unlink(missing_ok=True)
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                try:
                    request = json.loads(_read_line(self.rfile))
                    ping = request.get("op") == "ping"
                    reply = {"pong": True} if ping else outer._handle(request)
                except (OSError, ValueError) as exc:
                    log.warning("Bad request on %s: %s", outer.path, exc)
                    return
                reply["pid"] = os.getpid()
                self.wfile.write(json.dumps(reply, default=str).encode("utf-8") + b"\n")

        old_umask = os.umask(0o077)  # the socket is born user-only: no window for others
        try:
            server = socketserver.ThreadingUnixStreamServer(str(self.path), Handler)
        except OSError as exc:  # a path too long for a socket, a read-only library folder
            log.warning("Searches cannot reach this indexer (%s): %s", self.path, exc)
            return self
        finally:
            os.umask(old_umask)
        server.daemon_threads = True
        self._server = server
        # No poll interval: the thread sleeps until a connection comes (stop makes one).
        threading.Thread(
            target=server.serve_forever, args=(None,), name="answers", daemon=True
        ).start()
        log.info("Answering searches on %s", self.path)
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        closing = threading.Thread(target=self._server.shutdown, name="answers-stop")
        closing.start()
        while closing.is_alive():  # serve_forever sees the shutdown at its next connection
            self._nudge()
            closing.join(0.05)
        self._server.server_close()
        self.path.unlink(missing_ok=True)
        self._server = None

    def _nudge(self) -> None:
        with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(1)
            sock.connect(str(self.path))
            sock.sendall(b'{"op": "ping"}\n')
