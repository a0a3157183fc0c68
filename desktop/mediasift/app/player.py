"""A small player in the preview pane: a clip or recording cued at the moment that matched.

QtMultimedia (PySide6-Addons, with its own FFmpeg) plays it. The file is cued paused at the
moment, so choosing a result shows the matching frame without sound; Play (or Space) goes on
from there. A position set before the file is loaded is ignored by Qt, so the cue waits for
``LoadedMedia``. Frames arrive as images (``frame``) that the pane paints where it shows any
picture: a video widget would need a native surface, which some X servers and screenshots of
the window do not have.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer, QVideoFrame, QVideoSink
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from mediasift.search.engine import clock

#: Frames painted per second while playing.
PAINT_FPS = 15


class MomentPlayer(QWidget):
    """Play/pause, a position slider and the time; the picture goes out as ``frame``."""

    #: The position shown, in seconds (the cue landed, or the user moved it).
    moved = Signal(float)
    #: A video frame to show.
    frame = Signal(QImage)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        self.sink = QVideoSink(self)
        self.sink.videoFrameChanged.connect(self._frame)
        self.player.setVideoSink(self.sink)
        self._cue: float | None = None
        self._painted = 0.0  # when the last frame went out
        self.play_button = QPushButton("Play", toolTip="Play or pause (Space)")
        self.play_button.clicked.connect(self.toggle)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.sliderMoved.connect(lambda ms: self.player.setPosition(ms))
        self.time = QLabel("00:00")
        controls = QHBoxLayout(self)
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addWidget(self.play_button)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.time)
        self.player.mediaStatusChanged.connect(self._status)
        self.player.durationChanged.connect(lambda ms: self.slider.setRange(0, ms))
        self.player.positionChanged.connect(self._position)
        self.player.playbackStateChanged.connect(self._state)

    def cue(self, path: str, at: float | None) -> None:
        """Load ``path`` paused at ``at`` seconds."""
        url = QUrl.fromLocalFile(path)
        if self.player.source() == url:  # loaded already: Qt sends no LoadedMedia again
            self.player.pause()
            self.seek(at or 0.0)
            return
        self.player.stop()
        self._cue = at or 0.0
        self.player.setSource(url)

    def seek(self, seconds: float) -> None:
        self.player.setPosition(int(seconds * 1000))

    def toggle(self) -> None:
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
        else:
            self.player.play()

    def stop(self) -> None:
        self.player.stop()
        self.player.setSource(QUrl())

    def _status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.LoadedMedia and self._cue is not None:
            self.seek(self._cue)
            self.player.pause()  # shows the frame at the cue, silently
            self._cue = None

    def _frame(self, frame: QVideoFrame) -> None:
        """Frames to paint, at most PAINT_FPS while playing: converting and scaling each one
        takes the GUI thread (~10 ms for 1080p), and a preview needs no more."""
        now = time.monotonic()
        playing = self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
        if not frame.isValid() or (playing and now - self._painted < 1 / PAINT_FPS):
            return
        self._painted = now
        self.frame.emit(frame.toImage())

    def _position(self, ms: int) -> None:
        self.slider.setValue(ms)
        self.time.setText(clock(ms / 1000))
        self.moved.emit(ms / 1000)

    def _state(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setText("Pause" if playing else "Play")
