"""A deck and its PDF export are one document in two files: found by their pages' words, the
deck kept; a different deck sharing a name or a boilerplate slide is not."""

from __future__ import annotations

from helpers import write_deck, write_pdf

from mediasift.dedup import KeeperRules
from mediasift.dedup.documents import document_groups

SLIDES = [
    ("Quarterly results", "Revenue grew in every region this quarter", "Say thanks to sales"),
    ("Hiring plan", "Two engineers and one designer before summer", "Budget is approved"),
    ("Roadmap", "Offline search ships first, then duplicate cleanup", "Mention the beta"),
    ("Questions", "Thank you for listening to this talk today", ""),
]
OTHER = [
    ("Garden club", "Tomatoes need sun and water every morning", ""),
    ("Questions", "Thank you for listening to this talk today", ""),  # boilerplate, shared
    ("Compost", "Leaves and coffee grounds make rich soil", ""),
    ("Harvest", "Pick beans while they are young and thin", ""),
]


def test_a_deck_and_its_pdf_export_are_grouped_and_the_deck_kept(library, tmp_path):
    docs = tmp_path / "docs"
    deck = write_deck(docs / "talk.pptx", SLIDES)
    # The export: no speaker notes, slide numbers added, another name and folder.
    export = write_pdf(docs / "exports" / "Talk final.pdf",
                       [f"{t}\n{b}\n{n + 1}" for n, (t, b, _) in enumerate(SLIDES)])  # fmt: skip
    write_deck(docs / "garden.pptx", OTHER)
    write_pdf(
        docs / "talk.pdf",
        ["Minutes of the board meeting", "Questions\nThank you for listening to this talk today"],
    )  # same stem, other words
    library.add_folder(docs)
    library.index()

    groups = document_groups(library.catalog, KeeperRules())
    assert [sorted(m.path for m in g.members) for g in groups] == [sorted([str(deck), str(export)])]
    group = groups[0]
    assert group.tier == "same" and group.member(group.keeper).path == str(deck)
    evidence = next(m.evidence for m in group.members if m.path == str(export))
    assert evidence.reason == "a deck and its PDF: 4 of 4 pages say the same"
    assert evidence.phash_distance is None  # compared by words, not looks

    # The scan the CLI and the wizard run includes them; "not duplicates" keeps them apart.
    assert any(m.path == str(export) for g in library.dupes() for m in g.members)
    library.not_duplicates([str(deck), str(export)])
    assert not any(m.path == str(export) for g in library.dupes() for m in g.members)
