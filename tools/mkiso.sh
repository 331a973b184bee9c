#!/bin/sh
# Make a hybrid BIOS+UEFI ISO: tools/mkiso.sh OUT.iso GRUB.CFG BULKHEAD.BIN [EXTRA_FILE...]
# Extra files (partition images, later) land in /boot/ beside the hypervisor.
set -eu
out=$1
cfg=$2
bin=$3
shift 3
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub"
cp "$cfg" "$stage/boot/grub/grub.cfg"
cp "$bin" "$stage/boot/bulkhead.bin"
for f in "$@"; do cp "$f" "$stage/boot/"; done
if ! grub-mkrescue -o "$out" "$stage" >"$stage.log" 2>&1; then
	cat "$stage.log" >&2
	rm -f "$stage.log"
	exit 1
fi
rm -f "$stage.log"
