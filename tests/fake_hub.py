"""A fake Hugging Face hub, started by the tests that download: the endpoints huggingface_hub
really calls (the repo listing with file metadata, HEAD and ranged GET on ``resolve``), no
network. Every repo holds FILES. Loaded as a plugin by tests/conftest.py."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mediasift.models import download

REPO = "acme/tiny-clip"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
CONFIG = json.dumps({"model_type": "clip"}).encode()
WEIGHTS = os.urandom(3 << 20)  # 3 MiB, sent as an LFS file
FILES = {
    "config.json": CONFIG,
    "model.safetensors": WEIGHTS,
    "README.md": b"# not needed by the loader\n",
    "onnx/model.onnx": b"another runtime's copy",
}
LFS = {"model.safetensors"}


def _git_sha1(data: bytes) -> str:
    return hashlib.sha1(f"blob {len(data)}\0".encode() + data).hexdigest()


def _etag(name: str) -> str:
    data = FILES[name]
    return hashlib.sha256(data).hexdigest() if name in LFS else _git_sha1(data)


class FakeHub(BaseHTTPRequestHandler):
    """``GET /api/models/ORG/NAME`` and ``HEAD``/``GET /ORG/NAME/resolve/REV/FILE`` (Range)."""

    served: list[int]  # bytes of file content sent, per GET
    cut_after: int | None = None  # drop the connection after this many bytes of a file
    hold_after: int | None = None  # after this many bytes of a larger file, wait for go_on
    go_on = threading.Event()

    def log_message(self, *args) -> None:  # quiet
        pass

    def _file(self) -> str | None:
        """The file a ``/ORG/NAME/resolve/REV/FILE`` path asks for: every repo holds FILES."""
        found = re.fullmatch(r"/[^/]+/[^/]+/resolve/([^/]+)/(.+)", self.path)
        if found is None or found[1] not in (COMMIT, "main") or found[2] not in FILES:
            return None
        return found[2]

    def _headers(self, name: str, length: int, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("X-Repo-Commit", COMMIT)
        self.send_header("ETag", f'"{_etag(name)}"')
        if name in LFS:
            self.send_header("X-Linked-Etag", f'"{_etag(name)}"')
            self.send_header("X-Linked-Size", str(len(FILES[name])))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(length))

    def do_HEAD(self) -> None:
        name = self._file()
        if name is None:
            self.send_error(404)
            return
        self._headers(name, len(FILES[name]))
        self.end_headers()

    def do_GET(self) -> None:
        if listing := re.fullmatch(r"/api/models/([^/]+/[^/?]+)(\?.*)?", self.path):
            siblings = []
            for name, data in FILES.items():
                sibling = {"rfilename": name, "size": len(data), "blobId": _git_sha1(data)}
                if name in LFS:
                    sha = hashlib.sha256(data).hexdigest()
                    sibling["lfs"] = {"size": len(data), "sha256": sha, "pointerSize": 134}
                siblings.append(sibling)
            body = json.dumps({"id": listing[1], "sha": COMMIT, "siblings": siblings}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        name = self._file()
        if name is None:
            self.send_error(404)
            return
        data, start = FILES[name], 0
        if self.headers.get("Range"):
            start = int(self.headers["Range"].removeprefix("bytes=").split("-")[0])
            self._headers(name, len(data) - start, 206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self._headers(name, len(data))
        self.end_headers()
        sent = data[start:] if self.cut_after is None else data[start : start + self.cut_after]
        hold = len(sent) if self.hold_after is None else min(self.hold_after, len(sent))
        with contextlib.suppress(ConnectionError):  # a client that stopped reading
            self.wfile.write(sent[:hold])
            self.wfile.flush()
            if hold < len(sent):
                self.go_on.wait(30)
                self.wfile.write(sent[hold:])
        self.served.append(len(sent))


@pytest.fixture(scope="module")
def hub_url():
    FakeHub.served = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def hub(hub_url, monkeypatch, tmp_path):
    """Online against the fake hub, with an empty cache; small chunks so cancel can land."""
    from huggingface_hub import constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_ENDPOINT", hub_url)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setattr(download, "CHUNK", 64 << 10)
    FakeHub.served.clear()
    return hub_url
