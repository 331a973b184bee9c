#!/bin/bash
# make test's bench section, footprint part: tests/bench/footprint.sh on the COM1 log of a
# real boot of the default layout with `mem` typed (tests/bench/logs/footprint-default.log,
# trimmed to the boot's main lines and the `mem` output with a few lines around it) must
# print exactly the bench lines below; and a log that lacks a line, or whose figures do not
# add up, must be refused (exit status 1, a "footprint: " message, no bench line). Prints
# PASS/FAIL bench:footprint-... lines; exits 1 if any failed.
set -u
cd "$(dirname "$0")/../.." || exit 2
log=tests/bench/logs/footprint-default.log
fig=tests/bench/footprint.sh
. tests/bench/check_lib.sh

expected='bench hv-image-text: 148 KiB (target 128)
bench hv-image-data: 473 KiB (target -)
bench hv-runtime-mem: 212 KiB (target 1024)
bench hv-runtime-mem-hypervisor: 104 KiB (target -)
bench hv-runtime-mem-linux: 64 KiB (target -)
bench hv-runtime-mem-rt0: 44 KiB (target -)'
got=$(bash "$fig" "$log" 2>&1)
if [ "$got" = "$expected" ]; then
	pass footprint-figures
else
	fail footprint-figures
	diff <(echo "$expected") <(echo "$got") | sed 's/^/  /'
fi

# The last `mem` counts: the same output twice, the second with other figures.
{ cat "$log"; sed 's/rt0 44 KiB: ept 12,/rt0 48 KiB: ept 16,/; s/run-time 212 KiB/run-time 216 KiB/' "$log"; } >"$tmp/twice.log"
if bash "$fig" "$tmp/twice.log" 2>&1 | grep -qx 'bench hv-runtime-mem-rt0: 48 KiB (target -)'; then
	pass footprint-last-mem-counts
else
	fail footprint-last-mem-counts
fi

# refuse NAME COMMAND...: the log passed through COMMAND must be refused.
refuse() {
	local name=$1 out status
	shift
	"$@" <"$log" >"$tmp/log"
	out=$(bash "$fig" "$tmp/log" 2>&1)
	status=$?
	if [ $status = 1 ] && ! grep -q '^bench ' <<<"$out" && grep -q "^footprint: " <<<"$out"; then
		pass "footprint-refuses-$name"
	else
		fail "footprint-refuses-$name"
		echo "  exit status $status; output:"
		sed 's/^/  /' <<<"$out" | head -5
	fi
}
refuse without-mem sed '/^shell: memory: /d'
refuse without-image sed '/^shell: memory: image /d'
refuse without-runtime sed '/^shell: memory: run-time /d'
refuse without-reserved sed '/^shell: memory: reserved /d'
refuse without-hypervisor sed '/^shell: memory: hypervisor /d'
refuse owners-not-the-total sed 's/run-time 212 KiB/run-time 216 KiB/'
refuse uses-not-the-owner sed 's/linux 64 KiB: ept 12,/linux 64 KiB: ept 16,/'

# With the ELF, the text figure must be its .text rounded up: a stand-in ELF whose .text
# is 1 byte more than 147 KiB passes, one of 146 KiB is refused.
if command -v cc >/dev/null; then
	for kib in 147 146; do
		printf '.text\n.fill %d, 1, 0x90\n' $((kib * 1024 + (kib == 147))) >"$tmp/t$kib.s"
		cc -c -o "$tmp/t$kib.o" "$tmp/t$kib.s" 2>/dev/null
	done
	if bash "$fig" "$log" "$tmp/t147.o" >/dev/null 2>&1; then
		pass footprint-elf-text-agrees
	else
		fail footprint-elf-text-agrees
	fi
	out=$(bash "$fig" "$log" "$tmp/t146.o" 2>&1)
	if [ $? = 1 ] && grep -q '^footprint: text 148 KiB, but the ELF has 149504 bytes' <<<"$out"; then
		pass footprint-elf-text-refused
	else
		fail footprint-elf-text-refused
		sed 's/^/  /' <<<"$out" | head -3
	fi
fi
exit $rc
