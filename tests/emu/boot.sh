#!/bin/bash
# Boot an ISO in an emulator with COM1 captured to a file, until a line matches --until
# (success) or --timeout seconds pass (failure). Never hangs: the emulator is killed.
#
#   tests/emu/boot.sh --emu bochs|qemu|qemu-q35|qemu-uefi|qemu-kvm|qemu-iommu --iso ISO
#                     --log COM1.LOG [--cpus N] [--threads T] [--model BOCHS_CPU_MODEL]
#                     [--mem MiB] [--timeout S] [--quantum Q]
#                     [--until REGEX]... [--until-count N] [--linger S]
#                     [--type-on REGEX --type TEXT]...
# --type-on/--type (Bochs): COM1 goes through a local socket, and TEXT is typed on COM1
# once a line matches REGEX (tests/emu/serial_client.py); several pairs run in order, each
# REGEX matched against lines that come after the previous TEXT was typed.
# With several --until, every one must match (each at least --until-count times); --linger
# keeps the emulator running S more seconds after that (to see what happens next).
# --log - sends COM1 to the terminal and runs until the emulator exits (make run).
# qemu-q35: QEMU's q35 machine (ICH9, PCI Express, MMCONFIG) with SeaBIOS. --threads T (QEMU):
# the N CPUs are one socket of N/T cores of T threads each (SMT siblings, as CPUID leaf 0xb
# shows them); the default is 1.
# Bochs: BOCHS_LOG=FILE keeps Bochs's own log; BOCHS_IGNORE_BAD_MSRS=1 makes RDMSR/WRMSR of an
# MSR Bochs does not know return 0 / be dropped instead of raising #GP (stock Linux reads
# IA32_MISC_ENABLE, 0x1a0, in verify_cpu before it has an IDT: a triple fault without this).
# BOCHS_EXTRA=FILE appends FILE's lines to the Bochs configuration (devices, e.g. an e1000).
# --quantum Q (or BOCHS_QUANTUM=Q; Bochs only): Bochs runs every emulated CPU on one host
# thread, in turns of about Q instructions (cpu: quantum=, 1 to 32, default 16; a turn is at
# least one trace, i.e. up to a branch, and a halted CPU counts Q), and advances the guest
# clock once a round by the mean a CPU ran. The smallest, 1, keeps that interleaving out of
# latency figures as far as Bochs allows (tests/bench_latency.sh).
# Exit status: 0 when --until matched, 1 on timeout or emulator exit without a match.
set -u
emu=bochs iso="" log="" cpus=4 threads=1 model=corei7_icelake_u mem=256 timeout=60
quantum=${BOCHS_QUANTUM:-16}
until_res=()
until_count=1
linger=0
type_on="" type_steps=()
while [ $# -gt 0 ]; do
	case $1 in
	--emu) emu=$2 ;;
	--iso) iso=$2 ;;
	--log) log=$2 ;;
	--cpus) cpus=$2 ;;
	--threads) threads=$2 ;;
	--model) model=$2 ;;
	--mem) mem=$2 ;;
	--timeout) timeout=$2 ;;
	--quantum) quantum=$2 ;;
	--until) until_res+=("$2") ;;
	--until-count) until_count=$2 ;;
	--linger) linger=$2 ;;
	--type-on) type_on=$2 type_steps+=("$2") ;;
	--type) type_steps+=("$2") ;;
	*) echo "boot.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift 2
done
[ -n "$iso" ] && [ -n "$log" ] || { echo "boot.sh: --iso and --log are required" >&2; exit 2; }
if [ "$threads" != 1 ] && { [ "$emu" = bochs ] || [ $((cpus % threads)) != 0 ]; }; then
	echo "boot.sh: --threads $threads: QEMU only, and a divisor of --cpus" >&2
	exit 2
fi
case $quantum in
[1-9] | [12][0-9] | 3[0-2]) ;;
*) echo "boot.sh: --quantum $quantum: 1 to 32" >&2; exit 2 ;;
esac
if [ "$quantum" != 16 ] && [ "$emu" != bochs ]; then
	echo "boot.sh: --quantum: Bochs only" >&2
	exit 2
fi
[ ${#until_res[@]} -gt 0 ] || until_res=('^bulkhead: (idle|halted)|exception [0-9]+ \(')

# all_matched: every --until regex has matched --until-count lines of the log.
all_matched() {
	local re
	for re in "${until_res[@]}"; do
		[ "$(tr -d '\r' <"$log" | grep -cE "$re")" -ge "$until_count" ] || return 1
	done
}

work=$(mktemp -d /tmp/bulkhead-emu.XXXXXX)
# free_port: a TCP port the kernel just found free, for COM1's socket when the test types
# (--type-on). Another process may still take it before Bochs binds it; Bochs then stops at
# once ("bind() or listen() failed") and the boot is tried again on a new port (below).
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("localhost", 0))
print(s.getsockname()[1])'
}
serial_port=$(free_port)
interactive=0
if [ "$log" = "-" ]; then
	interactive=1
	log=/dev/stdout
else
	: >"$log"
fi

