"""The desktop window (PySide6) over the Qt-free core; see ``app.window``."""
