#!/bin/sh
# Install the Debian packages Bulkhead's build, run and tests need.
# Idempotent and silent when everything is present; called by `make run`
# and `make test` so a fresh Debian machine needs nothing done by hand.
set -eu

PKGS="nasm binutils gcc make grub-common grub-pc-bin grub-efi-amd64-bin \
xorriso mtools qemu-system-x86 ovmf bochs bochsbios vgabios bc python3 clang libclang-rt-14-dev \
clang-format cppcheck libc6-dev gnuplot-nox"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "setup: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "setup: done"
