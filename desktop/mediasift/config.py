"""Settings: where the library lives and which model encodes it.

Precedence for every setting: command-line flag > environment variable > settings file > default.
The settings file is TOML in the platform config dir (or ``$MEDIASIFT_HOME/config.toml``).
"""

from __future__ import annotations

import json
import logging
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

import platformdirs

from mediasift.dedup.keeper import DEFAULT_RULES, KeeperRules

log = logging.getLogger(__name__)

APP_NAME = "MediaSift"
HOME_ENV = "MEDIASIFT_HOME"
MODEL_ENV = "MEDIASIFT_MODEL"
TEXT_MODEL_ENV = "MEDIASIFT_TEXT_MODEL"
SPEECH_MODEL_ENV = "MEDIASIFT_SPEECH_MODEL"
RERANKER_ENV = "MEDIASIFT_RERANKER"
CACHE_ENV = "MEDIASIFT_CACHE"


def data_dir() -> Path:
    """The library's folder: ``$MEDIASIFT_HOME`` for tests and portable use, else the platform's."""
    home = os.environ.get(HOME_ENV)
    return Path(home).expanduser() if home else default_data_dir()


def default_data_dir() -> Path:
    """Where the library lives unless ``$MEDIASIFT_HOME`` says otherwise."""
    return Path(platformdirs.user_data_dir(APP_NAME, False))


def cache_dir() -> Path:
    """Files MediaSift makes itself and can remake (query towers): ``$MEDIASIFT_CACHE``, else
    inside ``$MEDIASIFT_HOME``, else the platform's cache folder. Shared by every library."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home).expanduser() / "cache"
    return Path(platformdirs.user_cache_dir(APP_NAME, False))


def config_path() -> Path:
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home).expanduser() / "config.toml"
    return Path(platformdirs.user_config_dir(APP_NAME, False)) / "config.toml"


@dataclass
class Settings:
    """User settings. ``model`` (visual) and ``text_model`` are hub ids or local folders;
    None picks the default."""

    model: str | None = None
    text_model: str | None = None
    device: str | None = None
    decode_workers: int = 2
    batch_size: int = 16
    #: Cosine below which the best hit counts as "no good match"; None uses the model's own value.
    min_score: float | None = None
    #: Leave the machine usable while watching: one decode thread, one model thread.
    throttle: bool = False
    #: Threads each model may use (None: all cores). Searching alone wants 1: a query is
    #: tiny, and a second OpenMP thread stalls whenever anything else holds a core.
    threads: int | None = None
    #: Seconds without work after which a watching indexer lets its models go (their process
    #: ends and its memory returns to the system); the next file that needs them loads them.
    release_after: float = 180.0
    #: Pause background indexing while the computer runs on battery (where the OS tells).
    pause_on_battery: bool = True
    #: Read text inside images (screenshots, photos of documents) with OCR.
    ocr: bool = True
    #: Transcribe speech in recordings and clips (a later stage than their pictures).
    transcribe: bool = True
    #: The speech model (faster-whisper): a hub id or a local folder; None picks by device.
    speech_model: str | None = None
    #: The reranker that reorders the top of a search once it is shown: a hub id or a local
    #: folder, "off", or None for the default (Qwen3-VL-Reranker where the Qwen3-VL embedder
    #: runs on CUDA; none on the CPU, where it takes seconds).
    reranker: str | None = None
    #: Keep indexing after the window closes, and start the indexer at login.
    background: bool = False
    #: Pages or slides read from one document; the rest is skipped with a notice.
    max_pages: int = 500
    #: Seconds one document may take to read before the pages so far are kept.
    document_seconds: float = 60.0
    #: Folders whose files a duplicate cleanup never proposes to move away.
    protected: list[str] = field(default_factory=list)
    #: Which copy of a duplicate to keep, the first rule deciding first (mediasift.dedup.keeper).
    keeper_rules: list[str] = field(default_factory=lambda: list(DEFAULT_RULES))

    def keeper(self) -> KeeperRules:
        """The duplicate keeper rules and protected folders these settings hold."""
        return KeeperRules(tuple(self.keeper_rules), tuple(self.protected))

    def models(self) -> dict:
        """What makes two processes answer a search alike: a running indexer answers another
        process's search only when these match (see mediasift.ipc)."""
        return {"model": self.model, "text_model": self.text_model, "min_score": self.min_score,
                "reranker": self.reranker}  # fmt: skip

    def save(self, path: Path | None = None) -> Path:
        """Write the settings that differ from the defaults, as TOML, atomically."""
        path = path or config_path()
        defaults = Settings()
        lines = [
            f"{f.name} = {json.dumps(getattr(self, f.name))}"  # JSON scalars are TOML scalars
            for f in fields(self)
            if getattr(self, f.name) is not None
            and getattr(self, f.name) != getattr(defaults, f.name)
        ]
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(".toml.tmp")
        temp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        temp.replace(path)
        return path

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        path = path or config_path()
        values: dict = {}
        if path.is_file():
            try:
                values = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                log.warning("Ignoring unreadable settings file %s: %s", path, exc)
        known = {f.name for f in fields(cls)}
        settings = cls(**{k: v for k, v in values.items() if k in known})
        if os.environ.get(MODEL_ENV):
            settings.model = os.environ[MODEL_ENV]
        if os.environ.get(TEXT_MODEL_ENV):
            settings.text_model = os.environ[TEXT_MODEL_ENV]
        if os.environ.get(SPEECH_MODEL_ENV):
            settings.speech_model = os.environ[SPEECH_MODEL_ENV]
        if os.environ.get(RERANKER_ENV):
            settings.reranker = os.environ[RERANKER_ENV]
        return settings
