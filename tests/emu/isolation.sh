# Isolation cases (issue 7), sourced by tests/emu/cases.sh: a hostile partition attacks the
# hypervisor and its neighbours, one attack per boot (images/demos/hostile.c; the table of
# attacks and the policy each one meets is docs/isolation.md). Each case boots the rt layout
# with rt0 = hostile.elf attack=<name>, rt1 and rt2 = heartbeat.elf period_ms=20, and checks
#   - the attacker is denied (the documented value, fault or dropped write) or stopped, with
#     the exact COM1 line;
#   - the neighbours keep beating after the attack's outcome (at least 5 beats each), and no
#     beat of theirs comes early (a forged timer interrupt would);
#   - nothing of another partition leaks (rt1's info page starts "BULK", 0x4b4c5542);
#   - the shell brings the attacker back: once the neighbours have beaten after the attack,
#     `stop rt0` (answered "it is not running": the attack ended it, or the shell's stop did)
#     then `start rt0` reload it, its first line comes again and the neighbours beat on;
#   - the hypervisor survives: no exception report, one boot only, and its shell answers
#     `version` typed last.
# The attack's own checks (isolation_check) read COM1 up to the shell's `start`: the second
# run attacks again, and how far it gets before the boot ends varies.
# The attacks that need a sibling CPU (ISOLATION_SIBLING_ATTACKS) boot the sibling layout
# (tests/layouts/sibling.c): rt0 = hostile.elf on two CPUs, rt1 = the heartbeat, no rt2.
# The boots are independent: they run ISOLATION_JOBS at a time (default: the host's CPUs),
# then each case's COM1 log is checked in order.

# Every attack of docs/isolation.md in the rt layout, one boot each.
ISOLATION_ATTACKS=(
	read-neighbour write-neighbour read-past-ram write-hypervisor
	lapic-mmio ioapic-mmio hpet-mmio mmconfig
	port-pit port-pic port-pci port-reset port-kbc
	wrmsr-apic-base wrmsr-feature-control wrmsr-mtrr wrmsr-efer
	icr-init-foreign icr-sipi-foreign icr-nmi-foreign icr-smi-foreign
	icr-broadcast-fixed icr-broadcast-init icr-broadcast-logical
	vmxon vmread vmcall-bad vmcall-print-huge vmcall-print-foreign
	cr4-vmxe xsetbv invd wbinvd
	cli-hlt triple-fault exception-storm interrupt-storm cr3-outside
	write-hv-tables read-own-host port-neighbour port-string wrmsr-tsc
	icr-fixed-foreign icr-dest-all vmcall-print-edge cr0-reserved
	vmcall-print-forge port-sweep icr-reserved cr0-paging-off lvt-smi doorbell-sweep
)
# The attacks through a second CPU of the attacker's (one boot each, sibling layout).
ISOLATION_SIBLING_ATTACKS=(sibling-spin-stop sibling-nmi-loop sibling-init-sipi)
ISOLATION_PERIOD_MS=20

isolation_sibling() { [[ $1 == sibling-* ]]; }
# isolation_neighbours ATTACK: the heartbeat partitions beside the attacker.
isolation_neighbours() {
	if isolation_sibling "$1"; then echo rt1; else echo rt1 rt2; fi
}
# isolation_shell_stopped ATTACK: the attack never ends by itself; the shell's stop ends it.
isolation_shell_stopped() {
	case $1 in cli-hlt | sibling-spin-stop | sibling-nmi-loop) return 0 ;; esac
	return 1
}

# isolation_outcome ATTACK: the COM1 line that ends the attack (its stop, or its exit after
# "survived"), or for those the shell stops, the line after which they only wait for it.
isolation_outcome() {
	case $1 in
	cli-hlt) echo '^rt0: hostile: attack cli-hlt$' ;;
	sibling-spin-stop) echo '^rt0: hostile: sibling-spin-stop: cpu 0 halting' ;;
	sibling-nmi-loop) echo '^rt0: hostile: sibling-nmi-loop: cpu 1 took' ;;
	*) echo '^partition rt0: (stopped|exited)' ;;
	esac
}

