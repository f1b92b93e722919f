#!/usr/bin/env bash
# Installs what the tests need beyond libvirt (see ensure-libvirtd.sh): Debian's chromium for the
# browser tests (never a browser downloaded on its own), and the sqlite3 shell, with which the
# audit tests edit a history behind nwfilter-web's back.
set -euo pipefail
pkgs=()
command -v chromium >/dev/null 2>&1 || pkgs+=(chromium fonts-dejavu-core)
command -v sqlite3 >/dev/null 2>&1 || pkgs+=(sqlite3)
if [ ${#pkgs[@]} -gt 0 ]; then
  echo "install-test-deps: installing ${pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi
