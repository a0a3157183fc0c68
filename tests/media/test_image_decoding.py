"""Image decoding: formats, orientation, fast JPEG drafts, bombs, capture dates, kind sniffing."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import write_image
from PIL import Image

from mediasift.media.errors import MediaError
from mediasift.media.image import decode_image
from mediasift.media.kinds import sniff_kind


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".webp", ".gif", ".bmp", ".tiff", ".heic"])
def test_every_supported_format_decodes_to_rgb(tmp_path, suffix):
    fmt = "HEIF" if suffix == ".heic" else None
    path = write_image(tmp_path / f"a{suffix}", 1, size=(120, 80), fmt=fmt)
    decoded = decode_image(path, 32)
    assert decoded.image.mode == "RGB"
    assert (decoded.width, decoded.height) == (120, 80)
    assert sniff_kind(path) == "image"


def test_gif_uses_first_frame_and_flattens_transparency(tmp_path):
    frames = [Image.new("RGBA", (40, 40), (255, 0, 0, 0)), Image.new("RGBA", (40, 40), "blue")]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], disposal=2)
    pixel = decode_image(path, 40).image.getpixel((20, 20))
    assert pixel == (255, 255, 255)  # transparent first frame shows as white, not blue


def test_exif_orientation_is_applied(tmp_path):
    image = Image.new("RGB", (200, 100), "white")
    image.paste((255, 0, 0), (0, 0, 100, 100))  # left half red
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated: display needs 90° clockwise
    path = tmp_path / "rotated.jpg"
    image.save(path, exif=exif, quality=95)
    decoded = decode_image(path, 32)
    assert (decoded.width, decoded.height) == (100, 200)
    assert decoded.image.size[0] < decoded.image.size[1]
    top = np.asarray(decoded.image)[5, decoded.image.size[0] // 2]
    assert top[0] > 200 and top[1] < 60  # red ends up on top after rotation


def test_large_jpeg_is_drafted_not_fully_decoded(tmp_path):
    path = write_image(tmp_path / "big.jpg", 3, size=(4000, 3000), quality=90)
    decoded = decode_image(path, 256)
    assert (decoded.width, decoded.height) == (4000, 3000)
    assert 256 <= min(decoded.image.size) < 600  # 1/8 DCT scale: 500x375


def test_large_png_is_reduced(tmp_path):
    path = write_image(tmp_path / "big.png", 3, size=(2400, 1800))
    assert 256 <= min(decode_image(path, 256).image.size) < 512


def test_capture_date_comes_from_exif(tmp_path):
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2021:03:04 05:06:07"
    path = tmp_path / "dated.jpg"
    Image.new("RGB", (50, 50)).save(path, exif=exif)
    from datetime import datetime

    assert decode_image(path, 16).captured_at == datetime(2021, 3, 4, 5, 6, 7).timestamp()


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "corrupt"), (b"\xff\xd8\xff\xe0" + b"\0" * 200, "corrupt"), (b"hello", "not a")],
)
def test_unreadable_content_raises_media_error(tmp_path, content, reason):
    path = tmp_path / "bad.jpg"
    path.write_bytes(content)
    with pytest.raises(MediaError, match=reason):
        decode_image(path, 16)


def test_kind_comes_from_content_not_name(tmp_path):
    disguised = write_image(tmp_path / "really-a-png.txt", 2, fmt="PNG")
    liar = tmp_path / "not-an-image.jpg"
    liar.write_text("plain text")
    assert sniff_kind(disguised) == "image"
    assert sniff_kind(liar) is None


def test_sweep_removes_only_stale_partial_thumbnails(tmp_path):
    import os

    from mediasift.fsutil import sweep_stale

    (tmp_path / "ab").mkdir()
    old, fresh = tmp_path / "ab" / "old.part", tmp_path / "ab" / "fresh.part"
    old.write_bytes(b"x")
    fresh.write_bytes(b"x")
    os.utime(old, (1, 1))
    assert sweep_stale(tmp_path, "*/*.part") == 1
    assert not old.exists() and fresh.exists()
