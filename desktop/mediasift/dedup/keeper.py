"""Which copy to keep: an ordered rule list the user can reorder or extend.

Default order: highest resolution, then sharper, then larger file, then richer metadata (a
capture time), then the original format (camera RAW, then HEIC, then JPEG, then re-save
formats such as PNG or WebP). User rules put first: ``folder:PATH`` (prefer files under it),
``format:EXT`` (prefer that extension), ``older`` / ``newer`` (by capture time, else mtime).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mediasift.dedup.model import Item

DEFAULT_RULES = ("resolution", "sharpness", "size", "metadata", "format")
RAW_EXTS = frozenset({".dng", ".cr2", ".cr3", ".nef", ".arw", ".raf", ".orf", ".rw2", ".srw"})
HEIC_EXTS = frozenset({".heic", ".heif"})
JPEG_EXTS = frozenset({".jpg", ".jpeg"})
#: Originals first: what a camera writes ranks above what an editor or messenger re-saves.
FORMAT_RANK = [RAW_EXTS, HEIC_EXTS, JPEG_EXTS]


def _format_rank(path: str) -> int:
    ext = os.path.splitext(path)[1].lower()
    return next((-n for n, exts in enumerate(FORMAT_RANK) if ext in exts), -len(FORMAT_RANK))


def _when(item: Item) -> float:
    return item.captured_at if item.captured_at is not None else item.mtime


def rule_value(rule: str, item: Item) -> float:
    """Higher is better under ``rule``."""
    if rule == "resolution":
        return item.pixels
    if rule == "sharpness":  # within ~5% counts as equal: noise of the measure
        return round(math.log1p(item.sharpness) * 20)
    if rule == "size":
        return item.size
    if rule == "metadata":
        return item.captured_at is not None
    if rule == "format":
        return _format_rank(item.path)
    if rule == "older":
        return -_when(item)
    if rule == "newer":
        return _when(item)
    kind, _, arg = rule.partition(":")
    if kind == "folder":
        return Path(item.path).is_relative_to(Path(arg).expanduser())
    if kind == "format":
        return Path(item.path).suffix.lower().lstrip(".") == arg.lower().lstrip(".")
    raise ValueError(f"Unknown keeper rule: {rule}")


@dataclass(frozen=True)
class KeeperRules:
    """The rules in the order they decide, and the folders whose files are never removed."""

    rules: tuple[str, ...] = DEFAULT_RULES
    protected: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        probe = Item(0, "/x.jpg", "", 0, 0.0, 1, 1, None, 0, 0, (0, 0, 0), 0, 0.0)
        for rule in self.rules:
            rule_value(rule, probe)  # an unknown rule fails when the rules are made, not mid-scan

    def rank(self, item: Item) -> tuple:
        """Sort key: the best item to keep has the largest key (path last, for ties)."""
        return (*(rule_value(rule, item) for rule in self.rules), item.path)

    def is_protected(self, path: str) -> bool:
        return any(Path(path).is_relative_to(Path(p).expanduser()) for p in self.protected)


FAMILY_EXTS = RAW_EXTS | HEIC_EXTS | JPEG_EXTS


def family_key(path: str) -> tuple[str, str] | None:
    """Files sharing this key (folder + stem) are one version family: RAW+JPEG, HEIC+JPEG.
    (os.path, not pathlib: a scan asks this of every file in the library.)"""
    stem, ext = os.path.splitext(path)
    if ext.lower() not in FAMILY_EXTS:
        return None
    folder, name = os.path.split(stem)
    return folder, name.lower()


def families(paths: Sequence[str]) -> set[tuple[str, str]]:
    """The keys held by two files or more of different formats."""
    seen: dict[tuple[str, str], set[str]] = {}
    for path in paths:
        key = family_key(path)
        if key is not None:
            seen.setdefault(key, set()).add(os.path.splitext(path)[1].lower())
    return {key for key, exts in seen.items() if len(exts) > 1}