# isolation_back ATTACK: the line that shows the attacker back after the shell's start: its
# first line, or for a sibling attack the second CPU's first line.
isolation_back() {
	case $1 in
	sibling-init-sipi) echo '^rt0: hostile: sibling-init-sipi: cpu 1 in 64-bit mode, start 1$' ;;
	sibling-*) echo "^rt0: hostile: $1: cpu 1 up, apic id 2, " ;;
	*) echo "^rt0: hostile: attack $1\$" ;;
	esac
}

# isolation_boot ATTACK: make its ISO and boot it in the background; the exit status and
# the seconds it took go to $EMU_DIR/isolation-ATTACK.rc.
isolation_boot() {
	local a=$1 i nb nbs last steps=() bin=$RT_BIN edit=""
	if isolation_sibling "$a"; then
		bin=$BUILD/sibling/bulkhead.bin edit='/module2 \/boot\/testpay.elf rt2$/d; '
	fi
	# shellcheck disable=SC2086
	make_iso "isolation-$a" "${edit}s#testpay.bin rt0\$#hostile.elf rt0 attack=$a#; s#testpay.bin rt1\$#heartbeat.elf rt1 period_ms=$ISOLATION_PERIOD_MS#; s#testpay.elf rt2\$#heartbeat.elf rt2 period_ms=$ISOLATION_PERIOD_MS#" \
		"$bin" "$BUILD/images/hostile.elf" "$BUILD/images/heartbeat.elf" >/dev/null
	read -ra nbs <<<"$(isolation_neighbours "$a")"
	last=${nbs[-1]}
	# Type nothing until the outcome, then wait for 5 beats of each neighbour.
	steps=(--type-on "$(isolation_outcome "$a")" --type '')
	for nb in "${nbs[@]}"; do
		for i in 1 2 3 4 5; do steps+=(--type-on "^$nb: heartbeat [0-9]+ " --type ''); done
	done
	if isolation_shell_stopped "$a"; then # only the shell's stop gets it out
		steps+=(--type-on "^$last: heartbeat [0-9]+ " --type "stop rt0$CR"
			--type-on '^partition rt0: stopped from the shell$' --type '')
	fi
	# Stop (it is stopped already: the shell answers so) and start it again, once the shell
	# is done with what came before: its first line again, 3 beats of each neighbour after
	# it, and the shell's version.
	steps+=(--type-on "^$last: heartbeat [0-9]+ " --type "stop rt0$CR"
		--type-on '^shell: stop rt0: ' --type "start rt0$CR"
		--type-on "$(isolation_back "$a")" --type '')
	for nb in "${nbs[@]}"; do
		for i in 1 2 3; do steps+=(--type-on "^$nb: heartbeat [0-9]+ " --type ''); done
	done
	steps+=(--type-on "^$last: heartbeat [0-9]+ " --type "version$CR")
	(
		t0=$SECONDS
		tests/emu/boot.sh --emu "$VMX_EMU" --iso "$EMU_DIR/isolation-$a.iso" \
			--log "$EMU_DIR/isolation-$a.log" --cpus 4 --timeout 90 \
			"${steps[@]}" --until '^shell: Bulkhead ' >"$EMU_DIR/isolation-$a.out" 2>&1
		echo "$? $((SECONDS - t0))" >"$EMU_DIR/isolation-$a.rc"
	) &
}