bochs_cmd() {
	local com1="com1: enabled=1, mode=file, dev=$log"
	if [ -n "$type_on" ] || [ $interactive = 1 ]; then
		com1="com1: enabled=1, mode=socket-server, dev=localhost:$serial_port"
	fi
	cat >"$work/bochsrc" <<EOF2
megs: $mem
romimage: file=/usr/share/bochs/BIOS-bochs-latest, options=fastboot
vgaromimage: file=/usr/share/vgabios/vgabios.bin
display_library: rfb, options="timeout=0"
cpu: model=$model, count=$cpus, ips=100000000, quantum=$quantum, reset_on_triple_fault=0, ignore_bad_msrs=${BOCHS_IGNORE_BAD_MSRS:-0}
clock: sync=none, time0=1
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-master: type=cdrom, path=$iso, status=inserted
boot: cdrom
$com1
log: ${BOCHS_LOG:-$work/bochs.log}
panic: action=fatal
error: action=report
info: action=report
debug: action=ignore
port_e9_hack: enabled=1
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
EOF2
	[ -z "${BOCHS_EXTRA:-}" ] || cat "$BOCHS_EXTRA" >>"$work/bochsrc"
	printf 'continue\nquit\n' >"$work/rc"
	echo bochs -q -f "$work/bochsrc" -rc "$work/rc"
}

qemu_cmd() {
	local extra=""
	case $emu in
	qemu) extra="-M pc -cpu qemu64" ;;
	qemu-q35) extra="-M q35 -cpu qemu64" ;;
	qemu-uefi)
		cp /usr/share/OVMF/OVMF_VARS_4M.fd "$work/vars.fd"
		extra="-M q35 -cpu qemu64 -drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd -drive if=pflash,format=raw,file=$work/vars.fd"
		;;
	qemu-kvm) extra="-M q35 -enable-kvm -cpu host,+vmx" ;;
	# VT-d with interrupt remapping and the edu test device at 00:02.0 (no NIC before it);
	# the edu's DMA may reach any address (its default mask is 28 bits).
	qemu-iommu)
		extra="-M q35 -cpu qemu64 -nic none -device intel-iommu,intremap=on
			-device edu,dma_mask=0xffffffffffffffff"
		;;
	esac
	local serial="file:$log"
	[ $interactive = 1 ] && serial=stdio
	local smp=$cpus
	[ "$threads" = 1 ] || smp="$cpus,sockets=1,cores=$((cpus / threads)),threads=$threads"
	echo qemu-system-x86_64 $extra -m "$mem" -smp "$smp" -cdrom "$iso" -boot d \
		-serial "$serial" -display none -no-reboot -monitor none \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04
}

case $emu in
bochs) cmd=$(bochs_cmd) ;;
qemu | qemu-q35 | qemu-uefi | qemu-kvm | qemu-iommu) cmd=$(qemu_cmd) ;;
*) echo "boot.sh: unknown emulator '$emu' (bochs, qemu, qemu-q35, qemu-uefi, qemu-kvm, qemu-iommu)" >&2; exit 2 ;;
esac

if [ $interactive = 1 ]; then
	echo "boot.sh: $cmd" >&2
	if [ "$emu" = bochs ]; then
		# Bochs chatters on stderr before its log file takes over; keep the terminal for COM1,
		# which goes through a socket so that keys typed here reach the guest.
		echo "boot.sh: Bochs messages go to $work/emu.err and $work/bochs.log" >&2
		$cmd </dev/null >"$work/emu.out" 2>"$work/emu.err" &
		pid=$!
		trap 'kill $pid 2>/dev/null' EXIT INT TERM
		"$(dirname "$0")/serial_term.py" "$serial_port"
		exit 0
	fi
	exec $cmd </dev/null
fi

# start_emu: the emulator (and the typing client) in the background.
start_emu() {
	$cmd </dev/null >"$work/emu.out" 2>&1 &
	pid=$!
	if [ -n "$type_on" ]; then
		"$(dirname "$0")/serial_client.py" "$serial_port" "$log" "${type_steps[@]}" &
		client=$!
	fi
}

# port_taken: Bochs stopped because COM1's socket port was taken meanwhile.
port_taken() {
	[ -n "$type_on" ] && [ "$emu" = bochs ] &&
		grep -q 'bind() or listen() failed' "${BOCHS_LOG:-$work/bochs.log}" 2>/dev/null
}

# restart_emu: the same boot again on a new COM1 port.
restart_emu() {
	wait $pid 2>/dev/null
	kill "$client" 2>/dev/null
	wait "$client" 2>/dev/null
	echo "boot.sh: COM1 port $serial_port was taken; trying another" >&2
	serial_port=$(free_port)
	cmd=$(bochs_cmd)
	: >"$log"
	start_emu
}

start_emu
retries=0
start=$SECONDS
status=1
while :; do
	if all_matched; then
		status=0
		sleep 0.3 # let the rest of the line(s) drain
		sleep "$linger"
		break
	fi
	if ! kill -0 $pid 2>/dev/null; then
		port_taken && [ $retries -lt 4 ] || break
		retries=$((retries + 1))
		restart_emu
		continue
	fi
	[ $((SECONDS - start)) -ge "$timeout" ] && { echo "boot.sh: timeout after ${timeout}s" >&2; break; }
	sleep 0.2
done
kill $pid 2>/dev/null
wait $pid 2>/dev/null
[ -n "$type_on" ] && { kill "$client" 2>/dev/null; wait "$client" 2>/dev/null; }
if [ $status != 0 ]; then
	echo "boot.sh: emulator output:" >&2
	tail -5 "$work/emu.out" >&2
	[ -f "$work/bochs.log" ] && grep -E 'PANIC|ERROR|>>PANIC' "$work/bochs.log" | tail -5 >&2
fi
rm -rf "$work"
exit $status
