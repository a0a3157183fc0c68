"""The results grid's model and its thumbnails, loaded lazily off the GUI thread.

A tile asks for its thumbnail when the view first paints it. Loading runs in a small thread
pool as ``QImage`` (safe off the GUI thread); the ``QPixmap`` is made on the GUI thread when
the image arrives. A new result list starts a new generation, and images of an old one are
dropped on arrival, so scrolling or typing never waits for thumbnails of a stale list.
"""

from __future__ import annotations

import contextlib
import os
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QObject,
    QRunnable,
    QSize,
    Qt,
    QThreadPool,
    QUrl,
    Signal,
)
from PySide6.QtGui import QGuiApplication, QImage, QPixmap
from PySide6.QtWidgets import QApplication, QStyle

from mediasift.priority import lower_this_thread
from mediasift.search.engine import Result

#: The picture box of a tile: wider than tall, so a square or portrait picture leaves room
#: below for the three lines of its caption (name, why, where).
TILE = QSize(168, 126)
#: Results whose role holds the Result itself.
RESULT_ROLE = Qt.ItemDataRole.UserRole + 1
#: Thumbnails kept for tiles, the least recently shown dropped first (reloaded if scrolled
#: back to): a grid of 10,000 results would otherwise hold ~850 MB of pixmaps.
KEPT_PIXMAPS = 600


class _Load(QRunnable):
    def __init__(self, images: ImageLoader, key: tuple, path: str, size: QSize) -> None:
        super().__init__()
        self.images, self.key, self.path, self.size = images, key, path, size

    def run(self) -> None:
        """Decode with Pillow (drafted JPEGs, HEIC, EXIF orientation, the GIL let go while it
        decodes), at background priority: on two cores, two loaders at normal priority kept
        the GUI thread off the processor for up to 185 ms while a grid scrolled."""
        from PIL import Image as PILImage

        from mediasift.media.errors import MediaError
        from mediasift.media.image import decode_image

        lower_this_thread()  # with two cores, two busy loaders starved the GUI thread

        box = (self.size.width(), self.size.height())
        try:
            image = decode_image(Path(self.path), min(box)).image  # EXIF orientation applied
        except MediaError:
            self._hand_over(QImage())  # null: unreadable
            return
        if image.width > box[0] or image.height > box[1]:
            image.thumbnail(box, PILImage.Resampling.BILINEAR)
        data = image.tobytes()
        qimage = QImage(
            data, image.width, image.height, 3 * image.width, QImage.Format.Format_RGB888
        )
        self._hand_over(qimage.copy())  # the copy owns its pixels

    def _hand_over(self, image: QImage) -> None:
        with contextlib.suppress(RuntimeError):  # its window closed while this loaded
            self.images.loaded.emit(self.key, image)


class ImageLoader(QObject):
    """Loads images scaled to a size in a thread pool; emits ``loaded(key, QImage)``."""

    loaded = Signal(object, QImage)

    def __init__(self, threads: int = 2) -> None:
        super().__init__()
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)

    def load(self, key: tuple, path: str, size: QSize) -> None:
        self.pool.start(_Load(self, key, path, size))

    def cancel_waiting(self) -> None:
        self.pool.clear()  # loads not started yet; running ones finish and are dropped


def dpr() -> float:
    """Device pixels per logical pixel on the sharpest screen: images are loaded that large."""
    return QGuiApplication.instance().devicePixelRatio()


def sharp(pixmap: QPixmap, box: QSize) -> QPixmap:
    """Drawn filling ``box`` (logical pixels) on a high-DPI screen, with every device pixel it
    has: a 256-pixel thumbnail on a 2x screen fills a 168-pixel tile instead of 128 pixels."""
    fill = max(pixmap.width() / box.width(), pixmap.height() / box.height())
    pixmap.setDevicePixelRatio(max(1.0, min(dpr(), fill)))
    return pixmap


