"""A clip, its re-encode and its trimmed copy are one clip, found by their scenes' vectors:
re-encode in "same", trimmed in "edited", the full-length copy kept; another clip is not."""

from __future__ import annotations

from mediasift.bench.clips import Shot, write_scene_clip
from mediasift.dedup import KeeperRules
from mediasift.dedup.clips import clip_groups

SHOTS = [Shot("shapes", 2.0, seed=1), Shot("text", 2.0, seed=2), Shot("screen", 2.0, seed=3),
         Shot("shapes", 2.0, seed=4)]  # fmt: skip
OTHER = [Shot("text", 2.0, seed=11), Shot("shapes", 2.0, seed=12), Shot("screen", 2.0, seed=13)]


def test_a_clip_its_re_encode_and_its_trimmed_copy_are_one_clip(library, tmp_path):
    clips = tmp_path / "clips"
    original = clips / "holiday.mp4"
    write_scene_clip(original, SHOTS)
    reencoded = clips / "sent" / "holiday small.mkv"
    write_scene_clip(reencoded, SHOTS, preset="slow", x264_params="crf=30")
    trimmed = clips / "holiday cut.mp4"
    write_scene_clip(trimmed, SHOTS[1:3])
    write_scene_clip(clips / "garden.mp4", OTHER)
    library.add_folder(clips)
    library.index()

    groups = clip_groups(library.catalog, library._visual_index(), KeeperRules())
    assert [sorted(m.path for m in g.members) for g in groups] == [
        sorted(map(str, (original, reencoded, trimmed)))
    ]
    group = groups[0]
    assert group.tier == "edited"  # its loosest member: the trimmed copy
    assert group.member(group.keeper).path in (str(original), str(reencoded))  # full length
    by_path = {m.path: m.evidence for m in group.members}
    cut = by_path[str(trimmed)]
    assert cut.tier == "edited" and cut.reason.startswith("a trimmed copy: 2 of 2 scenes")
    other = by_path[str(reencoded) if group.member(group.keeper).path == str(original)
                    else str(original)]  # fmt: skip
    assert other.tier == "same" and other.reason.startswith("the same clip re-encoded")
    assert any(m.path == str(trimmed) for g in library.dupes() for m in g.members)
