#!/usr/bin/env bash
# Installs raftsim's build dependencies from Debian packages when they are missing.
# Idempotent and quiet when everything is present. Needs root or sudo only when something is missing.
set -euo pipefail

# python3: tools/experiments (the article's experiments: tables and SVG plots), standard library only.
packages=(cmake ninja-build g++ clang python3 catch2 libfmt-dev nlohmann-json3-dev libpcg-cpp-dev libcli11-dev libraft-dev golang-go
          golang-etcd-server-dev chromium)  # chromium: the HTML report's browser test (tests/report/)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 3; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Try with the current package lists first; refresh them only if that fails (a fresh machine).
if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
