#!/usr/bin/env bash
# Makes the environment the Qwen3-VL tests run in, and prints its python.
#
# transformers builds Qwen3-VL's processor only together with its video part, which needs
# torchvision, and torchvision comes only as CUDA builds (~5.5 GB with the CUDA torch it pins).
# So ./.venv keeps its CPU torch, and this environment holds just the CUDA torch and torchvision,
# taking every other package from ./.venv (a .pth file, rewritten on each call). Made once per
# machine (~1.5 min from a local package mirror) in MEDIASIFT_VLM_VENV, then reused.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${MEDIASIFT_VLM_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/mediasift-vlm-test-env}
has_torchvision='import importlib.util, sys; sys.exit(importlib.util.find_spec("torchvision") is None)'
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -I -c "$has_torchvision"; then
  python3 -m venv --clear "$venv" >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check \
    "torch>=2.4,<=2.14.1" torchvision >&2
fi
purelib='import sysconfig; print(sysconfig.get_path("purelib"))'
main_site=$(.venv/bin/python -c "$purelib")
echo "import site; site.addsitedir('$main_site')" >"$("$venv/bin/python" -c "$purelib")/mediasift-main.pth"
echo "$venv/bin/python"
