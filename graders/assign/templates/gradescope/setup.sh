#!/usr/bin/env bash
# Gradescope runs this once, as root, in /autograder/source.  Choose the Ubuntu 24.04 base
# image (Python 3.12; propgrade needs Python >= 3.11).
set -euo pipefail
cd "$(dirname "$0")"
ROOT="${AUTOGRADER_ROOT:-/autograder}"
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  apt-get update -q
  apt-get install -y -q python3 python3-venv python3-pip bubblewrap || true
fi
python3 -m venv "$ROOT/venv"
"$ROOT/venv/bin/pip" install --quiet --upgrade pip
# torch first, exactly the pinned CPU build: any other torch pulls gigabytes of CUDA wheels
TORCH="$(grep -m1 -E '^torch==' requirements.txt || echo torch)"
"$ROOT/venv/bin/pip" install --quiet "$TORCH" --index-url https://download.pytorch.org/whl/cpu
"$ROOT/venv/bin/pip" install --quiet -r requirements.txt
# propgrade itself is not installed: grade_submission.py imports the bundled source, which it
# keeps root-only (an installed copy would be readable by the unprivileged student uid)
