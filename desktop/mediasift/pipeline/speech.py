"""The speech model as the SPEECH stage uses it: loaded with the first recording that needs it
(a library without clips or recordings never pays for it), and, when it cannot be loaded, kept
in ``error`` for the front ends to say once and then skipped, so everything else goes on without
transcripts. A watching indexer lets it go after ``idle_after`` seconds without a recording
(CTranslate2 frees its weights, which are then handed back to the system), and the next
recording loads it again."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from mediasift.idle import IdleTimer, give_back_memory
from mediasift.media.transcribe import Chunk, SpeechModelUnavailable, Transcriber

log = logging.getLogger(__name__)


class Speech:
    def __init__(
        self, model: str, device: str = "cpu", threads: int = 0, idle_after: float | None = None
    ) -> None:
        self.model, self.device, self.threads = model, device, threads
        #: Why transcripts cannot be made (the model failed to load); None while they can.
        self.error: str | None = None
        self._transcriber: Transcriber | None = None
        self._users = 0
        self._lock = threading.Lock()
        self._timer = IdleTimer(idle_after, self._release, "speech") if idle_after else None

    def transcribe(self, path: Path, cancelled: Callable[[], bool] = lambda: False) -> list[Chunk]:
        """Timed chunks of what is said in ``path``; SpeechModelUnavailable when the model
        cannot be loaded (the file keeps its stage to do, for when it can)."""
        transcriber = self._loaded(use=True)
        try:
            return transcriber.transcribe(path, cancelled)
        finally:
            with self._lock:
                self._users -= 1
            if self._timer is not None:
                self._timer.touch()

    def ready(self) -> bool:
        """Load the model now (``doctor``); False, with ``error`` set, when it cannot be."""
        try:
            self._loaded()
        except SpeechModelUnavailable:
            return False
        return True

    def _loaded(self, use: bool = False) -> Transcriber:
        with self._lock:  # one load, however many decode workers ask at once
            if self.error is not None:
                raise SpeechModelUnavailable(self.error)
            if self._transcriber is None:
                try:
                    self._transcriber = Transcriber(self.model, self.device, threads=self.threads)
                except SpeechModelUnavailable as exc:
                    self.error = str(exc)
                    log.info("Recordings and clips will not be transcribed: %s", exc)
                    raise
                log.info("Speech model %s loaded on %s", self.model, self.device)
            self._users += use
            return self._transcriber

    def _release(self) -> None:
        """The idle timer fired: drop the model unless a recording is being heard."""
        with self._lock:
            if self._users or self._transcriber is None:
                return
            self._transcriber = None
        log.info("Speech model unused for a while: let go (loaded again on need)")
        give_back_memory()
