"""Reading a stream of a PyAV (FFmpeg) container the forgiving way, for clips and recordings
alike: a damaged packet is skipped, and a file cut short gives what comes before the cut."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import av

log = logging.getLogger(__name__)

#: Damaged packets in a row after which the rest of a file is given up as unreadable.
MAX_BAD_PACKETS = 50


def reason(exc: Exception) -> str:
    """An FFmpeg or OS error in words."""
    return getattr(exc, "strerror", None) or str(exc)


def decoded(
    container: av.container.InputContainer,
    stream: av.stream.Stream,
    wanted: Callable[[av.Packet], bool] = lambda packet: True,
    drain: bool = True,
) -> Iterator[list]:
    """The frames each packet gave (often none), skipping damaged packets and those not
    ``wanted``, and stopping where the file is cut short; with ``drain``, a last list holds
    what the decoder still had."""
    bad = 0
    packets = container.demux(stream)
    while bad < MAX_BAD_PACKETS:
        try:
            packet = next(packets)
        except StopIteration:
            break
        except av.error.FFmpegError as exc:  # the demuxer cannot go on: truncated, garbled
            log.info("%s ends early: %s", container.name, reason(exc))
            break
        if not wanted(packet):
            continue
        try:
            frames = packet.decode()
        except av.error.FFmpegError:
            bad += 1
            continue
        bad = 0
        yield frames
    if drain:
        try:
            yield stream.codec_context.decode(None)
        except av.error.FFmpegError:
            return
