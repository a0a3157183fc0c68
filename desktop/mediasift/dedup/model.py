"""What a duplicate scan hands its front ends (the CLI, the wizard): groups of files, each with
its tier, its members' evidence and the proposed keeper. Plain data, JSON-ready."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

#: Tiers, strictest first. Bulk "keep one" is offered for the first three only.
TIERS = ("exact", "same", "edited", "burst", "similar")
BULK_TIERS = frozenset(TIERS[:3])


@dataclass(frozen=True)
class Item:
    """A picture as the scan sees it: its file's facts and its image segment's hashes."""

    file_id: int
    path: str
    hash: str
    size: int
    mtime: float
    width: int
    height: int
    captured_at: float | None
    phash: int
    dhash: int
    turns: tuple[int, int, int]
    colour: int
    sharpness: float

    @property
    def pixels(self) -> int:
        return self.width * self.height


@dataclass(frozen=True)
class Evidence:
    """Why a member belongs with its group's representative, in figures and in words.
    ``cosine`` is None when the files have no vectors in a shared visual space."""

    tier: str
    reason: str
    phash_distance: int | None  # None for documents, which are compared by their words
    dhash_distance: int | None
    cosine: float | None = None
    capture_gap: float | None = None  # seconds between capture times, when both have one
    size_ratio: float = 1.0  # member's file size / representative's
    pixel_ratio: float = 1.0  # member's pixels / representative's


@dataclass
class Member:
    """One file of a group. ``evidence`` is None for the representative itself;
    ``protected``: in a protected folder or a version family, never proposed for removal."""

    file_id: int
    path: str
    size: int
    width: int
    height: int
    hash: str
    mtime: float
    captured_at: float | None
    evidence: Evidence | None
    protected: bool = False


@dataclass
class Group:
    """Files that are one picture (or, for burst/similar, one moment or subject).

    Every member was compared with ``representative`` (no chaining: A~B~C never puts A and C
    together unless both are close to the representative). ``keeper`` is the file proposed
    to keep (the keeper rules' choice, changeable by the user); ``tier`` is the loosest tier of
    its members."""

    tier: str
    representative: int  # file id
    keeper: int  # file id
    members: list[Member] = field(default_factory=list)

    @property
    def bulk(self) -> bool:
        """Whether "keep one" may be applied to the whole group at once."""
        return self.tier in BULK_TIERS

    def member(self, file_id: int) -> Member:
        return next(m for m in self.members if m.file_id == file_id)

    def removable(self) -> list[Member]:
        """The members a plan proposes to move away: all but the keeper and protected ones."""
        return [m for m in self.members if m.file_id != self.keeper and not m.protected]

    def as_dict(self) -> dict:
        keeper = self.member(self.keeper)
        return {
            "tier": self.tier,
            "keeper": keeper.path,
            "files": [{**asdict(m), "keeper": m.file_id == self.keeper} for m in self.members],
        }


class Cancelled(Exception):
    """A scan was cancelled through its Progress."""


class PlanRefused(Exception):
    """The plan cannot be applied at all (a path outside the library, a malformed plan)."""


@dataclass
class Report:
    """What apply or undo did (or, in a dry run, would do)."""

    dry_run: bool
    destination: str | None = None
    files: list[str] = field(default_factory=list)
    bytes: int = 0
    skipped: list[dict] = field(default_factory=list)  # {"path", "reason"}
    reencoded: int = 0  # files whose vectors had to be computed again: always 0 by design

    def as_dict(self) -> dict:
        return dict(self.__dict__)
