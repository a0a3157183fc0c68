"""A small player in the preview pane: a clip or recording cued at the moment that matched.

QtMultimedia (PySide6-Addons, with its own FFmpeg) plays it. The file is cued paused at the
moment, so choosing a result shows the matching frame without sound; Play (or Space in the
player) goes on from there. A position set before the file is loaded is ignored by Qt, so the
cue waits for ``LoadedMedia``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from mediasift.search.engine import clock


class MomentPlayer(QWidget):
    #: The position shown, in seconds (the cue landed, or the user moved it).
    moved = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        self.video = QVideoWidget()
        self.player.setVideoOutput(self.video)
        self._cue: float | None = None
        self.play_button = QPushButton("Play", toolTip="Play or pause (Space)")
        self.play_button.clicked.connect(self.toggle)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.sliderMoved.connect(lambda ms: self.player.setPosition(ms))
        self.time = QLabel("00:00")
        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.time)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.video, 1)
        layout.addLayout(controls)
        self.player.mediaStatusChanged.connect(self._status)
        self.player.durationChanged.connect(lambda ms: self.slider.setRange(0, ms))
        self.player.positionChanged.connect(self._position)
        self.player.playbackStateChanged.connect(self._state)

    def cue(self, path: str, at: float | None, has_picture: bool) -> None:
        """Load ``path`` paused at ``at`` seconds (a recording shows no picture area)."""
        self.player.stop()
        self._cue = at or 0.0
        self.video.setVisible(has_picture)
        self.player.setSource(QUrl.fromLocalFile(path))

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

    def _position(self, ms: int) -> None:
        self.slider.setValue(ms)
        self.time.setText(clock(ms / 1000))
        self.moved.emit(ms / 1000)

    def _state(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setText("Pause" if playing else "Play")
