#!/usr/bin/env bash
# Builds the one-folder app with PyInstaller into dist/MediaSift, prints its size and build
# time, then starts the built app once under Xvfb on an empty library (a smoke test: it must
# draw its window, welcome included, and save a screenshot).
set -euo pipefail
cd "$(dirname "$0")"
../.venv/bin/python -m pip install -q --disable-pip-version-check "pyinstaller>=6.10"
started=$(date +%s)
../.venv/bin/pyinstaller --noconfirm --clean --log-level WARN \
  --distpath ../dist --workpath ../build/pyinstaller mediasift-gui.spec
echo "build: $(( $(date +%s) - started )) s, size: $(du -sh ../dist/MediaSift | cut -f1)"
smoke=$(mktemp -d)
MEDIASIFT_HOME="$smoke/home" xvfb-run -a -s "-screen 0 1280x800x24" \
  ../dist/MediaSift/mediasift-gui --screenshot "$smoke/window.png"
test -s "$smoke/window.png" && echo "smoke test: the built app drew its window ($smoke/window.png)"
