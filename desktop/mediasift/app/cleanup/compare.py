"""Two pictures side by side with one zoom: the kept copy and the one under review.

Both pictures are laid out at the same width, so a resized copy and its original line up, and
zooming or panning one moves the other: a person sees at once whether the copy lost detail.
Wheel or +/- zoom, 0 fits, dragging pans.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from mediasift.app.results import ImageLoader, dpr

#: Pictures are loaded at most this large (logical pixels, times the screen's ratio).
LOAD = QSize(2048, 2048)
#: The width both pictures are laid out at, in scene units.
SCENE_WIDTH = 1000.0
ZOOM_STEP = 1.25


class PicturePane(QGraphicsView):
    """One side; a wheel turn asks the pair to zoom."""

    wheeled = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.item)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setMinimumSize(200, 160)
        self.show_image(None)

    def show_image(self, image: QImage | None) -> None:
        if image is None or image.isNull():
            self.item.setPixmap(QPixmap())
            self.setSceneRect(0, 0, 1, 1)
            return
        self.item.setPixmap(QPixmap.fromImage(image))
        self.item.setScale(SCENE_WIDTH / image.width())
        self.setSceneRect(self.item.sceneBoundingRect())

    def wheelEvent(self, event) -> None:
        self.wheeled.emit(ZOOM_STEP ** (event.angleDelta().y() / 120))


class CompareView(QWidget):
    """The kept copy on the left, the reviewed one on the right, each with its facts."""

    def __init__(self, loader: ImageLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loader = loader
        self._wanted: dict[str, str] = {}  # side -> path shown there
        self.panes = {"left": PicturePane(), "right": PicturePane()}
        self.captions = {side: QLabel(wordWrap=True) for side in self.panes}
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for side, pane in self.panes.items():
            pane.wheeled.connect(self.zoom)
            column = QVBoxLayout()
            column.addWidget(pane, 1)
            column.addWidget(self.captions[side])
            row.addLayout(column)
        left, right = self.panes["left"], self.panes["right"]
        for a, b in ((left, right), (right, left)):  # one pans, the other follows
            a.horizontalScrollBar().valueChanged.connect(b.horizontalScrollBar().setValue)
            a.verticalScrollBar().valueChanged.connect(b.verticalScrollBar().setValue)
        self._fitted = True
        loader.loaded.connect(self._arrived)

    def show_pair(self, left: str, right: str, left_caption: str, right_caption: str) -> None:
        for side, path, caption in (("left", left, left_caption), ("right", right, right_caption)):
            self.captions[side].setText(caption)
            if self._wanted.get(side) != path:
                self._wanted[side] = path
                self.panes[side].show_image(None)
                self._loader.load(("compare", side, path), path, LOAD * dpr())
        self.fit()

    def zoom(self, factor: float) -> None:
        self._fitted = False
        for pane in self.panes.values():
            pane.scale(factor, factor)

    def fit(self) -> None:
        """Whole pictures, as large as the panes allow (the same scale on both sides)."""
        self._fitted = True
        scales = []
        for pane in self.panes.values():
            rect, viewport = pane.sceneRect(), pane.viewport().size()
            if not pane.item.pixmap().isNull() and viewport.width() > 0:
                scales.append(
                    min(viewport.width() / rect.width(), viewport.height() / rect.height())
                )
        if scales:  # none while both pictures load
            for pane in self.panes.values():
                pane.resetTransform()
                pane.scale(min(scales), min(scales))

    def _arrived(self, key: tuple, image: QImage) -> None:
        if key[0] != "compare" or self._wanted.get(key[1]) != key[2]:
            return  # another view's picture, or one no longer wanted here
        self.panes[key[1]].show_image(image)
        if self._fitted:
            self.fit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._fitted:
            self.fit()
