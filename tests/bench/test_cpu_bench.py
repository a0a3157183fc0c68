"""``mediasift bench cpu`` end to end with the tiny CLIP (its figures mean nothing here; the
code path is the one a ViT-B/32 run takes), and the real photographs it compares on."""

from __future__ import annotations

import json

from mediasift.bench import cpu
from mediasift.bench.photos import real_photos
from mediasift.cli import main


def test_real_photos_are_views_of_packaged_photographs():
    views, origin = real_photos(40)
    assert len(views) == 40 and "17 photos" in origin
    assert len({view.tobytes()[:4096] for view in views}) == 40  # every view differs
    assert all(view.mode == "RGB" and min(view.size) >= 16 for view in views)


def test_every_option_is_measured_against_torch(tiny_clip, capsys, monkeypatch):
    # Resident memory is read in two fresh processes (importing torch twice): not here.
    monkeypatch.setattr(cpu, "_rss_in_fresh_process", lambda *args: 1)
    argv = ["bench", "cpu", "--model", str(tiny_clip), "--images", "6", "--batch-sizes", "1,4"]
    assert main([*argv, "--rounds", "1", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    options = figures["options"]
    assert options["torch fp32"]["b1_ratio"] == options["torch fp32"]["b4_ratio"] == 1.0
    shipped = options["shipped: ClipEncoder on a CPU"]
    assert figures["shipped"] == "onnxruntime int8" and shipped["cosine_min"] >= 0.99
    assert shipped["b4_images_s"] > 0 and figures["first_load_s"] > 0
    assert {"onnxruntime fp32", "torch int8 dynamic (Linear)"} <= options.keys()
    assert figures["rss_mb"] == {"torch": 1, "shipped": 1}
