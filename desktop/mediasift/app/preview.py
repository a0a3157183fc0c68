"""The preview pane: the chosen result large, with the matched line of text marked, and why
it matched; buttons to open it or show it in its folder."""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from mediasift.media.kinds import TIME_KINDS
from mediasift.players import open_at
from mediasift.search.engine import Result

from .results import ImageLoader, dpr, sharp, why_text

if TYPE_CHECKING:
    from .player import MomentPlayer

log = logging.getLogger(__name__)

PREVIEW = QSize(900, 900)
#: Kinds whose file Qt can show itself; others show their thumbnail (a page, a slide).
_OWN_PIXELS = ("image", "screenshot")


def open_file(path: str) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(path))


def open_result(result: Result) -> bool:
    """Open in the user's app; a clip or recording at its moment where the player allows."""
    if result.start is None:
        return open_file(result.path)
    try:
        open_at(result.path, result.start)
    except OSError:
        return False
    return True


def reveal(path: str) -> bool:
    """Show the file's folder in the file manager."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))


def marked(image: QImage, line: dict | None) -> QPixmap:
    """The image as a pixmap, with the matched line's box (fractions of the image) outlined."""
    pixmap = QPixmap.fromImage(image)
    if line and len(line.get("box") or ()) == 4:
        x0, y0, x1, y1 = line["box"]
        w, h = pixmap.width(), pixmap.height()
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(255, 170, 0), max(2, w // 300)))
        painter.drawRoundedRect(
            QRectF(x0 * w - 4, y0 * h - 3, (x1 - x0) * w + 8, (y1 - y0) * h + 6), 4, 4
        )
        painter.end()
    return pixmap


class PreviewPane(QWidget):
    more_like_this = Signal(str)

    def __init__(self, loader: ImageLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loader = loader
        self._result: Result | None = None
        self._shown = 0  # which load the image label waits for
        self.image = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumSize(240, 180)
        self.image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
        selectable = Qt.TextInteractionFlag.TextSelectableByMouse
        self.title = QLabel(wordWrap=True, textInteractionFlags=selectable)
        self.details = QLabel(wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.details.setTextInteractionFlags(
            selectable | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )
        self.details.linkActivated.connect(self._go_to)  # "Also at 03:10": the player goes there
        self.player: MomentPlayer | None = None  # made for the first clip or recording shown
        self._playable = True  # until QtMultimedia turns out to be missing
        buttons = QHBoxLayout()
        self.buttons = []
        for text, tip, action in (
            ("Open", "Open in its default app, at the moment (Enter)", open_result),
            ("Show in folder", "Show in the file manager (Ctrl+Shift+R)", lambda r: reveal(r.path)),
            (
                "More like this",
                "Files that look like this one (Ctrl+M)",
                lambda r: self.more_like_this.emit(r.path),
            ),
        ):
            button = QPushButton(text, toolTip=tip)
            button.clicked.connect(lambda _=False, act=action: self._result and act(self._result))
            buttons.addWidget(button)
            self.buttons.append(button)
        buttons.addStretch()
        self._layout = layout = QVBoxLayout(self)
        layout.addWidget(self.image, 1)
        layout.addWidget(self.title)
        layout.addWidget(self.details)
        layout.addLayout(buttons)
        loader.loaded.connect(self._arrived)
        self.show_result(None)

    def show_result(self, result: Result | None) -> None:
        self._result = result
        self._shown += 1
        for button in self.buttons:
            button.setVisible(result is not None)  # an empty pane shows nothing to press
        self.buttons[2].setVisible(result is not None and result.kind != "audio")  # no looks
        self._show_player(result)
        if result is None:
            self.image.clear()
            self.title.setText("")
            self.details.setText("")
            return
        self.title.setText(f"<b>{html.escape(Path(result.path).name)}</b>")
        self.details.setText(details_html(result))
        self.image.setText("Loading…")
        source = result.path if result.kind in _OWN_PIXELS else result.thumbnail
        if source:
            self._loader.load(
                ("preview", self._shown, source != result.path), source, PREVIEW * dpr()
            )
        else:
            self.image.setText("No preview")

    def _show_player(self, result: Result | None) -> None:
        """Clips and recordings get the player, cued at their moment; others none."""
        timed = result is not None and result.kind in TIME_KINDS
        if timed and self.player is None and self._playable:
            try:
                from .player import MomentPlayer  # QtMultimedia loads with the first clip shown
            except ImportError as exc:  # PySide6-Addons missing: the poster frame stands in
                log.warning("No player in the preview: %s", exc)
                self._playable = False
                return
            self.player = MomentPlayer()
            self.player.frame.connect(self._show_frame)
            self._layout.insertWidget(1, self.player)
        if self.player is None:
            return
        self.player.setVisible(timed)
        if timed:
            self.player.cue(result.path, result.start)
        else:
            self.player.stop()

    def _show_frame(self, image: QImage) -> None:
        """A clip's frame from the player, where its poster was."""
        if self._result is not None and self._result.kind == "video" and not image.isNull():
            self._shown += 1  # a poster still loading must not cover the frame
            self._show_image(image)

    def play_or_pause(self) -> None:
        """Space on a clip or recording: play it from its moment, or pause."""
        if self.player is not None and self.player.isVisible():
            self.player.toggle()

    def _go_to(self, link: str) -> None:
        if self.player is not None and link.startswith("at:"):
            self.player.seek(float(link[3:]))

    def _arrived(self, key: tuple, image: QImage) -> None:
        if key[0] != "preview" or key[1] != self._shown or self._result is None:
            return  # another view's image, or one no longer shown
        _, number, is_thumbnail = key
        if image.isNull():
            if not is_thumbnail and self._result.thumbnail:  # e.g. HEIC: Qt cannot read it
                self._loader.load(
                    ("preview", number, True), self._result.thumbnail, PREVIEW * dpr()
                )
            else:
                self.image.setText("No preview")
            return
        self._show_image(image)

    def _show_image(self, image: QImage) -> None:
        """``image`` fitted to the pane, the matched line of text outlined."""
        pixmap = marked(image, self._result.line).scaled(
            self.image.size() * dpr(), Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )  # fmt: skip
        self.image.setPixmap(sharp(pixmap, self.image.size()))


def details_html(result: Result) -> str:
    rows = [html.escape(str(Path(result.path).parent))]
    why = why_text(result)
    if why:
        rows.append(f"Matched by {html.escape(why)}")
    if result.snippet:
        snippet = html.escape(result.snippet).replace("«", "<b>").replace("»", "</b>")
        rows.append(f"<i>{snippet}</i>")
    if result.moments:
        rows.append("Also at " + ", ".join(_moment_link(m) for m in result.moments))
    return "<br>".join(rows)


def _moment_link(moment: dict) -> str:
    """A time the player can go to; a page as plain text."""
    where = html.escape(moment["locator"])
    return where if moment["start"] is None else f'<a href="at:{moment["start"]}">{where}</a>'
