"""Per-file work done in the decode pool: sniff, hash, decode, thumbnail, prepare for the model.

It reads the catalog (to reuse the work of an identical file) but never writes it: the writer
decides what the outcome means. Every failure becomes an Outcome with a reason, never a raise.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mediasift.catalog import Catalog
from mediasift.media.errors import MediaError
from mediasift.media.image import decode_image
from mediasift.media.kinds import claims_media, sniff_kind
from mediasift.media.thumbs import THUMB_SIDE, save_thumbnail

if TYPE_CHECKING:
    from mediasift.models.encoder import Encoder

log = logging.getLogger(__name__)


@dataclass
class Job:
    path: str
    folder_id: int
    size: int
    mtime: float
    #: Catalog row of an unchanged file that only lacks its embedding (None: new or changed).
    file_id: int | None = None
    #: Decode even when an identical file is known (its work turned out to be unusable).
    force_decode: bool = False


@dataclass
class Outcome:
    """What a probe found: decoded | reuse | unchanged | ignored | failed | vanished."""

    job: Job
    status: str
    digest: str | None = None
    kind: str | None = None
    facts: dict = field(default_factory=dict)
    payload: Any = None
    vector: Any = None
    error: str | None = None


def embed_stage(space_id: int) -> str:
    """The stage name recording that a file has its vectors in one space."""
    return f"embed:{space_id}"


def file_digest(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def already_done(catalog: Catalog, job: Job, space_id: int | None) -> bool:
    """The same file (path, size, mtime) is already fully handled: a repeated event or scan."""
    row = catalog.file_by_path(job.path)
    if row is None or (row["size"], row["mtime"]) != (job.size, job.mtime):
        return False
    if row["status"] != "indexed" or space_id is None:
        return True
    return catalog.stage_done(row["id"], embed_stage(space_id))


def probe(
    job: Job,
    catalog: Catalog,
    thumbs: Path,
    encoder: Encoder | None,
    space_id: int | None,
) -> Outcome:
    path = Path(job.path)
    try:
        if job.file_id is None and not job.force_decode and already_done(catalog, job, space_id):
            return Outcome(job, "unchanged")
        kind = sniff_kind(path)
        if kind is None:
            if not claims_media(path):
                return Outcome(job, "ignored")
            if job.size == 0:
                return Outcome(job, "failed", error="empty file (0 bytes)")
            return Outcome(job, "failed", error="not a valid image (content is not an image)")
        digest = file_digest(job.path)
        if (
            job.file_id is None
            and not job.force_decode
            and catalog.twin_with_vector(digest, space_id) is not None
        ):
            return Outcome(job, "reuse", digest=digest, kind=kind)
        side = max(encoder.image_size if encoder else 0, THUMB_SIDE)
        decoded = decode_image(path, side)
        save_thumbnail(decoded.image, thumbs, digest)
        facts = {
            "width": decoded.width,
            "height": decoded.height,
            "captured_at": decoded.captured_at,
        }
        payload = encoder.prepare_image(decoded.image) if encoder else None
        return Outcome(job, "decoded", digest=digest, kind=kind, facts=facts, payload=payload)
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
