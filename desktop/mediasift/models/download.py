"""Getting a model onto this computer in a way a person can follow: progress, cancel, resume.

huggingface_hub lists the repo (``model_info``) and describes each file (``get_hf_file_metadata``:
its ETag, size and commit), and its HTTP session carries the bytes; but its own downloads delete
a partial file when interrupted, so the bytes are fetched here, into ``blobs/<etag>.incomplete``
of the same Hugging Face cache, and a later run asks the server only for the rest (HTTP Range).
Finished files are checked (size, then SHA-256 for LFS weights or the git blob SHA-1 for small
files, against the hub's listing) before they become blobs, and the snapshot is laid out as
huggingface_hub lays it out, so the loader (``models.loading``) finds it offline. One process
at a time fetches a file, under the lock huggingface_hub's own downloads take for it: the
window's first run and an indexer asking for the same model wait for each other instead of
writing one partial file together.

No Qt here: the CLI draws the progress with tqdm, the app's first run can draw it its own way.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .encoder import ModelUnavailable
from .loading import (
    WEIGHT_SUFFIXES,
    as_local_folder,
    files_to_download,
    hub_cache,
    hub_offline,
    resolve_model,
    transport_errors,
)

log = logging.getLogger(__name__)

#: Seconds to wait for the hub to answer before saying it cannot be reached.
CONNECT_TIMEOUT = 5.0
#: Seconds a download may stall before it is given up (a later run resumes it).
READ_TIMEOUT = 30.0
#: Bytes read between progress reports and cancel checks.
CHUNK = 1 << 20
#: Room left free beyond the download itself (the filesystem, other programs).
SPARE_BYTES = 100 << 20
PARTIAL_SUFFIX = ".incomplete"
#: Seconds between cancel checks while another process fetches the same file.
LOCK_POLL_S = 0.5


class DownloadError(Exception):
    """A download that did not happen, with a message meant for the user."""


class Offline(DownloadError):
    """The hub is switched off or cannot be reached, and the model is not here yet."""


class NotEnoughSpace(DownloadError):
    """The files still to fetch do not fit on the disk."""


class Cancelled(DownloadError):
    """Stopped on request; the partial files stay and a later run resumes them."""


@dataclass(frozen=True)
class DownloadProgress:
    """One progress report: bytes of the whole model on disk now, and this run's pace."""

    model_id: str
    file: str
    done: int
    total: int
    fetched: int  # bytes received in this run
    seconds: float  # since this run started fetching

    @property
    def rate(self) -> float:
        """Bytes per second in this run."""
        return self.fetched / self.seconds if self.seconds > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left at this run's pace; None before there is a pace."""
        return (self.total - self.done) / self.rate if self.rate > 0 else None


@dataclass
class DownloadResult:
    """Where the model is now, and how it got there."""

    model_id: str
    folder: Path
    revision: str
    source: str  # "hub" (fetched now), "cache" (already downloaded) or "folder" (a local folder)
    total_bytes: int = 0
    fetched_bytes: int = 0  # received in this run
    resumed_bytes: int = 0  # kept from an interrupted run and not asked for again
    reused_bytes: int = 0  # files already complete in the cache
    redownloaded_bytes: int = 0  # received again although a partial file held them
    checked: list[str] = field(default_factory=list)  # the integrity checks made, per file


@dataclass(frozen=True)
class _Planned:
    """One file of the repo to have: its name, size, blob name and the digest to check."""

    name: str
    size: int
    blob: str
    sha256: str | None  # LFS files: the content's SHA-256; else the git blob SHA-1 is the blob


def free_bytes(path: Path) -> int:
    """Free space on the disk that holds ``path`` (or its nearest existing parent)."""
    for folder in (path, *path.parents):
        if folder.exists():
            return shutil.disk_usage(folder).free
    return shutil.disk_usage(Path.cwd()).free


def storage_folder(model_id: str) -> Path:
    """The model's folder in the Hugging Face cache (``models--org--name``)."""
    return Path(hub_cache()) / ("models--" + model_id.replace("/", "--"))