class ResultsModel(QAbstractListModel):
    """The current results; tiles show the name and why each matched."""

    def __init__(self, loader: ImageLoader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.results: list[Result] = []
        self._loader = loader
        self._generation = 0
        self._pixmaps: OrderedDict[int, QPixmap] = OrderedDict()  # row -> pixmap, LRU order
        self._asked: set[int] = set()
        loader.loaded.connect(self._arrived)
        style = QApplication.style()
        self._placeholder = style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)

    def extend(self, results: list[Result]) -> bool:
        """Append the new tail when ``results`` begin with the ones shown (more of the same
        query): the view keeps its place. False when they do not."""
        shown = len(self.results)
        if len(results) <= shown or [r.path for r in results[:shown]] != [
            r.path for r in self.results
        ]:
            return False
        self.beginInsertRows(QModelIndex(), shown, len(results) - 1)
        self.results = results
        self.endInsertRows()
        return True

    def reorder(self, results: list[Result]) -> bool:
        """Take ``results`` in place when they are the ones shown in another order (reranked):
        the chosen tile stays chosen where it moves, and the tiles keep their thumbnails.
        False when they are not."""
        rows = {result.path: row for row, result in enumerate(self.results)}
        if len(results) != len(rows) or rows.keys() != {result.path for result in results}:
            return False
        moved = {rows[result.path]: row for row, result in enumerate(results)}  # old -> new
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        self.changePersistentIndexList(before, [self.index(moved[i.row()]) for i in before])
        self.results = results
        self._pixmaps = OrderedDict((moved[row], pixmap) for row, pixmap in self._pixmaps.items())
        self._generation += 1  # thumbnails on their way name old rows: asked again if painted
        self._asked = set(self._pixmaps)
        self.layoutChanged.emit()
        return True

    def show(self, results: list[Result]) -> None:
        self.beginResetModel()
        self.results = results
        self._generation += 1
        self._pixmaps.clear()
        self._asked.clear()
        self._loader.cancel_waiting()
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's API)
        return 0 if parent.isValid() else len(self.results)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        result = self.results[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return tile_text(result)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnail(index.row(), result)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{result.path}\n{why_text(result)}"
        if role == RESULT_ROLE:
            return result
        return None

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        return super().flags(index) | Qt.ItemFlag.ItemIsDragEnabled

    def mimeTypes(self) -> list[str]:
        return ["text/uri-list"]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:
        """Dragging results out hands their files to the other app (a file manager, a mail)."""
        data = QMimeData()
        data.setUrls([QUrl.fromLocalFile(self.results[i.row()].path) for i in indexes])
        return data

    def _thumbnail(self, row: int, result: Result):
        pixmap = self._pixmaps.get(row)
        if pixmap is not None:
            self._pixmaps.move_to_end(row)
            return pixmap
        if result.thumbnail and row not in self._asked:
            self._asked.add(row)
            self._loader.load(("tile", self._generation, row), result.thumbnail, TILE * dpr())
        return self._placeholder

    def _arrived(self, key: tuple, image: QImage) -> None:
        what, generation, row = key
        if what != "tile" or generation != self._generation or image.isNull():
            return  # a stale list's image, or an unreadable thumbnail: keep the placeholder
        self._pixmaps[row] = sharp(QPixmap.fromImage(image), TILE)
        if len(self._pixmaps) > KEPT_PIXMAPS:
            dropped, _ = self._pixmaps.popitem(last=False)
            self._asked.discard(dropped)  # asked again if its tile is painted again
        index = self.index(row)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


def why_text(result: Result) -> str:
    """Why a result matched, in words: its signals and where in the file."""
    parts = [", ".join(result.why)] if result.why else []
    if result.locator:
        parts.append(result.locator)
    return " · ".join(parts)


def tile_text(result: Result) -> str:
    """A tile's caption. Painting asks for it on every tile shown, so no pathlib here: a Path
    interns each name it parses, and the interpreter's table of interned strings, grown past
    its size by a scroll through thousands of names, was rebuilt on the GUI thread (~140 ms)."""
    return f"{os.path.basename(result.path)}\n{why_text(result)}"
