#!/usr/bin/env bash
# Installs the system packages propgrade uses when they are missing and this machine can
# install them (Debian/Ubuntu as root).  Never fatal: without bubblewrap propgrade falls back
# to rlimits + a process group and says so (`propgrade doctor`).
set -u
if command -v bwrap >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  apt-get install -y -q bubblewrap >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q bubblewrap >/dev/null 2>&1; } \
    || true
fi
if command -v bwrap >/dev/null 2>&1; then
  echo "system-packages: installed bubblewrap"
else
  echo "system-packages: WARNING: bubblewrap is not available; student code will run without a namespace sandbox (see 'propgrade doctor')" >&2
fi
