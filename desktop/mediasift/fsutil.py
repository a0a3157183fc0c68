"""Small file-system helpers shared by the thumbnail cache and the vector index."""

from __future__ import annotations

import time
from pathlib import Path


def sweep_stale(folder: Path, pattern: str, older_than: float = 600.0) -> int:
    """Delete temp files a killed process left behind (old enough to be nobody's work now)."""
    cutoff = time.time() - older_than
    swept = 0
    for leftover in folder.glob(pattern):
        try:
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
                swept += 1
        except OSError:
            continue
    return swept
