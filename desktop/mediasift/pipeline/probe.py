"""Per-file work done in the decode pool, one stage of one file per job.

READ: sniff, hash, decode an image or read a document's pages (text, and each page rendered
at the model's size), make the thumbnail, prepare for the visual model, cut text into chunks.
A clip's READ cuts it into scenes (a picture each), a recording's only reads what it is.
OCR: read the text inside an image (a later, cheaper-to-skip stage). SPEECH: transcribe a
recording or a clip's sound (later still). TEXT: chunk text already stored, for a text model
that arrived later, or for OCR and SPEECH text, embedded after it is searchable by its words.
It reads the catalog but writes nothing, not even the thumbnail: the writer decides what the
outcome means (pipeline.writer). Every failure becomes an Outcome with a reason, never a raise.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mediasift.catalog import Catalog, Segment
from mediasift.catalog.stages import embed_stage
from mediasift.dedup.hashes import picture_hashes
from mediasift.media.document import read_document
from mediasift.media.errors import MediaError
from mediasift.media.image import decode_image, looks_like_screenshot
from mediasift.media.kinds import claims_media, sniff_kind, unsupported_reason
from mediasift.media.layout import blocks
from mediasift.media.thumbs import THUMB_SIDE, thumbnail_jpeg

if TYPE_CHECKING:
    from PIL.Image import Image

    from mediasift.media.audio import AudioInfo
    from mediasift.media.ocr import OcrEngine
    from mediasift.media.video import Scene
    from mediasift.models.encoder import Encoder
    from mediasift.models.text import TextEncoder
    from mediasift.pipeline.speech import Speech

log = logging.getLogger(__name__)

#: Short side an image is decoded to for OCR: a 1080p screenshot keeps every pixel.
OCR_SIDE = 1080
#: The OCR text of an image is its second segment (the image itself is the first).
OCR_ORD = 1
_SEGMENT_FIELDS = ("ord", "kind", "label", "text", "start", "end", "lines")


READ, OCR, TEXT, SPEECH = "read", "ocr", "text", "speech"
#: Transcript chunks follow a clip's scenes in its segment order (a clip has fewer scenes).
TRANSCRIPT_ORD = 100_000
#: Scenes kept per clip (each a vector and a picture, held until written): a film with more
#: is kept as this many stretches of neighbouring scenes.
MAX_SCENES = 200


@dataclass
class Job:
    path: str
    folder_id: int
    size: int
    mtime: float
    #: Catalog row of an unchanged file that only lacks some work (None: new or changed).
    file_id: int | None = None
    #: Decode even when an identical file is known (its work turned out to be unusable).
    force_decode: bool = False
    #: READ (decode, thumbnail, visual vectors, page text), or a later stage of a known file:
    #: OCR (text inside an image), SPEECH (what a recording or clip says) or TEXT (embed
    #: segment text already in the catalog).
    stage: str = READ
    #: Set by the pipeline when queued; later stages inherit it, so live files come first.
    priority: int = 0
    #: Seconds the watcher held the file after the change it acted on (its close, else its
    #: last change, then the settle); 0 for files a scan found.
    held: float = 0.0


@dataclass
class Piece:
    """One segment on its way to the writer: what to store, and what the models must encode."""

    segment: Segment
    #: An image prepared for the visual model.
    payload: Any = None
    vector: Any = None
    #: Pieces of the segment's text for the text model: (text, start, end) in segment.text.
    chunks: list[tuple[str, int, int]] = field(default_factory=list)
    text_vectors: Any = None


@dataclass
class Outcome:
    """What a probe found: decoded | reuse | unchanged | ignored | failed | vanished | stale."""

    job: Job
    status: str
    digest: str | None = None
    kind: str | None = None
    facts: dict = field(default_factory=dict)
    pieces: list[Piece] = field(default_factory=list)
    #: Something the user should know that is not a failure ("first 500 of 5,000 pages").
    notice: str | None = None
    error: str | None = None
    #: The text is stored now and embedded by a TEXT job after: its words are searchable
    #: before the text model has read it (~1 s sooner for a dense screenshot on 2 cores).
    embed_later: bool = False
    #: The file's thumbnail as JPEG bytes, written with its row under its content hash.
    thumbnail: bytes | None = None
    #: Thumbnails of its parts by segment ord: a clip's scenes, shown for a scene that matched.
    part_thumbnails: dict[int, bytes] = field(default_factory=dict)

    @property
    def needs_model(self) -> bool:
        return any(p.payload is not None or p.chunks for p in self.pieces)


@dataclass
class Workers:
    """What the pipeline works with: the catalog and the thumbnail cache (which only its
    writer changes), the models, the readers' bounds."""

    catalog: Catalog
    thumbs: Path
    encoder: Encoder | None = None
    space_id: int | None = None
    text_encoder: TextEncoder | None = None
    ocr: OcrEngine | None = None
    speech: Speech | None = None
    max_pages: int = 500
    document_seconds: float = 60.0
    #: True once the pipeline stops: long reads (a clip's scenes, a transcription) end early.
    cancelled: Callable[[], bool] = lambda: False


