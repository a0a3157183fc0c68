"""The ``mediasift`` command as separate processes: what it imports, and asking a running
indexer over its socket."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mediasift.ipc import ask, socket_path
from mediasift.library import Library

HEAVY = ("torch", "transformers", "sentence_transformers", "onnxruntime", "PIL", "pypdfium2")
# Runs the CLI in this interpreter, then reports which heavy packages it imported.
PROBE = (
    "import sys; from mediasift.cli import main\n"
    "try:\n    code = main(sys.argv[1:])\nexcept SystemExit as exc:\n    code = exc.code\n"
    f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})), file=sys.stderr)\n"
    "sys.exit(code)"
)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, tiny_clip, minilm):
    """A library of a few images and one screenshot-like PDF, indexed (towers made)."""
    from helpers import write_image, write_pdf

    from mediasift.config import Settings

    root = tmp_path_factory.mktemp("cli-process")
    folder = root / "files"
    for i in range(6):
        write_image(folder / f"photo{i}.jpg", i)
    write_pdf(folder / "lease.pdf", ["The lease deposit is due on the first of May."])
    settings = Settings(model=str(tiny_clip), text_model=str(minilm), ocr=False)
    with Library(root / "home", settings) as lib:
        lib.add_folder(folder)
        assert lib.index().new == 7
    env = {
        **os.environ,
        "MEDIASIFT_HOME": str(root / "home"),
        "MEDIASIFT_MODEL": str(tiny_clip),
        "MEDIASIFT_TEXT_MODEL": str(minilm),
    }
    return root, env


def _cli(env: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env=env, capture_output=True, text=True, timeout=timeout, cwd=env["MEDIASIFT_HOME"],
    )  # fmt: skip


def _imported(result: subprocess.CompletedProcess) -> list[str]:
    return json.loads(result.stderr.strip().splitlines()[-1].replace("'", '"'))


def test_search_imports_neither_torch_nor_transformers(indexed):
    _, env = indexed
    result = _cli(env, "search", "when is the rent deposit due", "--json")
    assert result.returncode == 0, result.stderr
    assert Path(json.loads(result.stdout)[0]["path"]).name == "lease.pdf"
    assert set(_imported(result)) <= {"onnxruntime"}  # the query towers, nothing else


@pytest.mark.parametrize(
    "args", [("status",), ("folders", "list"), ("--help",), ("search",), ("bogus-command",)]
)
def test_light_commands_import_nothing_heavy(indexed, args):
    _, env = indexed
    result = _cli(env, *args)
    assert result.returncode == (0 if args[0] in ("status", "folders", "--help") else 2)
    assert _imported(result) == []


def _search(env: dict, *extra: str) -> subprocess.CompletedProcess:
    return _cli(env, "-v", "search", "rent deposit", "-n", "3", "--json", *extra)


def test_running_indexer_answers_searches_with_the_same_results(indexed):
    root, env = indexed
    home = Path(env["MEDIASIFT_HOME"])
    alone = _search(env)
    assert alone.returncode == 0 and "Answered by the running indexer" not in alone.stderr
    watch = _start_watch(env)
    try:
        assert socket_path(home).stat().st_mode & 0o077 == 0  # only the user may connect
        served = _search(env)
        assert served.returncode == 0, served.stderr
        assert f"Answered by the running indexer (pid {watch.pid})" in served.stderr
        assert json.loads(served.stdout) == json.loads(alone.stdout)
        # Other models than the indexer's: it declines, and the search answers on its own.
        other = _search({**env, "MEDIASIFT_TEXT_MODEL": str(root / "nonexistent")})
        assert "declined" in other.stderr and "Answered by" not in other.stderr
    finally:
        watch.send_signal(signal.SIGTERM)
        watch.wait(timeout=60)
    assert not socket_path(home).exists()  # a clean stop leaves nothing behind


def test_socket_left_by_a_killed_indexer_is_ignored(indexed):
    _, env = indexed
    home = Path(env["MEDIASIFT_HOME"])
    expected = json.loads(_search(env).stdout)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(socket_path(home)))  # bound, never listening: what a killed one leaves
    stale.close()
    try:
        started = time.monotonic()
        result = _search(env)
        assert time.monotonic() - started < 30
        assert result.returncode == 0 and "answering here" in result.stderr
        assert json.loads(result.stdout) == expected
    finally:
        socket_path(home).unlink(missing_ok=True)


def _start_watch(env: dict) -> subprocess.Popen:
    watch = subprocess.Popen(
        [sys.executable, "-m", "mediasift.cli", "watch"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while ask(Path(env["MEDIASIFT_HOME"]), {"op": "ping"}, timeout=5) is None:
        assert watch.poll() is None, watch.stderr.read()
        assert time.monotonic() < deadline, "the indexer never answered"
        time.sleep(0.2)
    return watch


def test_one_indexer_per_library_and_index_hands_folders_to_it(indexed):
    from helpers import write_image

    root, env = indexed
    watch = _start_watch(env)
    try:
        second = _cli(env, "watch")
        assert second.returncode == 2
        assert f"being indexed by process {watch.pid} (mediasift watch)" in second.stderr
        new = root / "later"
        write_image(new / "late.png", 99)
        handed = _cli(env, "index", str(new), "--json")
        assert handed.returncode == 0, handed.stderr
        assert json.loads(handed.stdout)["folders"] == [str(new.resolve())]
        catalog = sqlite3.connect(f"file:{env['MEDIASIFT_HOME']}/catalog.sqlite3?mode=ro", uri=True)
        deadline = time.monotonic() + 60
        while not catalog.execute(
            "SELECT count(*) FROM files WHERE path = ? AND status = 'indexed'",
            (str(new.resolve() / "late.png"),),
        ).fetchone()[0]:
            assert time.monotonic() < deadline, "the handed folder was not indexed"
            time.sleep(0.2)
        catalog.close()
        # The indexer watches the new folder from now on.
        write_image(new / "later.png", 100)
        deadline = time.monotonic() + 60
        while "later.png" not in _cli(env, "search", "name:later", "--json").stdout:
            assert time.monotonic() < deadline, "a file in the handed folder was not indexed"
            time.sleep(0.5)
    finally:
        watch.send_signal(signal.SIGTERM)
        watch.wait(timeout=60)
    assert "Handed" not in _cli(env, "index", "--json").stdout  # nobody runs: indexed here
