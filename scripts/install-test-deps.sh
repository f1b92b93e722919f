#!/usr/bin/env bash
# Installs what the tests need beyond libvirt (see ensure-libvirtd.sh): Debian's chromium for the
# browser tests. Never downloads a browser of its own.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  echo "install-test-deps: installing chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
