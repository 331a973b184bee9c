# Sourced by tests/bench/check_*.sh: the verdict lines tests/run.sh counts and a scratch
# directory. pass NAME / fail NAME print "PASS|FAIL bench:NAME" (fail sets rc=1, the
# script's exit status); $tmp is removed on exit.
rc=0
pass() { echo "PASS bench:$1"; }
fail() {
	echo "FAIL bench:$1"
	rc=1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
