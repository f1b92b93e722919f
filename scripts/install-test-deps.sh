#!/usr/bin/env bash
# Installs what the tests need beyond libvirt (see ensure-libvirtd.sh): Debian's chromium for the
# browser tests (never a browser downloaded on its own), ipset, with which the differential
# test makes the sets its ipset case matches, and the sqlite3 shell, with which the audit tests
# edit a history behind nwfilter-web's back.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-dejavu-core)
command -v ipset >/dev/null 2>&1 || missing+=(ipset)
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-test-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
