#!/usr/bin/env bash
# Installs MediaSift into ./.venv on a fresh machine.
#   CPU (default): a CPU build of torch, no multi-GB CUDA download.
#   GPU owners:    MEDIASIFT_TORCH=cuda packaging/install.sh   (the CUDA build from PyPI)
#   Other CPU-only machines whose default index serves CUDA torch:
#                  TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu packaging/install.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
pip=(.venv/bin/python -m pip install -q --disable-pip-version-check)
if [ "${MEDIASIFT_TORCH:-cpu}" = cuda ]; then
  # torchvision: transformers builds Qwen3-VL's processor (the GPU default model) only with it.
  "${pip[@]}" "torch>=2.4,<=2.14.1" torchvision
elif [ -n "${TORCH_INDEX_URL:-}" ]; then
  "${pip[@]}" torch --index-url "$TORCH_INDEX_URL"
else
  "${pip[@]}" "torch==2.13.0"
fi
# hnswlib builds from source; without this it adds -march=native and the binary is not portable.
HNSWLIB_NO_NATIVE=1 "${pip[@]}" -e ".[test]"
