#!/bin/bash
# Tests for the partition-table validator (tools/ptcheck.sh): bash tests/ptcheck/run.sh
#
# Each tests/ptcheck/*.c is a small table whose first line says what ptcheck must say:
#   /* expect: ok */           the table is good: exit 0 and the "ok" line;
#   /* expect: <substring> */  the table is bad: exit 1, a problem line containing <substring>,
#                              every line in the documented format, "<n> problem(s)" last.
# Every layout in partitions/ and tests/layouts/ must pass as well. Prints PASS/FAIL
# ptcheck:<file> (a FAIL with the output), then "N passed, N failed"; exits 1 if anything failed.
set -u
cd "$(dirname "$0")/../.." || exit 2
out_dir=$(mktemp -d)
trap 'rm -rf "$out_dir"' EXIT
passed=0
failed=0

pass() {
	echo "PASS ptcheck:$1"
	passed=$((passed + 1))
}

fail() {
	echo "FAIL ptcheck:$1: $2"
	if [ -n "${3:-}" ]; then
		while IFS= read -r l; do echo "    $l"; done <<<"$3"
	fi
	failed=$((failed + 1))
}

# check FILE EXPECT: runs ptcheck on FILE ("ok" for a good table) and judges the result.
check() {
	local file=$1 expect=$2 out rc line found=0 bad_line=
	local prefix="ptcheck: $file: "
	local sub
	sub=$out_dir/$(dirname "$file")
	mkdir -p "$sub"
	out=$(tools/ptcheck.sh "$file" "$sub" 2>&1)
	rc=$?
	if [ "$expect" = ok ]; then
		if [ $rc -ne 0 ]; then
			fail "$file" "good table rejected (exit $rc)" "$out"
		elif [ "$(wc -l <<<"$out")" -ne 1 ] ||
			! grep -qx "${prefix}ok: layout \".*\", [1-9][0-9]* partitions\?" <<<"$out"; then
			fail "$file" "want exactly one line: ${prefix}ok: layout \"<name>\", <n> partition(s)" "$out"
		else
			pass "$file"
		fi
		return
	fi
	if [ $rc -ne 1 ]; then
		fail "$file" "bad table: exit $rc, want 1" "$out"
		return
	fi
	# Every line but the last is a problem line of the documented form; the last one counts.
	local n=0 total
	total=$(wc -l <<<"$out")
	while IFS= read -r line; do
		n=$((n + 1))
		if [ $n -eq "$total" ]; then
			# "<n> problems", n being the number of problem lines ("1 problem").
			[ "${line#"$prefix"}" = "$((total - 1)) problem$([ "$total" -ne 2 ] && echo s)" ] ||
				bad_line=$line
			continue
		fi
		if ! [[ $line =~ ^"${prefix}"(partition\ \"[^\"]+\"|partition\ \#[0-9]+|table):\ [^\ :]+:\ . ]]; then
			bad_line=$line
			continue
		fi
		[[ $line == *"$expect"* ]] && found=1
	done <<<"$out"
	if [ -n "$bad_line" ]; then
		fail "$file" "line not in the documented form: $bad_line" "$out"
	elif [ $found -eq 0 ]; then
		fail "$file" "no problem line contains: $expect" "$out"
	else
		pass "$file"
	fi
}

for f in tests/ptcheck/*.c; do
	first=$(head -n 1 "$f")
	if ! [[ $first == "/* expect: "?*" */" ]]; then
		fail "$f" "first line is not /* expect: ... */"
		continue
	fi
	expect=${first#"/* expect: "}
	expect=${expect%" */"}
	check "$f" "$expect"
done
for f in partitions/*.c tests/layouts/*.c; do
	[ -e "$f" ] && check "$f" ok
done

echo "ptcheck: $passed passed, $failed failed"
[ $failed -eq 0 ]