def _has_weights(folder: Path) -> bool:
    return any(p.name.endswith(WEIGHT_SUFFIXES) for p in (*folder.glob("*"), *folder.glob("*/*")))


def cached_snapshot(model_id: str) -> Path | None:
    """The complete snapshot of ``model_id`` in the Hugging Face cache, or None."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        folder = snapshot_download(model_id, cache_dir=hub_cache(), local_files_only=True)
    except (LocalEntryNotFoundError, OSError, ValueError):
        return None
    return Path(folder) if _has_weights(Path(folder)) else None


def partial_bytes(model_id: str) -> int:
    """Bytes already fetched by interrupted downloads of ``model_id``."""
    blobs = storage_folder(model_id) / "blobs"
    return sum(p.stat().st_size for p in blobs.glob(f"*{PARTIAL_SUFFIX}")) if blobs.is_dir() else 0


def folder_bytes(folder: Path) -> int:
    """Bytes of the files in a model folder (links followed, as the cache's snapshots are)."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def sideload(folder: Path) -> DownloadResult:
    """Check that a local folder holds a model MediaSift can load, without any network."""
    try:
        path, model_id, revision = resolve_model(str(folder))
    except ModelUnavailable as exc:
        raise DownloadError(str(exc)) from exc
    configs = ("config.json", "modules.json")
    if not any((path / name).is_file() for name in configs) or not _has_weights(path):
        raise DownloadError(
            f"{path} is not a model folder: it needs config.json (or modules.json) and weights "
            f"({', '.join(WEIGHT_SUFFIXES)})."
        )
    size = folder_bytes(path)
    return DownloadResult(model_id, path, revision, "folder", total_bytes=size, reused_bytes=size)


def _from_cache(model_id: str, why: str) -> DownloadResult:
    """The cached snapshot when there is one; else :class:`Offline` saying ``why``."""
    folder = cached_snapshot(model_id)
    if folder is None:
        raise Offline(
            f"{why}, and '{model_id}' is not in the Hugging Face cache ({hub_cache()}). "
            "Connect to the internet and run this again, copy a Hugging Face cache from another "
            "computer, or download the model folder elsewhere and point MediaSift at it "
            "(--model FOLDER)."
        )
    size = folder_bytes(folder)
    return DownloadResult(model_id, folder, folder.name, "cache", size, reused_bytes=size)


def _plan(info) -> list[_Planned]:
    """The files the loader needs (one weight format), from a listing with file metadata."""
    siblings = {s.rfilename: s for s in info.siblings or []}
    planned = []
    for name in files_to_download(list(siblings.values())):
        sibling = siblings[name]
        lfs = sibling.lfs
        if lfs is not None:
            planned.append(_Planned(name, lfs.size, lfs.sha256, lfs.sha256))
        elif sibling.blob_id and sibling.size is not None:
            planned.append(_Planned(name, sibling.size, sibling.blob_id, None))
        else:
            raise DownloadError(f"The model hub did not describe {name} (size and digest).")
    return planned


def _list(model_id: str, endpoint: str):
    """The repo listing, or an error that says what went wrong in words."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError

    try:
        return HfApi(endpoint=endpoint).model_info(
            model_id, files_metadata=True, timeout=CONNECT_TIMEOUT
        )
    except GatedRepoError as exc:
        raise DownloadError(
            f"'{model_id}' is gated on the model hub and needs an access token "
            "(huggingface-cli login); or download it elsewhere and point MediaSift at the folder."
        ) from exc
    except RepositoryNotFoundError as exc:
        raise DownloadError(f"'{model_id}' does not exist on the model hub.") from exc
    except HfHubHTTPError as exc:
        raise Offline(f"The model hub answered with an error ({exc})") from exc


def fetch(
    model_id: str,
    on_progress: Callable[[DownloadProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> DownloadResult:
    """Have ``model_id`` (a hub id or a local folder) on this computer; see the module doc.

    Raises :class:`Offline` (at once when ``HF_HUB_OFFLINE`` is set, within
    :data:`CONNECT_TIMEOUT` when the hub does not answer), :class:`NotEnoughSpace` before any
    byte is fetched, :class:`Cancelled` when ``cancel`` is set (partial files stay), and
    :class:`DownloadError` for anything else the user must know.
    """
    try:
        local = as_local_folder(model_id)  # None for a hub id
    except ModelUnavailable as exc:
        raise DownloadError(str(exc)) from exc
    if local is not None:
        return sideload(local)
    if hub_offline():
        return _from_cache(model_id, "The model hub is switched off here (HF_HUB_OFFLINE)")
    from huggingface_hub import constants

    endpoint = os.environ.get("HF_ENDPOINT") or constants.ENDPOINT
    try:
        info = _list(model_id, endpoint)
    except (Offline, OSError, *transport_errors()) as exc:
        log.info("Model hub not reachable for %s: %s", model_id, exc)
        return _from_cache(model_id, f"The model hub ({endpoint}) cannot be reached")
    try:
        return _Fetch(model_id, endpoint, info, on_progress, cancel).run()
    except (OSError, *transport_errors()) as exc:  # the network or the disk gave out midway
        raise DownloadError(
            f"The download of '{model_id}' broke off ({exc}); "
            f"{partial_bytes(model_id) / 1e6:,.1f} MB kept. Run it again to resume."
        ) from exc


class _Fetch:
    """One run of fetching a listed repo into the cache."""

    def __init__(self, model_id, endpoint, info, on_progress, cancel) -> None:
        self.model_id, self.endpoint, self.commit = model_id, endpoint, info.sha
        self.on_progress, self.cancel = on_progress, cancel
        self.planned = _plan(info)
        self.storage = storage_folder(model_id)
        self.blobs = self.storage / "blobs"
        total = sum(p.size for p in self.planned)
        self.result = DownloadResult(model_id, self.storage / "snapshots" / self.commit,
                                     self.commit, "hub", total)  # fmt: skip
        self.started = 0.0

    def run(self) -> DownloadResult:
        missing = {}  # planned -> bytes of it already here (a partial file)
        for planned in self.planned:
            if (self.blobs / planned.blob).is_file():
                self.result.reused_bytes += planned.size
            else:
                partial = self._partial(planned)
                missing[planned] = partial.stat().st_size if partial.is_file() else 0
                self.result.resumed_bytes += missing[planned]
        self._check_space(sum(p.size for p in missing) - self.result.resumed_bytes)
        self.blobs.mkdir(parents=True, exist_ok=True)
        self.started = time.monotonic()
        for planned, had in missing.items():
            with self._only_fetcher(planned):
                if (self.blobs / planned.blob).is_file():  # another process fetched it meanwhile
                    self.result.reused_bytes += planned.size
                    self.result.resumed_bytes -= had
                    continue
                self._download(planned)
        for planned in self.planned:
            self._link(planned)
        refs = self.storage / "refs"
        refs.mkdir(exist_ok=True)
        (refs / "main").write_text(self.commit)
        log.info("%s@%s ready: %d bytes fetched, %d resumed, %d reused", self.model_id,
                 self.commit[:12], self.result.fetched_bytes, self.result.resumed_bytes,
                 self.result.reused_bytes)  # fmt: skip
        return self.result

    def _partial(self, planned: _Planned) -> Path:
        return self.blobs / (planned.blob + PARTIAL_SUFFIX)

    @contextlib.contextmanager
    def _only_fetcher(self, planned: _Planned) -> Iterator[None]:
        """Hold the file's lock (huggingface_hub's: ``.locks/models--org--name/<etag>.lock``),
        waiting while another process fetches it; a cancel stops the wait."""
        from filelock import FileLock, Timeout

        path = Path(hub_cache()) / ".locks" / self.storage.name / f"{planned.blob}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(path)
        while True:
            try:
                lock.acquire(timeout=LOCK_POLL_S)
                break
            except Timeout:
                log.info("%s: waiting for another process fetching it", planned.name)
                if self.cancel is not None and self.cancel.is_set():
                    raise Cancelled("Stopped while another process fetched the model.") from None
        try:
            yield
        finally:
            lock.release()

    def _check_space(self, needed: int) -> None:
        free = free_bytes(self.storage)
        if needed + SPARE_BYTES > free:
            raise NotEnoughSpace(
                f"'{self.model_id}' needs {needed / 1e6:,.0f} MB more on disk, but only "
                f"{free / 1e6:,.0f} MB are free where the Hugging Face cache lives "
                f"({hub_cache()}); nothing was downloaded. Free some space, or set HF_HOME to a "
                "folder on a bigger disk."
            )

    def _report(self, name: str) -> None:
        if self.on_progress is None:
            return
        on_disk = self.result.reused_bytes + self.result.resumed_bytes + self.result.fetched_bytes
        on_disk -= self.result.redownloaded_bytes
        seconds = time.monotonic() - self.started
        self.on_progress(DownloadProgress(self.model_id, name, on_disk, self.result.total_bytes,
                                          self.result.fetched_bytes, seconds))  # fmt: skip

    def _download(self, planned: _Planned) -> None:
        from huggingface_hub import get_hf_file_metadata, hf_hub_url

        url = hf_hub_url(self.model_id, planned.name, revision=self.commit, endpoint=self.endpoint)
        meta = get_hf_file_metadata(url, timeout=CONNECT_TIMEOUT, endpoint=self.endpoint)
        if meta.commit_hash != self.commit or meta.etag != planned.blob:
            raise DownloadError(
                f"The model hub describes {planned.name} differently from its listing "
                f"(commit {meta.commit_hash}, etag {meta.etag}); try again later."
            )
        partial = self._partial(planned)
        partial.touch()
        self._stream(meta.location, partial, planned)
        self._verify(partial, planned)
        partial.replace(self.blobs / planned.blob)

    def _stream(self, url: str, partial: Path, planned: _Planned) -> None:
        """Append the rest of the file to ``partial``, asking only for what it lacks."""
        from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

        have = partial.stat().st_size
        if have > planned.size:  # not this file's beginning: start over
            partial.write_bytes(b"")
            have = 0
        if have == planned.size:
            return
        headers = build_hf_headers(headers={"Accept-Encoding": "identity"})
        if have:
            headers["Range"] = f"bytes={have}-"
        with get_session().stream("GET", url, headers=headers, timeout=READ_TIMEOUT) as response:
            hf_raise_for_status(response)
            mode = "ab"
            if have and response.status_code != 206:  # the server ignored the Range
                log.warning("%s: the server sent the whole file again", planned.name)
                self.result.redownloaded_bytes += have
                mode = "wb"
            with partial.open(mode) as out:
                for chunk in response.iter_bytes(CHUNK):
                    out.write(chunk)
                    self.result.fetched_bytes += len(chunk)
                    self._report(planned.name)
                    if self.cancel is not None and self.cancel.is_set():
                        break
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled(
                f"Stopped; {partial_bytes(self.model_id) / 1e6:,.1f} MB kept, and the next try "
                "resumes from there."
            )

    def _verify(self, partial: Path, planned: _Planned) -> None:
        """Size, then the digest the hub lists; a damaged file is removed so a rerun refetches."""
        size = partial.stat().st_size
        if planned.sha256 is not None:
            digest, check = hashlib.sha256(), "sha256"
        else:
            digest, check = hashlib.sha1(f"blob {size}\0".encode()), "git-sha1"
        with partial.open("rb") as handle:
            while block := handle.read(CHUNK):
                digest.update(block)
        if size != planned.size or digest.hexdigest() != planned.blob:
            partial.unlink()
            raise DownloadError(
                f"{planned.name} arrived damaged ({size} of {planned.size} bytes, {check} "
                "mismatch) and was removed; the next try fetches it again."
            )
        self.result.checked.append(f"{planned.name}: size + {check}")

    def _link(self, planned: _Planned) -> None:
        """``snapshots/<commit>/<name>`` pointing at the blob, as huggingface_hub makes it."""
        pointer = self.result.folder / planned.name
        if pointer.exists():
            return
        pointer.parent.mkdir(parents=True, exist_ok=True)
        blob = self.blobs / planned.blob
        try:
            pointer.symlink_to(os.path.relpath(blob, pointer.parent))
        except OSError:  # no symlinks here (some Windows setups): a copy, as huggingface_hub does
            shutil.copyfile(blob, pointer)