# isolation_common ATTACK: what every case checks, on its whole log.
isolation_common() {
	local a=$1 outcome n nb nbs p=$ISOLATION_PERIOD_MS khz after
	read -ra nbs <<<"$(isolation_neighbours "$a")"
	outcome=$(isolation_outcome "$a")
	expect "^rt0: hostile: attack $a\$"
	# The neighbours beat on after the outcome, and none of their beats comes early.
	after=$(tr -d '\r' <"$LOG" | sed -En "/$outcome/,\$p")
	for nb in "${nbs[@]}"; do
		n=$(grep -cE "^$nb: heartbeat [0-9]+ " <<<"$after")
		if [ "$n" -ge 5 ]; then
			echo "  $CASE: $nb beat $n times after the attack"
		else
			echo "  $CASE: $nb beat $n times after the attack, expected at least 5"
			CASE_OK=0
		fi
		khz=$(tr -d '\r' <"$LOG" | sed -n "s/^$nb: heartbeat: start, .*tsc \([0-9]*\) kHz.*/\1/p")
		n=$(tr -d '\r' <"$LOG" | sed -n "/^rt0: hostile: attack/,\$s/^$nb: heartbeat [0-9]* (+\([0-9]*\) ticks)\$/\1/p" |
			awk -v min=$((p * ${khz:-0} / 2)) '$1 < min { n++ } END { print n + 0 }')
		if [ -n "$khz" ] && [ "$n" -eq 0 ]; then
			echo "  $CASE: no $nb beat came early (forged)"
		else
			echo "  $CASE: $n $nb beats shorter than half the period (tsc '$khz' kHz)"
			CASE_OK=0
		fi
	done
	# No line of theirs lost: each neighbour's beats are numbered 1, 2, 3 ... with no gap.
	for nb in "${nbs[@]}"; do
		n=$(com1 | sed -n "s/^$nb: heartbeat \([0-9]*\) (+[0-9]* ticks)\$/\1/p" |
			awk '$1 != NR { bad++ } END { print bad + 0 }')
		if [ "$n" -eq 0 ]; then
			echo "  $CASE: $nb lost no beat line"
		else
			echo "  $CASE: $nb's beat numbers skip $n times (lines lost)"
			CASE_OK=0
		fi
	done
	expect_not '^partition rt[12]: (stopped|exited|restarted|cpu)'
	expect_not '^rt0: .*(4b4c5542|BULK)'         # rt1's info page never shows
	expect_not 'exception [0-9]+ \(|VMRESUME|VMLAUNCH'
	expect_count '^Bulkhead [0-9.]+$' 1          # no reset
	expect '^shell: Bulkhead [0-9]+\.[0-9]+\.[0-9]+$'
	isolation_restart "$a"
}

# isolation_restart ATTACK: the shell's `stop rt0` found the attacker stopped (by its attack,
# or by the shell's own stop before, which went through), `start rt0` reloaded it, and it
# started from scratch: its first line (and a sibling attack's second CPU's) came a second
# time after the start, and each neighbour beat at least 3 times after that.
isolation_restart() {
	local a=$1 re res nb nbs n start=0 back=0 at
	read -ra nbs <<<"$(isolation_neighbours "$a")"
	expect_seq 'bulkhead> ' 'stop rt0' 'start rt0' 'version'
	expect_seq '' 'bulkhead> stop rt0' 'shell: stop rt0: it is not running'
	expect_seq '' 'bulkhead> start rt0' 'partition rt0: started from the shell'
	expect_count '^shell: stop rt0: ' 1
	expect_not '^shell: start rt0: '              # "its CPUs have not all parked"
	expect_not 'did not all stop|have not all parked'
	expect_count "^rt0: hostile: attack $a\$" 2
	expect_not '^rt0: hostile: RAM left by an earlier run' # the start scrubbed and reloaded it
	start=$(com1 | grep -nE -m1 '^partition rt0: started from the shell$' | cut -d: -f1)
	res=("^rt0: hostile: attack $a\$")
	isolation_sibling "$a" && res+=("$(isolation_back "$a")") # and the second CPU's
	for re in "${res[@]}"; do
		at=$(com1 | grep -nE -- "$re" | sed -n '2s/:.*//p')
		if [ -n "$start" ] && [ -n "$at" ] && [ "$at" -gt "$start" ]; then
			echo "  $CASE: /$re/ again after the shell's start (line $start), at line $at"
			[ "$at" -gt "$back" ] && back=$at
		else
			echo "  $CASE: /$re/ not again after the shell's start (line ${start:-none}): ${at:-none}"
			CASE_OK=0
		fi
	done
	[ "$back" -gt 0 ] || return
	for nb in "${nbs[@]}"; do
		n=$(com1 | tail -n +"$back" | grep -cE "^$nb: heartbeat [0-9]+ ")
		if [ "$n" -ge 3 ]; then
			echo "  $CASE: $nb beat $n times after rt0 came back"
		else
			echo "  $CASE: $nb beat $n times after rt0 came back, expected at least 3"
			CASE_OK=0
		fi
	done
}

