#!/usr/bin/env bash
# Installs what the tests need beyond libvirt (see ensure-libvirtd.sh): Debian's chromium for the
# browser tests (never a browser of its own), and ipset, with which the differential test makes
# the sets its ipset case matches.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-dejavu-core)
command -v ipset >/dev/null 2>&1 || missing+=(ipset)
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-test-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
