"""The results grid's model and its thumbnails, loaded lazily off the GUI thread.

A tile asks for its thumbnail when the view first paints it. Loading runs in a small thread
pool as ``QImage`` (safe off the GUI thread); the ``QPixmap`` is made on the GUI thread when
the image arrives. Pixmaps are kept by thumbnail file, not by row, so a new answer that shares
files with the one shown (the next keystroke, a refresh while the indexer commits) paints them
at once instead of loading them again. A new answer drops the loads still waiting for the old
one, so scrolling or typing never waits for thumbnails of a stale list.
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
    """Loads images scaled to a size in a thread pool; emits ``loaded(key, QImage)``. A key
    starts with the name of the view that asked: every view hears every image."""

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
        self._pixmaps: OrderedDict[str, QPixmap] = OrderedDict()  # thumbnail -> pixmap, LRU
        self._asked: set[str] = set()  # thumbnails on their way
        self._rows: dict[str, list[int]] | None = None  # thumbnail -> rows showing it
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
        self.results, self._rows = results, None
        self.endInsertRows()
        return True

    def reorder(self, results: list[Result]) -> bool:
        """Take ``results`` in place when they are the ones shown in another order (reranked):
        the chosen tile stays chosen where it moves. False when they are not."""
        rows = {result.path: row for row, result in enumerate(self.results)}
        if len(results) != len(rows) or rows.keys() != {result.path for result in results}:
            return False
        moved = {rows[result.path]: row for row, result in enumerate(results)}  # old -> new
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        self.changePersistentIndexList(before, [self.index(moved[i.row()]) for i in before])
        self.results, self._rows = results, None
        self.layoutChanged.emit()
        return True

    def show(self, results: list[Result]) -> None:
        self.beginResetModel()
        self.results, self._rows = results, None
        self._loader.cancel_waiting()  # loads running still arrive, and are kept
        self._asked.clear()  # so a tile whose load was dropped asks again when painted
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
            return self._thumbnail(result)
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

    def _thumbnail(self, result: Result):
        thumb = result.thumbnail
        pixmap = self._pixmaps.get(thumb) if thumb else None
        if pixmap is not None:
            self._pixmaps.move_to_end(thumb)
            return pixmap
        if thumb and thumb not in self._asked:
            self._asked.add(thumb)
            self._loader.load(("tile", thumb), thumb, TILE * dpr())
        return self._placeholder

    def _arrived(self, key: tuple, image: QImage) -> None:
        if key[0] != "tile" or image.isNull():
            return  # another view's image; or an unreadable thumbnail, left asked: a placeholder
        thumb = key[1]
        self._asked.discard(thumb)
        self._pixmaps[thumb] = sharp(QPixmap.fromImage(image), TILE)
        if len(self._pixmaps) > KEPT_PIXMAPS:
            self._pixmaps.popitem(last=False)  # asked again if its tile is painted again
        if self._rows is None:
            self._rows = {}
            for row, result in enumerate(self.results):
                self._rows.setdefault(result.thumbnail, []).append(row)
        rows = self._rows.get(thumb)
        if rows:  # one signal: the view repaints what it shows of that span
            first, last = self.index(rows[0]), self.index(rows[-1])
            self.dataChanged.emit(first, last, [Qt.ItemDataRole.DecorationRole])


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
