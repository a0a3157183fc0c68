"""What a person decided while reviewing groups: per group, the copy to keep and the files to
move away; groups dismissed as "not duplicates" drop out. The wizard holds one of these and
turns it into a plan; it is Qt-free so the rules are tested without a window.

Bulk tiers (exact, same, edited) start as "keep one": every unprotected member but the keeper
moves, and choosing another keeper moves the old one. Review-only tiers (burst, similar) start
with nothing moving: a file moves there only when the person marks it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from mediasift.dedup.model import Group, Member


@dataclass
class Choice:
    keeper: int
    moving: set[int]
    dismissed: bool = False


class Choices:
    def __init__(self, groups: list[Group]) -> None:
        self.groups = groups
        self._choices = [
            Choice(g.keeper, {m.file_id for m in g.removable()} if g.bulk else set())
            for g in groups
        ]

    def keeper(self, n: int) -> int:
        return self._choices[n].keeper

    def moves(self, n: int, file_id: int) -> bool:
        return file_id in self._choices[n].moving

    def dismissed(self, n: int) -> bool:
        return self._choices[n].dismissed

    def keep(self, n: int, file_id: int) -> None:
        """Make ``file_id`` the copy kept; in a bulk tier the old keeper then moves too."""
        group, choice = self.groups[n], self._choices[n]
        old, choice.keeper = choice.keeper, file_id
        choice.moving.discard(file_id)
        if group.bulk and old != file_id and not group.member(old).protected:
            choice.moving.add(old)

    def toggle(self, n: int, file_id: int) -> bool:
        """Move a file or keep it after all; False (nothing changes) for the keeper and for
        protected files, which never move."""
        group, choice = self.groups[n], self._choices[n]
        if file_id == choice.keeper or group.member(file_id).protected:
            return False
        choice.moving ^= {file_id}
        return True

    def dismiss(self, n: int, dismissed: bool = True) -> list[str]:
        """Mark a group "not duplicates" (nothing of it moves); returns its paths, which the
        library remembers so later scans leave them apart."""
        self._choices[n].dismissed = dismissed
        return [m.path for m in self.groups[n].members]

    def moving(self, n: int) -> list[Member]:
        choice = self._choices[n]
        if choice.dismissed:
            return []
        return [m for m in self.groups[n].members if m.file_id in choice.moving]

    def chosen(self) -> list[Group]:
        """The groups as decided, for ``Library.plan``: each keeps its keeper and holds only
        the members that move."""
        return [
            replace(group, keeper=choice.keeper, members=[group.member(choice.keeper), *moving])
            for n, (group, choice) in enumerate(zip(self.groups, self._choices, strict=True))
            if (moving := self.moving(n))
        ]

    def totals(self) -> tuple[int, int]:
        """(files, bytes) that the decisions would move."""
        members = [m for n in range(len(self.groups)) for m in self.moving(n)]
        return len(members), sum(m.size for m in members)
