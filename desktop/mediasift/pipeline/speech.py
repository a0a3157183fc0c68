"""The speech model as the SPEECH stage uses it: loaded with the first recording that needs it
(a library without clips or recordings never pays for it), and, when it cannot be loaded,
said once and then skipped, so everything else goes on without transcripts."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from mediasift.media.transcribe import Chunk, SpeechModelUnavailable, Transcriber

log = logging.getLogger(__name__)


class Speech:
    def __init__(self, model: str, device: str = "cpu", threads: int = 0) -> None:
        self.model, self.device, self.threads = model, device, threads
        #: Why transcripts cannot be made (the model failed to load); None while they can.
        self.error: str | None = None
        self._transcriber: Transcriber | None = None
        self._lock = threading.Lock()

    def transcribe(self, path: Path, cancelled: Callable[[], bool] = lambda: False) -> list[Chunk]:
        """Timed chunks of what is said in ``path``; SpeechModelUnavailable when the model
        cannot be loaded (the file keeps its stage to do, for when it can)."""
        return self._loaded().transcribe(path, cancelled)

    def ready(self) -> bool:
        """Load the model now (``doctor``); False, with ``error`` set, when it cannot be."""
        try:
            self._loaded()
        except SpeechModelUnavailable:
            return False
        return True

    def _loaded(self) -> Transcriber:
        with self._lock:  # one load, however many decode workers ask at once
            if self.error is not None:
                raise SpeechModelUnavailable(self.error)
            if self._transcriber is None:
                try:
                    self._transcriber = Transcriber(self.model, self.device, threads=self.threads)
                except SpeechModelUnavailable as exc:
                    self.error = str(exc)
                    log.warning("Recordings and clips will not be transcribed: %s", exc)
                    raise
                log.info("Speech model %s loaded on %s", self.model, self.device)
            return self._transcriber
