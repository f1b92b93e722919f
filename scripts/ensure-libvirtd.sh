#!/usr/bin/env bash
# Makes sure a local libvirtd answers on qemu:///system: installs Debian's packages when they are
# missing and starts virtlogd and libvirtd by hand (these machines have no systemd).
set -euo pipefail

pkgs=(libvirt-daemon-system libvirt-clients iptables ebtables qemu-system-x86)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "ensure-libvirtd: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Without udev nobody gives /dev/kvm the group and mode Debian's udev rule gives it (root:kvm
# 0660). libvirt then finds KVM "enabled when probing but not available now", throws its cached
# qemu capabilities away and probes qemu again on every domain define and start: about a minute
# each. Doing what udev would do keeps the cache valid.
if [ -c /dev/kvm ] && getent group kvm >/dev/null; then
  chgrp kvm /dev/kvm && chmod 0660 /dev/kvm || true
fi

if virsh -c qemu:///system version >/dev/null 2>&1; then
  exit 0
fi
pgrep -x virtlogd >/dev/null || virtlogd -d
pgrep -x libvirtd >/dev/null || libvirtd -d
for _ in $(seq 1 60); do
  if virsh -c qemu:///system version >/dev/null 2>&1; then
    echo "ensure-libvirtd: libvirtd is up"
    exit 0
  fi
  sleep 0.5
done
echo "ensure-libvirtd: libvirtd did not answer on qemu:///system within 30s" >&2
exit 1
