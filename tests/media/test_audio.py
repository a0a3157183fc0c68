"""Reading recordings: every format users have, the sound of videos, and damaged files."""

from __future__ import annotations

import numpy as np
import pytest

from mediasift.bench.speech import RATE, write_wav
from mediasift.media.audio import probe_audio, read_audio, waveform_thumbnail
from mediasift.media.errors import MediaError

CODECS = {
    ".wav": "pcm_s16le",
    ".mp3": "mp3float",
    ".m4a": "aac",
    ".flac": "flac",
    ".ogg": "opus",
}


def _duration(memo) -> float:
    return probe_audio(memo.path).duration


@pytest.mark.parametrize("suffix", list(CODECS))
def test_probe_each_format(memo_formats, memo_wav, suffix):
    info = probe_audio(memo_formats[suffix])
    assert info.codec == CODECS[suffix]
    assert info.channels == 1
    assert info.sample_rate in (22050, 48000)
    assert info.duration == pytest.approx(_duration(memo_wav), abs=0.1)


@pytest.mark.parametrize("suffix", list(CODECS))
def test_read_each_format_as_mono_16k(memo_formats, memo_wav, suffix):
    windows = list(read_audio(memo_formats[suffix]))
    assert len(windows) == 1 and windows[0][0] == 0.0
    samples = windows[0][1]
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert samples.size / 16000 == pytest.approx(_duration(memo_wav), abs=0.1)
    assert 0.1 < np.abs(samples).max() <= 1.05


def test_sound_of_a_video(clip_mp4):
    info = probe_audio(clip_mp4.path)
    assert info.codec == "aac" and info.duration > 2
    (offset, samples), *_ = read_audio(clip_mp4.path)
    assert offset == 0.0 and np.abs(samples).max() > 0.1


def test_windows_stream_with_offsets(memo_wav):
    whole = next(read_audio(memo_wav.path))[1]
    windows = list(read_audio(memo_wav.path, window=4.0))
    assert [offset for offset, _ in windows] == [4.0 * i for i in range(len(windows))]
    assert all(samples.size == 64000 for _, samples in windows[:-1])
    assert np.allclose(np.concatenate([samples for _, samples in windows]), whole)


def test_resampling_keeps_pitch_and_length(tmp_path):
    seconds, pitch = 2.0, 440.0
    t = np.arange(int(seconds * RATE)) / RATE
    path = write_wav(tmp_path / "a440.wav", 0.5 * np.sin(2 * np.pi * pitch * t))
    for rate in (8000, 16000, 44100):
        (_, samples), *_ = read_audio(path, rate)
        assert samples.size == pytest.approx(seconds * rate, abs=rate * 0.01)
        spectrum = np.abs(np.fft.rfft(samples))
        assert np.argmax(spectrum) * rate / samples.size == pytest.approx(pitch, abs=2)


def test_stereo_is_mixed_to_mono(tmp_path):
    import wave

    t = np.arange(RATE) / RATE
    left = (0.5 * np.sin(2 * np.pi * 300 * t) * 32767).astype(np.int16)
    path = tmp_path / "stereo.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(np.stack([left, np.zeros_like(left)], axis=1).tobytes())
    assert probe_audio(path).channels == 2
    (_, samples), *_ = read_audio(path)
    assert samples.ndim == 1 and samples.size == pytest.approx(16000, abs=10)
    assert 0.1 < np.abs(samples).max() < 0.5  # the left channel, averaged with silence


def _wave_pixels(image) -> int:
    background = image.getpixel((0, 0))
    pixels = np.asarray(image).reshape(-1, 3)
    return int((pixels != background).any(axis=1).sum())


@pytest.mark.parametrize("size", [(256, 256), (160, 90)])
def test_waveform_thumbnail(memo_formats, size):
    image = waveform_thumbnail(memo_formats[".mp3"], size)
    assert image.size == size and image.mode == "RGB"
    assert _wave_pixels(image) > size[0] * size[1] * 0.05  # speech draws tall bars


def test_waveform_of_silence_is_a_line(silence_wav):
    image = waveform_thumbnail(silence_wav)
    assert 0 < _wave_pixels(image) <= 256 * 2


def test_waveform_of_ten_hours_samples_the_file(ten_hour_wav):
    assert waveform_thumbnail(ten_hour_wav, (64, 32)).size == (64, 32)


def test_video_without_sound(video_only_mp4):
    with pytest.raises(MediaError, match="no audio track"):
        probe_audio(video_only_mp4)
    with pytest.raises(MediaError, match="no audio track"):
        list(read_audio(video_only_mp4))


@pytest.mark.parametrize(
    "content",
    [b"", b"this is a text file, not a song\n" * 200, np.random.default_rng(1).bytes(50_000)],
    ids=["empty", "text", "random"],
)
def test_not_audio_named_mp3(tmp_path, content):
    path = tmp_path / "song.mp3"
    path.write_bytes(content)
    with pytest.raises(MediaError):
        probe_audio(path)
    with pytest.raises(MediaError):
        list(read_audio(path))


def test_missing_file(tmp_path):
    with pytest.raises(MediaError, match="No such file"):
        probe_audio(tmp_path / "gone.wav")


@pytest.mark.parametrize("suffix", [".mp3", ".flac", ".ogg", ".wav"])
def test_truncated_file_gives_what_was_read(memo_formats, memo_wav, tmp_path, suffix):
    data = memo_formats[suffix].read_bytes()
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(data[: len(data) // 2])
    read = sum(samples.size for _, samples in read_audio(cut)) / 16000
    assert 0.3 * _duration(memo_wav) < read < 0.7 * _duration(memo_wav)


@pytest.mark.parametrize("suffix", list(CODECS))
def test_corrupt_middle_is_skipped(memo_formats, memo_wav, tmp_path, suffix):
    data = bytearray(memo_formats[suffix].read_bytes())
    middle = len(data) // 2
    data[middle : middle + 2000] = np.random.default_rng(2).bytes(2000)
    broken = tmp_path / f"broken{suffix}"
    broken.write_bytes(bytes(data))
    read = sum(samples.size for _, samples in read_audio(broken)) / 16000
    assert read > 0.8 * _duration(memo_wav)


def test_truncated_mp4_without_its_index_is_refused(memo_formats, tmp_path):
    """An MP4 written index-last (as phones and PyAV do) is unreadable when cut short."""
    data = memo_formats[".m4a"].read_bytes()
    cut = tmp_path / "cut.m4a"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError, match="not a readable"):
        probe_audio(cut)
