"""One window per library: a second launch hands its query to the running window, which comes
to the front, and exits. The link is a user-only local socket named after the library folder."""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

#: How long a second launch waits for the running window before opening its own.
CONNECT_MS = 1000


def server_name(home: Path) -> str:
    """Per user and per library: two libraries (MEDIASIFT_HOME) may each have a window."""
    digest = hashlib.sha1(str(home.resolve()).encode()).hexdigest()[:12]
    return f"mediasift-{getpass.getuser()}-{digest}"


def pass_to_running(home: Path, query: str | None) -> bool:
    """Hand ``query`` to the window already open on ``home``; False when there is none."""
    socket = QLocalSocket()
    socket.connectToServer(server_name(home))
    if not socket.waitForConnected(CONNECT_MS):
        return False
    socket.write(json.dumps({"query": query}).encode() + b"\n")
    socket.waitForBytesWritten(CONNECT_MS)
    socket.disconnectFromServer()
    return True


class WindowServer(QObject):
    """Listens for later launches; ``launched`` carries their query (None: just show it)."""

    launched = Signal(object)

    def __init__(self, home: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._connected)
        name = server_name(home)
        if not self.server.listen(name):
            # A window that crashed leaves its socket file behind; no window answered on it.
            QLocalServer.removeServer(name)
            if not self.server.listen(name):
                log.warning(
                    "A second launch cannot reach this window: %s", self.server.errorString()
                )

    def _connected(self) -> None:
        while (socket := self.server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)

    def _read(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            return
        try:
            message = json.loads(bytes(socket.readLine()).decode())
        except ValueError:
            return
        self.launched.emit(message.get("query") if isinstance(message, dict) else None)
