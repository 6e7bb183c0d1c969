#!/usr/bin/env bash
# Gradescope runs this once, as root, in /autograder/source, when it builds the image (base
# image: Ubuntu 22.04, Gradescope's documented default, or newer).  It installs a Python >= 3.11
# (22.04's python3 is 3.10: then Ubuntu's python3.11), bubblewrap where apt has it, a venv at
# /autograder/venv with the pinned dependencies (torch CPU first), and draws the assignment's
# examples into the private source, so that no submission pays for drawing them.
set -euo pipefail
cd "$(dirname "$0")"
ROOT="${AUTOGRADER_ROOT:-/autograder}"

python_ok() {  # a Python new enough for propgrade, with venv
  "$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q python3 python3-venv python3-pip
  if ! python_ok python3; then
    apt-get install -y -q python3.11 python3.11-venv
  fi
  # optional: without it student code runs as an unprivileged uid (graders.sandbox.plain)
  apt-get install -y -q bubblewrap || echo "setup.sh: bubblewrap not installed"
fi

PYTHON=""
for candidate in python3 python3.13 python3.12 python3.11; do
  if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then
    PYTHON="$(command -v "$candidate")"
    break
  fi
done
if [ -z "$PYTHON" ]; then
  echo "setup.sh: no Python >= 3.11 with venv found; propgrade needs one" >&2
  exit 1
fi
echo "setup.sh: $PYTHON ($("$PYTHON" --version))"

"$PYTHON" -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --quiet --upgrade pip
# torch first, exactly the pinned CPU build: any other torch pulls gigabytes of CUDA wheels.
# On x86_64 the CPU build is the "+cpu" local version, found only on PyTorch's CPU index; its
# own dependencies come from PyPI.  requirements.txt's "torch==X" then accepts "X+cpu".
TORCH="$(grep -m1 -E '^torch==' requirements.txt || echo torch)"
if [ "$(uname -m)" = "x86_64" ] && [ "$TORCH" != "torch" ]; then TORCH="$TORCH+cpu"; fi
"$ROOT/venv/bin/python" -m pip install --quiet "$TORCH" \
  --extra-index-url https://download.pytorch.org/whl/cpu
"$ROOT/venv/bin/python" -m pip install --quiet -r requirements.txt
# propgrade itself is not installed: grade_submission.py imports the bundled source, which it
# keeps root-only (an installed copy would be readable by the unprivileged student uid)
"$ROOT/venv/bin/python" grade_submission.py --warm
