#!/usr/bin/env bash
# Sourced by scripts/setup.sh and scripts/setup-bench.sh.
# apt_ensure PKG...: installs, with apt-get, those of the given Debian packages that are not installed yet.
# Runs `apt-get update` at most once per shell, and only when something is missing. Uses sudo when not root.

APT_ENSURE_UPDATED=${APT_ENSURE_UPDATED:-0}

apt_is_installed() {
  dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed$'
}

apt_as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "apt-ensure: need root (or sudo) to run: $*" >&2
    return 1
  fi
}

apt_ensure() {
  local missing=() pkg
  for pkg in "$@"; do
    if apt_is_installed "$pkg"; then
      echo "apt-ensure: $pkg already installed"
    else
      missing+=("$pkg")
    fi
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    return 0
  fi
  echo "apt-ensure: installing ${missing[*]}"
  if [ "$APT_ENSURE_UPDATED" -eq 0 ]; then
    apt_as_root env DEBIAN_FRONTEND=noninteractive apt-get update
    APT_ENSURE_UPDATED=1
  fi
  apt_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}