def file_digest(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def already_done(work: Workers, job: Job) -> bool:
    """The same file (path, size, mtime) is already fully read: a repeated event or scan."""
    row = work.catalog.file_by_path(job.path)
    if row is None or (row["size"], row["mtime"]) != (job.size, job.mtime):
        return False
    if row["status"] != "indexed" or work.space_id is None:
        return True
    return work.catalog.stage_done(row["id"], embed_stage(work.space_id))


def probe(job: Job, work: Workers) -> Outcome:
    """Do one job's reading work; every failure becomes an Outcome with a reason."""
    path = Path(job.path)
    try:
        if job.stage == OCR:
            return _read_text_in_image(job, work)
        if job.stage == TEXT:
            return _chunk_stored_text(job, work)
        if job.stage == SPEECH:
            return _transcribe(job, work)
        if job.file_id is None and not job.force_decode and already_done(work, job):
            return Outcome(job, "unchanged")
        kind = sniff_kind(path)
        if kind is None:
            return _not_readable(job, path)
        digest = file_digest(job.path)
        if (
            job.file_id is None
            and not job.force_decode
            and work.catalog.twin_with_vector(digest, work.space_id) is not None
        ):
            return Outcome(job, "reuse", digest=digest, kind=kind)
        read = _READERS.get(kind, _read_document)
        return read(job, work, path, kind, digest)
    except FileNotFoundError:
        return Outcome(job, "vanished")
    except PermissionError:
        return Outcome(job, "failed", error="permission denied")
    except MediaError as exc:
        if not os.path.exists(job.path):
            return Outcome(job, "vanished")
        return Outcome(job, "failed", error=str(exc))
    except OSError as exc:
        return Outcome(job, "failed", error=f"cannot be read ({exc.strerror or exc})")
    except Exception as exc:  # a decoder bug must cost one file, not the run
        log.exception("Unexpected error reading %s", job.path)
        return Outcome(job, "failed", error=f"unexpected error: {exc}")


def _not_readable(job: Job, path: Path) -> Outcome:
    if not claims_media(path):
        return Outcome(job, "ignored")
    if job.size == 0:
        return Outcome(job, "failed", error="empty file (0 bytes)")
    reason = unsupported_reason(path)
    return Outcome(job, "failed", error=reason or "not a valid image or document (content)")


def _read_image(job: Job, work: Workers, path: Path, kind: str, digest: str) -> Outcome:
    encoder = work.encoder
    decoded = decode_image(path, max(encoder.image_size if encoder else 0, THUMB_SIDE))
    facts = {"width": decoded.width, "height": decoded.height, "captured_at": decoded.captured_at}
    if looks_like_screenshot(path.name, decoded):
        kind = "screenshot"
    payload = encoder.prepare_image(decoded.image) if encoder else None
    piece = Piece(Segment(0, "image", hashes=picture_hashes(decoded.image)), payload=payload)
    return Outcome(job, "decoded", digest=digest, kind=kind, facts=facts, pieces=[piece],
                   thumbnail=thumbnail_jpeg(decoded.image))  # fmt: skip


def _read_document(job: Job, work: Workers, path: Path, kind: str, digest: str) -> Outcome:
    encoder = work.encoder
    side = max(encoder.image_size if encoder else 0, THUMB_SIDE)
    document = read_document(path, kind, side, work.max_pages, work.document_seconds)
    pieces, thumbnail = [], None
    for page in document.pages:
        if page.image is not None and not pieces:  # the first page shows the document
            thumbnail = thumbnail_jpeg(page.image)
        payload = encoder.prepare_image(page.image) if encoder and page.image else None
        segment = Segment(page.index, page.kind, label=page.title, text=page.text or None)
        pieces.append(Piece(segment, payload=payload, chunks=_chunks(work, page.text)))
    facts = {"pages": document.page_count}
    return Outcome(job, "decoded", digest=digest, kind=kind, facts=facts, pieces=pieces,
                   notice=document.notice, thumbnail=thumbnail)  # fmt: skip


def _read_video(job: Job, work: Workers, path: Path, kind: str, digest: str) -> Outcome:
    """One segment per scene, embedded from its middle frame; the sound is a SPEECH job's.
    An MP4 with sound but no picture is a recording."""
    from mediasift.media.video import cut_scenes, poster_frame, probe_video

    try:
        info = probe_video(path)
    except MediaError:
        if _sound_of(path) is None:
            raise
        return _read_audio(job, work, path, "audio", digest)
    encoder = work.encoder
    side = max(encoder.image_size if encoder else 0, THUMB_SIDE)
    stretches, cut = _at_most(cut_scenes(path, max_side=side, cancelled=work.cancelled))
    if work.cancelled():
        return Outcome(job, "stale")  # read again at the next start, whole
    pieces, frames = [], {}
    for number, (start, end, frame) in enumerate(stretches):
        segment = Segment(number, "scene", start=round(start, 2), end=round(end, 2))
        pieces.append(Piece(segment, payload=encoder.prepare_image(frame) if encoder else None))
        frames[number] = thumbnail_jpeg(frame)
    facts = {"width": info.width, "height": info.height, "duration": info.duration}
    poster = thumbnail_jpeg(poster_frame(path))
    notice = f"{cut} scenes, kept as {len(stretches)} stretches" if cut > len(stretches) else None
    return Outcome(job, "decoded", digest=digest, kind=kind, facts=facts, pieces=pieces,
                   thumbnail=poster, part_thumbnails=frames, notice=notice)  # fmt: skip


def _at_most(scenes: Iterable[Scene]) -> tuple[list[tuple[float, float, Image]], int]:
    """(start, end, middle frame) per scene, and how many scenes there were. Past MAX_SCENES
    neighbours are joined in pairs (each keeps the first one's frame), and from then on each
    stretch takes twice as many scenes: a long film costs a bounded number of vectors and
    pictures held in memory, spread evenly over its length."""
    kept: list[tuple[float, float, Image]] = []
    per, last, count = 1, 0, 0  # scenes per stretch; scenes in the last stretch
    for scene in scenes:
        count += 1
        if kept and last < per:
            kept[-1] = (kept[-1][0], scene.end, kept[-1][2])
            last += 1
        else:
            kept.append((scene.start, scene.end, scene.frames[len(scene.frames) // 2]))
            last = 1
        if last == per and len(kept) > MAX_SCENES:
            odd = kept[-1:] if len(kept) % 2 else []
            pairs = zip(kept[::2], kept[1::2], strict=False)  # the odd one out stays alone
            kept = [(a[0], b[1], a[2]) for a, b in pairs] + odd
            per, last = per * 2, per if odd else per * 2
    return kept, count


def _read_audio(job: Job, work: Workers, path: Path, kind: str, digest: str) -> Outcome:
    """A recording's READ: what it is and its waveform; its words come with SPEECH."""
    from mediasift.media.audio import probe_audio, waveform_thumbnail

    info = probe_audio(path)
    return Outcome(job, "decoded", digest=digest, kind=kind, facts={"duration": info.duration},
                   thumbnail=thumbnail_jpeg(waveform_thumbnail(path)))  # fmt: skip


def _sound_of(path: Path) -> AudioInfo | None:
    """What the file's sound is, or None when it has none that can be read."""
    from mediasift.media.audio import probe_audio

    try:
        return probe_audio(path)
    except MediaError:
        return None


def _transcribe(job: Job, work: Workers) -> Outcome:
    """What is said in a clip or recording, as timed transcript segments whose text a TEXT job
    embeds after (the words are searchable first)."""
    from mediasift.media.transcribe import SpeechModelUnavailable

    if work.speech is None or _current_row(job, work) is None:
        return Outcome(job, "stale")
    if _sound_of(Path(job.path)) is None:
        return Outcome(job, "decoded")  # a clip without sound: nothing to hear
    try:
        chunks = work.speech.transcribe(Path(job.path), work.cancelled)
    except SpeechModelUnavailable:
        return Outcome(job, "stale")  # said once by Speech; the stage stays to do
    if work.cancelled():
        return Outcome(job, "stale")  # a partial transcript is not kept as done
    pieces = [
        Piece(Segment(TRANSCRIPT_ORD + i, "transcript", start=round(chunk.start, 2),
                      end=round(chunk.end, 2), text="\n".join(s for s, _, _ in chunk.sentences),
                      lines=[[s, round(a, 2), round(b, 2)] for s, a, b in chunk.sentences]))
        for i, chunk in enumerate(chunks)
    ]  # fmt: skip
    return Outcome(job, "decoded", pieces=pieces, embed_later=bool(pieces))


def _chunks(work: Workers, text: str | None, kind: str = "page") -> list[tuple[str, int, int]]:
    """The text's pieces for the text model, each with its place in the text.

    Paragraphs (blank-line apart) are never packed together. Text read in an image is also
    embedded line by line: a short message among window clutter is matched on its own, where
    one vector for its whole block let the clutter dilute it (measured: recall@1 0.93 by
    block, ``mediasift bench retrieval``). A transcript is embedded sentence by sentence too,
    so a hit is placed at the sentence's time.
    """
    if work.text_encoder is None or not text or not text.strip():
        return []
    pieces, offset = [], 0
    for paragraph in text.split("\n\n"):
        spans = work.text_encoder.chunk_spans(paragraph)
        if kind in ("ocr", "transcript"):  # a line of a screen, a sentence of speech
            spans = _line_spans(paragraph) + spans
        pieces += [(paragraph[a:b], offset + a, offset + b) for a, b in dict.fromkeys(spans)]
        offset += len(paragraph) + 2
    return pieces


def _line_spans(paragraph: str) -> list[tuple[int, int]]:
    """Spans of the paragraph's lines that say something alone (three words or more)."""
    spans, at = [], 0
    for line in paragraph.split("\n"):
        if len(line.split()) >= 3:
            spans.append((at, at + len(line)))
        at += len(line) + 1
    return spans


def _current_row(job: Job, work: Workers) -> dict | None:
    """The file's row when it is still what the job was made for (not edited or gone since)."""
    row = work.catalog.file_by_id(job.file_id)
    if row is None or row["path"] != job.path or row["status"] != "indexed":
        return None
    return row if (row["size"], row["mtime"]) == (job.size, job.mtime) else None


def _read_text_in_image(job: Job, work: Workers) -> Outcome:
    if work.ocr is None or _current_row(job, work) is None:
        return Outcome(job, "stale")
    image = decode_image(Path(job.path), OCR_SIDE).image
    lines = work.ocr.read(image)
    if not lines:
        return Outcome(job, "decoded")
    # One block per paragraph of the text, and one chunk per block, so a dialog's message
    # is embedded apart from the window around it.
    grouped = blocks(lines, image.width / image.height)
    text = "\n\n".join("\n".join(line.text for line in block) for block in grouped)
    boxes = [[line.text, *(round(v, 4) for v in line.box)] for block in grouped for line in block]
    segment = Segment(OCR_ORD, "ocr", text=text, lines=boxes)
    later = work.text_encoder is not None
    return Outcome(job, "decoded", pieces=[Piece(segment)], embed_later=later)


def _chunk_stored_text(job: Job, work: Workers) -> Outcome:
    if work.text_encoder is None or _current_row(job, work) is None:
        return Outcome(job, "stale")
    pieces = [
        Piece(
            Segment(**{k: row[k] for k in _SEGMENT_FIELDS}),
            chunks=_chunks(work, row["text"], row["kind"]),
        )
        for row in work.catalog.segments(job.file_id, with_text=True)
    ]
    return Outcome(job, "decoded", pieces=pieces)


_READERS = {"image": _read_image, "video": _read_video, "audio": _read_audio}
