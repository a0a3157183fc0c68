"""``mediasift-gui``: the desktop window (a gui-scripts entry: no console window)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from importlib import resources

from mediasift.config import Settings, data_dir
from mediasift.desktop_entry import APP_ID


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv if argv is None else argv
    options = _parser().parse_args(argv[1:])
    if options.indexer:  # how a frozen build runs its indexer: it has no Python to run -m
        from mediasift.cli import main as command

        return command(["watch", "--json"])
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from .single import WindowServer, pass_to_running
    from .window import MainWindow

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app = QApplication(argv[:1])
    home = data_dir()
    if not options.screenshot and pass_to_running(home, options.query):
        return 0  # the open window came to the front with this query
    if os.environ.get("MEDIASIFT_COLOR_SCHEME", "").lower() == "dark":
        _dark(app)  # else the desktop's own palette, light or dark, as Qt reads it
    app.setApplicationName("MediaSift")
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(QIcon(str(resources.files("mediasift.resources") / f"{APP_ID}.svg")))
    window = MainWindow(home, Settings.load(), start_indexer=not options.screenshot)
    window.show()
    if options.screenshot:
        _screenshot_when_answered(window, options.query or "", options.screenshot)
    else:
        WindowServer(home, window).launched.connect(window.present)
        if options.query:
            window.field.setText(options.query)
    return app.exec()


def _dark(app) -> None:
    """A dark palette where the desktop gives none (a bare X server, some window managers)."""
    from PySide6.QtGui import QColor, QPalette

    app.setStyle("Fusion")
    palette = QPalette()
    role = QPalette.ColorRole
    for name, colour in (
        (role.Window, "#2b2b2e"), (role.WindowText, "#e6e6e6"), (role.Base, "#1f1f22"),
        (role.AlternateBase, "#2b2b2e"), (role.Text, "#e6e6e6"), (role.Button, "#35353a"),
        (role.ButtonText, "#e6e6e6"), (role.Highlight, "#3d8bfd"),
        (role.HighlightedText, "#ffffff"), (role.ToolTipBase, "#35353a"),
        (role.ToolTipText, "#e6e6e6"), (role.PlaceholderText, "#8a8a90"), (role.Link, "#6ea8fe"),
    ):  # fmt: skip
        palette.setColor(name, QColor(colour))
    disabled = QPalette.ColorGroup.Disabled
    for name in (role.Text, role.ButtonText, role.WindowText):
        palette.setColor(disabled, name, QColor("#77777c"))
    app.setPalette(palette)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mediasift-gui", description="The MediaSift window.")
    parser.add_argument("--query", help="start with this search typed")
    parser.add_argument("--indexer", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--screenshot", metavar="PNG", help="save the window once the query is answered, and quit"
    )
    return parser


def _screenshot_when_answered(window, query: str, path: str) -> None:
    """For documentation and CI: type ``query``, select the first result, save the window."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    def save() -> None:
        window.grab().save(path)
        QApplication.quit()

    def answered(_number: int) -> None:
        window.select_first()
        QTimer.singleShot(1000, save)  # thumbnails and the preview arrive meanwhile

    if query:
        window.searched.connect(answered)
        QTimer.singleShot(0, lambda: window.field.setText(query))
    else:
        QTimer.singleShot(500, save)


if __name__ == "__main__":
    sys.exit(main())