# The attacker was stopped by an EPT violation at GPA (hex, as Bulkhead prints it) and
# printed nothing after its attack line.
isolation_ept() {
	expect "^partition rt0: stopped: ept violation \\(cpu 1, exit 48, rip 0x[0-9a-f]+, gpa $1, qualification 0x[0-9a-f]+\\)\$"
	expect_not "^rt0: hostile: $a: "
}
# The attacker was stopped by a forbidden IPI whose ICR value was QUALIFICATION.
isolation_ipi() {
	expect "^partition rt0: stopped: forbidden ipi \\(cpu 1, exit 32, rip 0x[0-9a-f]+, gpa 0x0, qualification $1\\)\$"
	expect_not "^rt0: hostile: $a: "
}
# The attacker observed TEXT (a regex), survived and exited.
isolation_says() {
	expect "^rt0: hostile: $a: $1\$"
	expect "^rt0: hostile: $a: survived\$"
	expect '^partition rt0: exited \(code 0\) on cpu 1$'
}
# A denied port, named once: PORT (hex) read|write.
isolation_port() {
	if [ "$2" = read ]; then
		expect_count "^partition rt0: port $1 not granted: read gives all-ones \\(reported once\\)\$" 1
	else
		expect_count "^partition rt0: port $1 not granted: write dropped \\(reported once\\)\$" 1
	fi
}

# The shell's stop parked both CPUs of the attacker, and nothing of it ran on.
isolation_shell_parked() {
	expect_seq '' 'bulkhead> stop rt0' 'partition rt0: stopped from the shell'
	expect_count '^partition rt0: cpu 1 parked$' 1
	expect_count '^partition rt0: cpu 2 parked$' 1
	expect_not "^rt0: hostile: $a: survived"
}

# Bulkhead named the refusal once: WHAT (a regex) not granted, OUTCOME (#GP, #UD, ignored).
isolation_refused() {
	expect_count "^partition rt0: $1 not granted: $2 \\(reported once\\)\$" 1
}

