#!/usr/bin/env bash
# Installs the system packages propgrade uses when they are missing and this machine can
# install them (Debian/Ubuntu as root).  Never fatal:
# - bubblewrap: without it propgrade falls back to rlimits + a process group and says so
#   (`propgrade doctor`);
# - postgresql: the suite starts its own throwaway server from these binaries (initdb in a
#   temporary folder, a port on loopback; tests/postgres.py); without them the PostgreSQL
#   tests are skipped, saying why, except under CI where they fail.
set -u
export DEBIAN_FRONTEND=noninteractive

have_postgres() {
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1
}

# apt-get install "$@" (updating the package lists once if the first try fails); 1 if this
# machine cannot install packages this way
apt_install() {
  [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1 || return 1
  apt-get install -y -q "$@" >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "$@" >/dev/null 2>&1; }
}

if ! command -v bwrap >/dev/null 2>&1; then
  apt_install bubblewrap || true
  if command -v bwrap >/dev/null 2>&1; then
    echo "system-packages: installed bubblewrap"
  else
    echo "system-packages: WARNING: bubblewrap is not available; student code will run without a namespace sandbox (see 'propgrade doctor')" >&2
  fi
fi

if ! have_postgres; then
  apt_install postgresql || true
  if have_postgres; then
    echo "system-packages: installed postgresql (the suite's PostgreSQL tests use its server binaries)"
  else
    echo "system-packages: WARNING: the PostgreSQL server (Debian's postgresql) is not available; the PostgreSQL store tests will be skipped (and fail under CI)" >&2
  fi
fi
exit 0
