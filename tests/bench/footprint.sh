#!/bin/bash
# The footprint figures of make bench from a COM1 log holding the shell's `mem` output
# (core/shell.c, mem(): its format is documented there):
#
#   tests/bench/footprint.sh LOG [ELF]
#
# Prints:
#   bench hv-image-text: <n> KiB (target 128)       the image's .text, rounded up to a KiB
#   bench hv-image-data: <n> KiB (target -)         .rodata + .data + .bss (each rounded up):
#                                                   the rest of what the image takes in RAM
#   bench hv-runtime-mem: <n> KiB (target 1024)     every page the page allocator handed out
#                                                   (partition RAM is the table's: not in it)
#   bench hv-runtime-mem-<owner>: <n> KiB (target -)  one per owner line, in the log's order:
#                                                   "hypervisor", then each partition by name
# The last `mem` of the log counts (its lines from "shell: memory: image" to "shell: memory:
# reserved"; other lines between them are passed over). Refused, with a line on stderr naming
# what is wrong, exit status 1 and no bench line: a log without those lines, an owner line
# whose uses do not add up to its figure, owners that do not add up to the run-time total,
# and, when ELF (the bulkhead.bin that made the log) is given, a text figure that is not its
# .text section's size (`size -A`) rounded up.
set -u
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: footprint.sh LOG [ELF]" >&2; exit 2; }
log=$1 elf=${2:-}
[ -r "$log" ] || { echo "footprint: $log: cannot read" >&2; exit 1; }

elf_text=
if [ -n "$elf" ]; then
	elf_text=$(size -A "$elf" 2>/dev/null | awk '$1 == ".text" { print $2 }')
	[ -n "$elf_text" ] || { echo "footprint: $elf: no .text section" >&2; exit 1; }
fi

tr -d '\r' <"$log" | awk -v elf_text="$elf_text" '
function refuse(why) { print "footprint: " why > "/dev/stderr"; bad = 1; exit 1 }
# The KiB of "<name> <n>" pairs after the first ": " of an owner line must add up to n.
function owner(who, n, rest,    parts, i, pair, sum) {
	sum = 0
	if (rest != "") {
		split(rest, parts, ", ")
		for (i in parts) {
			split(parts[i], pair, " ")
			sum += pair[2]
		}
	}
	if (sum != n)
		refuse("owner " who ": its uses add up to " sum " KiB, not " n)
	owners[++nowners] = who
	kib[nowners] = n
}
/^shell: memory: image [0-9]+ KiB: text [0-9]+, rodata [0-9]+, data [0-9]+, bss [0-9]+$/ {
	gsub(/,/, "")
	text = $7; data = $9 + $11 + $13
	inblock = 1; nowners = 0; runtime = ""; done = 0
	next
}
!inblock { next }
/^shell: memory: hypervisor [0-9]+ KiB(: .*)?$/ {
	rest = $0; sub(/^shell: memory: [^:]*(: )?/, "", rest)
	owner("hypervisor", $4, rest)
	next
}
/^shell: memory: partition [^ ]+ [0-9]+ KiB(: .*)?$/ {
	rest = $0; sub(/^shell: memory: [^:]*(: )?/, "", rest)
	owner($4, $5, rest)
	next
}
/^shell: memory: run-time [0-9]+ KiB \(page allocator\), [0-9]+ KiB free$/ {
	runtime = $4
	next
}
/^shell: memory: reserved [0-9]+ KiB / {
	inblock = 0
	done = 1
	got_text = text; got_data = data; got_runtime = runtime; got_n = nowners
	for (i = 1; i <= nowners; i++) { got_owner[i] = owners[i]; got_kib[i] = kib[i] }
}
END {
	if (bad)
		exit 1
	if (got_text == "")
		refuse("no complete `mem` output (shell: memory: image ... to shell: memory: reserved)")
	if (got_runtime == "")
		refuse("no run-time line (shell: memory: run-time <n> KiB (page allocator), ...)")
	if (got_n == 0 || got_owner[1] != "hypervisor")
		refuse("no hypervisor line (shell: memory: hypervisor <n> KiB: ...)")
	sum = 0
	for (i = 1; i <= got_n; i++)
		sum += got_kib[i]
	if (sum != got_runtime)
		refuse("the owners add up to " sum " KiB, the run-time total is " got_runtime " KiB")
	if (elf_text != "" && got_text != int((elf_text + 1023) / 1024))
		refuse("text " got_text " KiB, but the ELF has " elf_text " bytes of .text")
	printf "bench hv-image-text: %d KiB (target 128)\n", got_text
	printf "bench hv-image-data: %d KiB (target -)\n", got_data
	printf "bench hv-runtime-mem: %d KiB (target 1024)\n", got_runtime
	for (i = 1; i <= got_n; i++)
		printf "bench hv-runtime-mem-%s: %d KiB (target -)\n", got_owner[i], got_kib[i]
}'
