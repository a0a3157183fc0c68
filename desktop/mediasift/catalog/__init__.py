"""SQLite catalog: the library's source of truth."""

from mediasift.catalog.store import Catalog, FileState, Hashes, Hit, Segment, VectorItem

__all__ = ["Catalog", "FileState", "Hashes", "Hit", "Segment", "VectorItem"]
