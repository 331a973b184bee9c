#!/bin/sh
# make run: boot the ISO with COM1 on this terminal. tools/run.sh EMU ISO CPUS
#   EMU: bochs (default; emulates VMX+EPT), qemu (SeaBIOS), qemu-uefi (OVMF),
#        qemu-kvm (needs /dev/kvm with nested VMX). Stop with Ctrl-C.
set -eu
emu=$1
iso=$2
cpus=$3
if [ "$emu" = qemu-kvm ] && ! grep -qE 'vmx' /proc/cpuinfo 2>/dev/null; then
	echo "run: EMU=qemu-kvm needs a host CPU with VMX exposed to this machine (nested VMX)" >&2
	exit 1
fi
echo "run: booting $iso on $emu with $cpus cpus; COM1 follows (Ctrl-C to stop)" >&2
exec "$(dirname "$0")/../tests/emu/boot.sh" --emu "$emu" --iso "$iso" --log - --cpus "$cpus" --mem 512
