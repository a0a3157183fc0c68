"""Clips and recordings through the whole indexer: scenes, transcripts with times, moments in
search results, and bad files reported without stopping anything."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import pytest

from mediasift.bench import speech
from mediasift.bench.clips import Shot, write_scene_clip
from mediasift.library import Library
from mediasift.media.thumbs import thumb_path
from mediasift.pipeline.probe import SPEECH

MEMO = [
    "Good morning, this is a note about the product launch.",
    "We decided to move the launch to the second week of May.",
    "Remember to tell the marketing team about the new date.",
]


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict:
    """A folder of recordings and clips, good and bad, and when the memo's sentences start."""
    folder = tmp_path_factory.mktemp("time-media")
    wav = folder.parent / "memo-source.wav"
    starts = speech.memo(MEMO, wav, pauses=[1.0, 2.5, 1.0])
    speech.convert(wav, folder / "launch memo.m4a")
    speech.clip_with_speech(folder / "lake.mp4", "The dog jumps into the lake with a red ball.")
    shots = [Shot("shapes", 3, 1), Shot("screen", 12, 2), Shot("text", 3, 3), Shot("shapes", 3, 4)]
    cuts = write_scene_clip(folder / "screen recording.mkv", shots, fps=8)
    speech.silence(folder / "quiet.wav", 8)
    speech.tone_chord(folder / "chords.ogg.wav", 8)
    good = (folder / "lake.mp4").read_bytes()
    (folder / "truncated.mp4").write_bytes(good[: len(good) // 3])
    (folder / "not a video.mp4").write_bytes(b"this is a shopping list, not a video\n" * 20)
    (folder / "empty.mp4").write_bytes(b"")
    return {"folder": folder, "starts": starts, "cuts": cuts}


@pytest.fixture(scope="module")
def indexed(media, tmp_path_factory, tiny_clip, minilm, whisper_model):
    from mediasift.config import Settings

    home = tmp_path_factory.mktemp("home")
    # The tiny visual model keeps its own score floor: its random scores stay noise.
    settings = Settings(model=str(tiny_clip), text_model=str(minilm), ocr=False,
                        speech_model=str(whisper_model))  # fmt: skip
    with Library(home, settings) as lib:
        lib.add_folder(media["folder"])
        summary = lib.index()
    return home, settings, summary


def _files(lib: Library) -> dict[str, dict]:
    return {Path(r["path"]).name: r for r in lib.catalog.rows("SELECT * FROM files")}


def _segments(lib: Library, file_id: int, kind: str) -> list[dict]:
    return lib.catalog.rows(
        "SELECT * FROM segments WHERE file_id = ? AND kind = ? ORDER BY ord", [file_id, kind]
    )


def test_recordings_and_clips_are_read_and_transcribed(indexed):
    home, settings, _ = indexed
    with Library(home, settings) as lib:
        files = _files(lib)
        assert files["launch memo.m4a"]["kind"] == "audio"
        assert files["launch memo.m4a"]["duration"] > 10
        assert files["lake.mp4"]["kind"] == "video"
        scenes = _segments(lib, files["lake.mp4"]["id"], "scene")
        assert scenes and scenes[0]["start"] == 0 and scenes[-1]["end"] > 2
        memo = _segments(lib, files["launch memo.m4a"]["id"], "transcript")
        assert "second week of may" in " ".join(s["text"] for s in memo).lower()
        clip = _segments(lib, files["lake.mp4"]["id"], "transcript")
        assert "lake" in " ".join(s["text"] for s in clip).lower()
        for quiet in ("quiet.wav", "chords.ogg.wav"):
            assert files[quiet]["status"] == "indexed"
            assert _segments(lib, files[quiet]["id"], "transcript") == []  # no invented words
        for row in (files["launch memo.m4a"], files["quiet.wav"], files["lake.mp4"]):
            assert lib.catalog.stage_done(row["id"], SPEECH)


def test_a_clip_is_cut_into_its_scenes_with_a_poster(indexed, media):
    home, settings, _ = indexed
    with Library(home, settings) as lib:
        row = _files(lib)["screen recording.mkv"]
        scenes = _segments(lib, row["id"], "scene")
        vectors = lib.catalog.rows(
            "SELECT count(*) AS n FROM vectors v JOIN segments s ON s.id = v.segment_id"
            " WHERE s.file_id = ? AND s.kind = 'scene'",
            [row["id"]],
        )[0]["n"]
        thumb = thumb_path(lib.thumbs, row["hash"])
        frames = [thumb_path(lib.thumbs, row["hash"], s["ord"]) for s in scenes]
        assert all(frame.is_file() for frame in frames)  # each scene shows its own picture
        found = lib.similar(str(frames[2]), n=1).results[0]  # a frame of the third scene
        assert found.path == row["path"] and found.start == scenes[2]["start"]
        assert found.thumbnail == str(frames[2])  # the result shows the scene that matched
    starts = [s["start"] for s in scenes[1:]]
    assert len(starts) == len(media["cuts"])  # the 12-second screen stretch is one scene
    assert all(abs(a - b) <= 1.0 for a, b in zip(starts, media["cuts"], strict=True))
    assert vectors == len(scenes)  # each scene is searchable by how it looks
    assert row["duration"] == pytest.approx(21, abs=0.5) and thumb.is_file()


def test_bad_clips_are_reported_and_skipped(indexed):
    summary = indexed[2]
    reasons = {Path(f["path"]).name: f["reason"] for f in summary.failed}
    assert set(reasons) == {"truncated.mp4", "not a video.mp4", "empty.mp4"}
    assert "empty" in reasons["empty.mp4"]
    assert all(reasons.values())


def test_a_spoken_phrase_finds_the_memo_at_its_moment(indexed, media):
    home, settings, _ = indexed
    with Library(home, settings) as lib:
        response = lib.search("when did we decide to move the launch", n=3)
    best = response.results[0]
    assert Path(best.path).name == "launch memo.m4a"
    assert best.segment["kind"] == "transcript"
    assert abs(best.start - media["starts"][1]) <= 2.0  # "We decided to move the launch..."
    assert best.locator == f"00:{int(best.start):02d}"
    data = best.as_dict()
    assert data["start"] == best.start and data["end"] > data["start"]


def test_without_the_speech_model_everything_else_goes_on(media, tmp_path, indexed):
    settings = indexed[1]
    missing = replace(settings, speech_model=str(tmp_path / "no-such-model"))
    with Library(tmp_path / "home", missing) as lib:
        lib.add_folder(media["folder"])
        summary = lib.index()
        files = _files(lib)
        assert files["launch memo.m4a"]["status"] == "indexed"
        assert "not found" in lib.speech().error
        assert lib.search("name:lake").results[0].path.endswith("lake.mp4")
        wanting = lib.catalog.file_ids_wanting_stage(SPEECH, ("audio", "video"))
        assert files["launch memo.m4a"]["id"] in wanting  # transcribed once the model is there
        assert len(list(lib.thumbs.rglob("*.jpg"))) > len(files)  # posters, scenes, waveforms
        lib.remove_folder(media["folder"])
        assert list(lib.thumbs.rglob("*.jpg")) == []  # a scene's picture leaves with its clip
    assert not any("model" in f["reason"] for f in summary.failed)


def test_a_film_with_many_scenes_is_kept_as_evenly_spread_stretches():
    from PIL import Image

    from mediasift.media.video import Scene
    from mediasift.pipeline.probe import MAX_SCENES, _at_most

    frames = [Image.new("RGB", (4, 4), (i % 256, 0, 0)) for i in range(1000)]
    scenes = [Scene(i * 3.0, i * 3.0 + 3.0, [frames[i]]) for i in range(1000)]
    kept, count = _at_most(scenes)
    assert count == 1000 and MAX_SCENES // 2 <= len(kept) <= MAX_SCENES
    assert kept[0][0] == 0 and kept[-1][1] == 3000  # the whole film, nothing lost
    assert all(a[1] == b[0] for a, b in itertools.pairwise(kept))  # no gap, no overlap
    lengths = {end - start for start, end, _ in kept[:-1]}
    assert max(lengths) <= 2 * min(lengths)  # evenly spread
    assert _at_most(scenes[:10]) == ([(s.start, s.end, s.frames[0]) for s in scenes[:10]], 10)