isolation_check() {
	local a=$1
	case $a in
	read-neighbour) isolation_ept 0x4201000 ;;
	write-neighbour) isolation_ept 0x4400000 ;;
	read-past-ram) isolation_ept 0x200000 ;;
	write-hypervisor) isolation_ept 0x300000 ;;
	write-hv-tables) isolation_ept 0xffff000 ;;
	read-own-host) isolation_ept 0x4000000 ;;
	lapic-mmio) isolation_ept 0xfee00020 ;;
	ioapic-mmio) isolation_ept 0xfec00000 ;;
	hpet-mmio) isolation_ept 0xfed00000 ;;
	mmconfig) isolation_ept 0xe0000000 ;;
	port-pit) isolation_port 0x43 write; isolation_port 0x40 write; isolation_says 'read 0xff' ;;
	port-pic) isolation_port 0x21 write; isolation_port 0xa1 read; isolation_says 'read 0xff' ;;
	port-pci) isolation_port 0xcf8 write; isolation_port 0xcfc read; isolation_says 'read 0xffffffff' ;;
	port-reset) isolation_port 0xcf9 write; isolation_says 'read 0xff' ;;
	port-kbc) isolation_port 0x64 write; isolation_says 'read 0xff' ;;
	port-neighbour) isolation_port 0x2f8 write; isolation_port 0x2fd read; isolation_says 'read 0xff' ;;
	port-string) # skipped whole, nothing read
		isolation_refused 'string i/o on port 0x60' ignored
		isolation_says 'buffer 0x5a 0x5a, rcx 16' ;;
	wrmsr-apic-base) isolation_refused 'wrmsr 0x1b' '#GP'; isolation_says 'caught exception 13' ;;
	wrmsr-feature-control) isolation_refused 'wrmsr 0x3a' '#GP'; isolation_says 'caught exception 13' ;;
	wrmsr-efer) isolation_says 'caught exception 13' ;; # EFER passes through: the CPU's #GP
	# The #GP the CPU would give, and the bit really stayed clear.
	cr4-vmxe) isolation_refused 'cr4\.vmxe' '#GP'; isolation_says 'caught exception 13, cr4\.vmxe reads 0' ;;
	wrmsr-mtrr)
		isolation_refused 'wrmsr 0x200' ignored
		isolation_says 'no exception, mtrr (0x[0-9a-f]+) before, \1 after' ;;
	wrmsr-tsc) isolation_refused 'wrmsr 0x10' ignored; isolation_says 'no exception, tsc kept counting' ;;
	icr-init-foreign) isolation_ipi 0x200004500 ;;
	icr-sipi-foreign) isolation_ipi 0x200004608 ;;
	icr-nmi-foreign) isolation_ipi 0x200004400 ;;
	icr-smi-foreign) isolation_ipi 0x200004200 ;;
	icr-fixed-foreign) isolation_ipi 0x200004040 ;;
	icr-dest-all) isolation_ipi 0xffffffff00004040 ;;
	lvt-smi) # reserved bits: #GP in the guest; SMI delivery: written masked, named once
		isolation_refused 'lvt 0x835 value 0x110000 \(reserved bits\)' '#GP'
		isolation_refused 'lvt 0x835 delivery mode smi' masked
		isolation_says 'reserved bit: exception 13; smi: exception -1, lint0 reads 0x10200' ;;
	icr-reserved)
		isolation_refused 'x2apic icr 0x46041 \(reserved bits\)' '#GP'
		isolation_says 'caught exception 13' ;;
	icr-broadcast-fixed) isolation_says '1000 ipis sent, no exception' ;;
	icr-broadcast-init) isolation_ipi 0xc4500 ;;
	icr-broadcast-logical) isolation_ipi 0x84812 ;;
	vmxon | vmread) isolation_refused "$a" '#UD'; isolation_says 'caught exception 6' ;;
	vmcall-bad) isolation_says 'returned 0xffffffffffffffff' ;;
	vmcall-print-huge)
		expect '^rt0: x{200}$' # cut to 200 characters
		isolation_says 'returned 0x0' ;;
	vmcall-print-forge) # a line end, CR and escapes inside one print: one line of rt0's
		expect '^rt0: x partition rt1: stopped: forged\[2K2Kbulkhead: halted: forged$'
		expect_not '^bulkhead: halted: forged'
		if com1 | sed -n '/^rt0: hostile: attack/,$p' | LC_ALL=C grep -q $'[\x1b\x9b]'; then
			echo "  $CASE: an escape byte reached COM1"
			CASE_OK=0
		fi
		isolation_says 'returned 0x0' ;;
	doorbell-sweep) # no channel of its own: every doorbell refused; 32 named, then one line
		expect_count '^partition rt0: doorbell on channel [0-9]+ \(not one of its channels\) not granted: refused \(reported once\)$' 32
		expect_count '^partition rt0: further refusals are not named$' 1
		isolation_says '65537 of 65537 doorbells refused' ;;
	port-sweep) # 65,528 ports trapped; 32 named, then one line: the console stays the neighbours'
		expect_count '^partition rt0: port 0x[0-9a-f]+ not granted: read gives all-ones \(reported once\)$' 32
		expect_count '^partition rt0: further port refusals are not named$' 1
		isolation_says '65528 of 65528 ports read 0xff' ;;
	vmcall-print-foreign | vmcall-print-edge)
		isolation_says 'returned 0xffffffffffffffff' ;;
	cr0-paging-off)
		isolation_refused 'cr0 0x[0-9a-f]+ \(paging off in 64-bit mode\)' '#GP'
		isolation_says 'caught exception 13' ;;
	cr0-reserved)
		isolation_refused 'cr0 0x[0-9a-f]+ \(reserved or conflicting bits\)' '#GP'
		isolation_says 'caught exception 13' ;;
	xsetbv) # named once for 5 bad values; a good one works, and AVX with it
		isolation_refused 'xsetbv xcr0 0xffffffffffffffff at cpl 0' '#GP'
		expect_count '^partition rt0: xsetbv ' 1
		isolation_says 'xcr0 0x1 at start, cpuid osxsave 1, pku agrees with xsave, 5 of 5 bad values refused with #GP, xcr0 0x7 after setting 0x7, avx ok' ;;
	invd | wbinvd) isolation_refused "$a" ignored; isolation_says 'no exception' ;;
	cli-hlt) # only Bulkhead's NMI reaches its CPU: the shell's stop parks it
		expect_seq '' 'bulkhead> stop rt0' 'partition rt0: stopped from the shell' 'partition rt0: cpu 1 parked'
		expect_not '^rt0: hostile: cli-hlt: ' ;;
	sibling-spin-stop) # neither CPU leaves the guest by itself: the shell's stop parks both
		expect "^rt0: hostile: $a: cpu 1 up, apic id 2, spinning with interrupts off\$"
		expect "^rt0: hostile: $a: cpu 0 halting with interrupts off\$"
		isolation_shell_parked ;;
	# The sibling's NMI handler never returns, and Bulkhead's stop must still reach it: the
	# NMI exit that delivered the sibling's NMI left the physical CPU blocking NMIs until an
	# IRET in root mode, which Bulkhead did not do before resuming the guest (docs/isolation.md,
	# "found and fixed").
	sibling-nmi-loop)
		expect "^rt0: hostile: $a: cpu 1 up, apic id 2, waiting for nmis\$"
		expect "^rt0: hostile: $a: cpu 1 took an nmi and stays in its handler; more nmis follow\$"
		isolation_shell_parked ;;
	sibling-init-sipi) # each INIT-SIPI restarts the sibling in real mode at the SIPI's page
		expect_seq "rt0: hostile: $a: " 'cpu 1 in 64-bit mode, start 1' \
			'cpu 1 in real mode after SIPI 1' 'cpu 1 in 64-bit mode, start 2' \
			'cpu 1 in real mode after SIPI 2' 'cpu 1 in 64-bit mode, start 3' \
			'cpu 1 in real mode after SIPI 3' 'cpu 1 in 64-bit mode, start 4' \
			'cpu 1 in real mode after SIPI 4' 'cpu 1 in 64-bit mode, start 5' \
			'4 of 4 rounds of INIT and SIPI: 4 starts in real mode, 5 in 64-bit mode, no exception' \
			'survived'
		isolation_says '4 of 4 rounds .*' ;;
	triple-fault)
		expect '^partition rt0: stopped: triple fault \(cpu 1, exit 2, rip 0x[0-9a-f]+'
		expect_not "^rt0: hostile: $a: " ;;
	exception-storm) isolation_says 'caught 100000 exceptions, last 6' ;;
	interrupt-storm) isolation_says '102000 self-ipis taken, no exception' ;;
	cr3-outside) isolation_ept 0x4000000 ;;
	*) echo "  $CASE: no checks for attack $a"; CASE_OK=0 ;;
	esac
}

