"""Which of a library's spaces a search reads, and which ones ``models prune`` may remove.

A model switch builds the new model's space while the old one keeps answering: a space is
*ready* once it holds every indexed file (pipeline.writer's ``mark_covered``). Searches read
the chosen model's ready space, else the newest ready space of any model (its own model, or
its query tower, encodes the query: never another model), else the chosen space being built
(a new library's first index).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from mediasift.models.encoder import Space
from mediasift.models.registry import DEFAULT_TEXT_MODEL

if TYPE_CHECKING:
    from mediasift.config import Settings


@dataclass(frozen=True)
class LibrarySpace:
    id: int
    space: Space
    role: str
    ready: bool
    chosen: bool  # made by the model the settings name for its role

    @classmethod
    def from_row(cls, row: dict, wanted: frozenset[str] | None) -> LibrarySpace:
        space = Space(row["model_id"], row["revision"], row["dim"])
        chosen = wanted is None or row["model_id"] in wanted
        return cls(row["id"], space, row["role"], row["ready_at"] is not None, chosen)


@lru_cache(maxsize=32)
def wanted_names(name: str | None) -> frozenset[str] | None:
    """The ways a space may record the model named in the settings (a hub id as given, a
    local folder resolved); None for no name: any model is the chosen one. Remembered:
    resolving touches the disk, which a busy indexer may keep waiting, and every search and
    every answer the window shows asks."""
    name = (name or "").strip()
    return frozenset({name, str(Path(name).expanduser().resolve())}) if name else None


def chosen_names(settings: Settings, role: str) -> frozenset[str] | None:
    """``wanted_names`` of the model the settings choose for a role ("visual" or "text"; the
    text model's default has a name, the visual one's depends on the device)."""
    if role == "text":
        return wanted_names(settings.text_model or DEFAULT_TEXT_MODEL)
    return wanted_names(settings.model)


def search_order(spaces: list[LibrarySpace]) -> list[LibrarySpace]:
    """The spaces (newest first) a search tries in turn, until one can encode its query."""
    return (
        [s for s in spaces if s.chosen and s.ready]
        + [s for s in spaces if s.ready and not s.chosen]
        + [s for s in spaces if s.chosen and not s.ready]
    )


def prunable(spaces: list[LibrarySpace]) -> list[LibrarySpace]:
    """The spaces (newest first) nothing needs: not the chosen model's newest (ready or being
    built), and not the ready one searches read until that one is ready."""
    newest_chosen = next((s for s in spaces if s.chosen), None)
    reading = next((s for s in search_order(spaces) if s.ready), None)
    keep = {s.id for s in (newest_chosen, reading) if s is not None}
    return [s for s in spaces if s.id not in keep]
