#!/bin/sh
# An ISO that boots the entry make install's GRUB script writes, with the installed files:
#
#   tests/install/iso.sh DESTDIR OUT.iso
#
# DESTDIR is where make install put Bulkhead (make install DESTDIR=...; BOOTDIR and GRUBDDIR
# in the environment if make install had others than /boot/bulkhead and /etc/grub.d). The
# ISO's grub.cfg is a header (COM1 as GRUB's terminal, no timeout: what grub-mkconfig's
# 00_header writes from GRUB_TERMINAL=serial and GRUB_TIMEOUT=0) and then the output of
# DESTDIR's 25_bulkhead, run by its test hook with BULKHEAD_GRUBD_PATH=/boot, since
# tools/mkiso.sh puts bulkhead.bin and every other file in the ISO's /boot/. The grub.cfg is
# checked by grub-script-check and kept as OUT.cfg (OUT.iso less .iso). Nothing is booted:
# give OUT.iso to tools/run.sh or a test's emulator.
set -eu
if [ $# -ne 2 ]; then
	echo "usage: $0 DESTDIR OUT.iso" >&2
	exit 2
fi
dest=$1
out=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
bootdir=${BOOTDIR:-/boot/bulkhead}
grubd=$dest${GRUBDDIR:-/etc/grub.d}/25_bulkhead
list=$dest$bootdir/modules
for f in "$grubd" "$list" "$dest$bootdir/bulkhead.bin"; do
	[ -f "$f" ] || {
		echo "$0: no $f: is Bulkhead installed in $dest?" >&2
		exit 1
	}
done
cfg=${out%.iso}.cfg
{
	echo "serial --unit=0 --speed=115200"
	echo "terminal_input serial console"
	echo "terminal_output serial console"
	echo "set timeout=0"
	echo "set default=bulkhead"
	BULKHEAD_GRUBD_ROOT=$dest BULKHEAD_GRUBD_PATH=/boot "$grubd"
} >"$cfg"
grub-script-check "$cfg"
# The modules' files, once each, as the installed list names them.
files=$(awk '$1 == "module" && $5 != "-" { print $5 }' "$list" | sort -u)
set --
for f in $files; do
	set -- "$@" "$dest$bootdir/$f"
done
"$root/tools/mkiso.sh" "$out" "$cfg" "$dest$bootdir/bulkhead.bin" "$@"
# shellcheck disable=SC2086
echo "$out: the entry of $grubd ($cfg), with $bootdir/bulkhead.bin and" $files
