"""SQLite catalog: the library's source of truth."""

from mediasift.catalog.store import Catalog, FileState, Hit

__all__ = ["Catalog", "FileState", "Hit"]