# Every attack the payload knows has a test here and a row in docs/isolation.md, and no more.
if want isolation-coverage; then
	isolation_sorted() { tr ' ' '\n' | grep . | sort; }
	in_payload=$(sed -n 's/^ *{"\([a-z0-9-]*\)", [a-z0-9_]*},$/\1/p' images/demos/hostile.c | isolation_sorted)
	in_tests=$(echo "${ISOLATION_ATTACKS[@]}" "${ISOLATION_SIBLING_ATTACKS[@]}" | isolation_sorted)
	in_docs=$(sed -n 's/^| `\([a-z0-9-]*\)` |.*| `isolation-\1` |$/\1/p' docs/isolation.md | isolation_sorted)
	echo "  isolation-coverage: $(wc -l <<<"$in_payload") attacks in hostile.c," \
		"$(wc -l <<<"$in_tests") tests, $(wc -l <<<"$in_docs") rows in docs/isolation.md"
	if [ "$(wc -l <<<"$in_payload")" -ge 20 ] && [ "$in_payload" = "$in_tests" ] && [ "$in_payload" = "$in_docs" ]; then
		pass isolation-coverage
	else
		diff <(echo "$in_payload") <(echo "$in_tests") | sed 's/^/  payload vs tests: /'
		diff <(echo "$in_payload") <(echo "$in_docs") | sed 's/^/  payload vs docs: /'
		fail isolation-coverage
	fi
