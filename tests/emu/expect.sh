# Assertions on a case's COM1 log, sourced by tests/emu/cases.sh (and by
# tests/emu/selftest.sh, which proves each one fails when it should). A case sets CASE, LOG
# and CASE_OK=1 (boot does), calls these, then done_case. They need pass/fail from the runner.
#
# Every regex is an extended regex matched against one COM1 line with its CR removed.

EXPECTED_RES=() # the regexes a case expected: the fatal lines it may show (done_case)

# com1: the case's log, one line per line, CRs removed.
com1() { tr -d '\r' <"$LOG"; }

# expect REGEX: some COM1 line matches.
expect() {
	EXPECTED_RES+=("$1")
	if com1 | grep -qE -- "$1"; then
		echo "  $CASE: saw /$1/"
	else
		echo "  $CASE: MISSING /$1/"
		CASE_OK=0
	fi
}
# expect_not REGEX: no COM1 line matches.
expect_not() {
	if com1 | grep -qE -- "$1"; then
		echo "  $CASE: UNEXPECTED /$1/: $(com1 | grep -E -- "$1" | head -1)"
		CASE_OK=0
	fi
}
# expect_count REGEX N: exactly N COM1 lines match.
expect_count() {
	local n
	[ "$2" -gt 0 ] && EXPECTED_RES+=("$1")
	n=$(com1 | grep -cE -- "$1")
	if [ "$n" -eq "$2" ]; then
		echo "  $CASE: saw /$1/ $n times"
	else
		echo "  $CASE: /$1/ seen $n times, expected $2"
		CASE_OK=0
	fi
}

# seq_match MODE PREFIX WANT...: of the COM1 lines that start with the string PREFIX, some
# run of consecutive lines equals WANT... in order, each compared whole after the prefix:
# MODE "=" compares strings, MODE "~" matches each WANT as an extended regex anchored at both
# ends (bash's =~, which has intervals; Debian's mawk has none). Status 0 when found.
seq_match() {
	local mode=$1 prefix=$2 s i n have=()
	shift 2
	n=$#
	mapfile -t have < <(com1 | awk -v p="$prefix" 'index($0, p) == 1 { print substr($0, length(p) + 1) }')
	for ((s = 0; s + n <= ${#have[@]}; s++)); do
		for ((i = 0; i < n; i++)); do
			local line=${have[s + i]} w=${*:i+1:1}
			if [ "$mode" = "=" ]; then
				[ "$line" == "$w" ] || break
			else
				[[ $line =~ ^($w)$ ]] || break
			fi
		done
		[ $i -eq $n ] && return 0
	done
	return 1
}
# expect_seq PREFIX LINE...: the COM1 lines starting with PREFIX contain these lines
# consecutively, in this order, each compared whole after the prefix.
expect_seq() {
	local prefix=$1
	shift
	if seq_match = "$prefix" "$@"; then
		echo "  $CASE: saw in order: $prefix$1 ... $prefix${*: -1}"
	else
		echo "  $CASE: MISSING in order under '$prefix': $*"
		CASE_OK=0
	fi
}
# expect_seq_re PREFIX REGEX...: as expect_seq, each line matching its whole regex.
expect_seq_re() {
	local prefix=$1
	shift
	if seq_match '~' "$prefix" "$@"; then
		echo "  $CASE: saw in order: $prefix/$1/ ... $prefix/${*: -1}/"
	else
		echo "  $CASE: MISSING in order under '$prefix': $*"
		CASE_OK=0
	fi
}

# Lines that end a good run for every case: a hypervisor exception report, a failed VM
# entry, a halted CPU or hypervisor, or a second boot banner (the machine reset). A case may
# show one only where it expected that very line (expect or expect_count with a regex that
# matches it): the exception self-test, a machine without VMX.
FATAL_RE='^cpu [0-9]+: (exception [0-9]+ \(|halted$)|^vmx: cpu [0-9]+: VM(LAUNCH|RESUME) failed|^bulkhead: halted'
check_fatal() {
	local line re ok bad=0 banners
	while IFS= read -r line; do
		ok=0
		for re in "${EXPECTED_RES[@]}"; do
			grep -qE -- "$re" <<<"$line" && { ok=1; break; }
		done
		if [ $ok = 0 ]; then
			echo "  $CASE: FATAL line on COM1: $line"
			bad=1
		fi
	done < <(com1 | grep -E -- "$FATAL_RE")
	banners=$(com1 | grep -cE '^Bulkhead [0-9]+\.[0-9]+\.[0-9]+$')
	if [ "$banners" -gt 1 ]; then
		echo "  $CASE: Bulkhead started $banners times (the machine reset)"
		bad=1
	fi
	[ $bad = 0 ] || CASE_OK=0
}

done_case() {
	check_fatal
	if [ $CASE_OK = 1 ]; then
		pass "emu:$CASE"
	else
		fail "emu:$CASE"
		echo "  ---- COM1 of $CASE ----"
		com1 | sed 's/^/  | /'
		echo "  ----"
	fi
	EXPECTED_RES=()
}
