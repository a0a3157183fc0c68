"""SQLite catalog: the library's source of truth."""

from mediasift.catalog.store import Catalog, FileState, Hit, Segment, VectorItem

__all__ = ["Catalog", "FileState", "Hit", "Segment", "VectorItem"]