fi

isolation_wanted=()
for a in "${ISOLATION_ATTACKS[@]}" "${ISOLATION_SIBLING_ATTACKS[@]}"; do
	want "isolation-$a" && isolation_wanted+=("$a")
done
if [ ${#isolation_wanted[@]} -gt 0 ]; then
	CR=$'\r'
	kbuild "$BUILD/images/hostile.elf" BUILD="$BUILD"
	kbuild "$BUILD/images/heartbeat.elf" BUILD="$BUILD"
	for a in "${isolation_wanted[@]}"; do
		if isolation_sibling "$a"; then
			kbuild "$BUILD/sibling/bulkhead.bin" BUILD="$BUILD/sibling" LAYOUT=tests/layouts/sibling.c
			break
		fi
	done
	isolation_jobs=${ISOLATION_JOBS:-$(nproc 2>/dev/null || echo 2)}
	isolation_t0=$SECONDS
	for a in "${isolation_wanted[@]}"; do
		while [ "$(jobs -rp | wc -l)" -ge "$isolation_jobs" ]; do
			wait -n
		done
		rm -f "$EMU_DIR/isolation-$a.rc"
		isolation_boot "$a"
	done
	wait
	echo "  isolation: ${#isolation_wanted[@]} boots, $isolation_jobs at a time, in $((SECONDS - isolation_t0)) s"
	for a in "${isolation_wanted[@]}"; do
		case_begin "isolation-$a"
		read -r rc secs <"$EMU_DIR/isolation-$a.rc" 2>/dev/null || rc=1 secs='?'
		if [ "$rc" != 0 ]; then
			echo "  $CASE: no final line on COM1"
			sed 's/^/  | /' "$EMU_DIR/isolation-$a.out"
			CASE_OK=0
		fi
		echo "  $CASE: booted $EMU_DIR/isolation-$a.iso on $VMX_EMU with 4 cpus in $secs s"
		isolation_common "$a"
		# The attack's own checks read COM1 up to the shell's start: the first run only.
		sed '/^bulkhead> start rt0\r*$/,$d' "$LOG" >"$EMU_DIR/isolation-$a.first.log"
		LOG=$EMU_DIR/isolation-$a.first.log
		expect_count "^rt0: hostile: attack $a\$" 1 # nothing but the shell started it again
		isolation_check "$a"
		LOG=$EMU_DIR/isolation-$a.log
		done_case
	done
fi
