#!/bin/bash
# make install, make uninstall and the GRUB script they install (make test's "install"
# section; docs/install.md), on the host: nothing is booted.
#
#   tests/install/run.sh
#
# Each case installs into a DESTDIR of its own under a temporary directory, and runs the
# installed /etc/grub.d/25_bulkhead there by its test hook (BULKHEAD_GRUBD_ROOT=<DESTDIR>):
#   default-*  the default layout as BUILD has it (make test built it), with the repo's grub.cfg,
#              into a DESTDIR holding files of others (/boot/bulkhead/NOTES among them):
#              the files, the manifest, the script's output (grub-script-check, then the
#              menuentry, multiboot2 and one module2 line per module of BUILD/modules.txt, in
#              its order, each with grub.cfg's file and words), an ISO of that entry
#              (tests/install/iso.sh, not booted), then make uninstall leaves the DESTDIR as
#              it was, byte for byte, and the script prints nothing there
#   rt-*       the "rt" layout, built in a build directory of its own, with
#              tests/emu/grub-rt.cfg, MODULE_rt0= and ARGS_rt2=, into an empty DESTDIR: the
#              module2 lines follow that layout; then /etc/default/bulkhead edited (the entry
#              follows), make install again with another file for rt2 (the edited file is
#              kept, the file no longer installed removed), make uninstall (only the edited
#              file and its directories stay)
#   nofile-*   a GRUB_CFG with no line for rt1 and rt2: install names both, and the entry
#              has a comment instead of their module2 lines
#   unknown-tag  MODULE_rt9= for the rt layout: install refuses it, installs nothing
# Prints PASS/FAIL install:<name> (a FAIL with what was wrong), exits 1 if any failed. About
# 10 s (the rt build and grub-mkrescue).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
BUILD=${BUILD:-build}
# The makes below are independent: nothing of a calling make (make test) leaks in.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bulkhead-install.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
failed=0

pass() { echo "PASS install:$1"; }
# fail NAME WHY [FILE]: a FAIL line, and FILE's lines indented.
fail() {
	echo "FAIL install:$1: $2"
	failed=1
	if [ -n "${3:-}" ] && [ -f "$3" ]; then
		sed 's/^/    /' "$3" | tail -n 40
	fi
}

# snapshot DIR: every path under DIR, its type and mode, and a file's SHA-256.
snapshot() {
	(cd "$1" && find . -mindepth 1 -printf '%y %m %p\n' | sort -k3 &&
		find . -type f -exec sha256sum {} + | sort -k2)
}

# mk NAME LOG ARGS...: make ARGS with the output in LOG; a FAIL NAME if it fails.
mk() {
	local name=$1 log=$2
	shift 2
	if make --no-print-directory "$@" >"$log" 2>&1; then
		return 0
	fi
	fail "$name" "make $* failed" "$log"
	return 1
}

# grubd DESTDIR OUT [NAME=VALUE...]: run DESTDIR's GRUB script by its test hook, its output
# in OUT, its stderr in OUT.err.
grubd() {
	local dest=$1 out=$2
	shift 2
	env "$@" BULKHEAD_GRUBD_ROOT="$dest" "$dest/etc/grub.d/25_bulkhead" >"$out" 2>"$out.err"
}

# entry CFG: the entry's lines that matter, blanks squeezed, one each: the menuentry line,
# multiboot2, module2 and comment lines.
entry() {
	sed -n 's/^[[:space:]]*\(menuentry\|multiboot2\|module2\|#\)/\1/p' "$1" | tr -s ' \t' '  '
}

# check_grubd NAME DESTDIR BUILDDIR EXPECTED [NAME=VALUE...]: run the script; its output
# must pass grub-script-check (NAME-grubd-syntax), be EXPECTED's lines (NAME-grubd-entry),
# and its module2 tags be BUILDDIR/modules.txt's, in order, those of modules without a file
# left out (NAME-grubd-order).
check_grubd() {
	local name=$1 dest=$2 build=$3 expected=$4 out
	shift 4
	out=$TMP/$name.cfg
	if ! grubd "$dest" "$out" "$@"; then
		fail "$name-grubd-syntax" "the GRUB script failed" "$out.err"
	elif ! grub-script-check "$out" >"$out.check" 2>&1; then
		cat "$out" >>"$out.check"
		fail "$name-grubd-syntax" "grub-script-check refuses the output" "$out.check"
	else
		pass "$name-grubd-syntax"
	fi
	entry "$out" >"$out.entry"
	if diff -u "$expected" "$out.entry" >"$out.diff"; then
		pass "$name-grubd-entry"
	else
		fail "$name-grubd-entry" "the entry is not as expected (diff expected actual)" "$out.diff"
	fi
	# The installed list has the layout's tags in its order; the module2 lines those of them
	# with a file.
	local list=$dest/boot/bulkhead/modules
	sed -n 's/^module2 [^ ]* \([^ ]*\).*/\1/p' "$out.entry" >"$out.tags"
	awk '$1 == "module" && $5 != "-" { print $2 }' "$list" >"$out.want"
	if ! diff <(sed -n 's/^module \([^ ]*\) .*/\1/p' "$build/modules.txt") \
		<(awk '$1 == "module" { print $2 }' "$list") >"$out.tagdiff"; then
		fail "$name-grubd-order" "the installed list's tags are not $build/modules.txt's" "$out.tagdiff"
	elif ! diff -u "$out.want" "$out.tags" >"$out.tagdiff"; then
		fail "$name-grubd-order" "the module2 tags are not the layout's, in order" "$out.tagdiff"
	else
		pass "$name-grubd-order"
	fi
}

# check_manifest NAME DESTDIR BEFORE: the manifest lists each file and directory that is in
# DESTDIR now and was not in the snapshot BEFORE, with each file's SHA-256, and nothing else.
check_manifest() {
	local name=$1 dest=$2 before=$3 m=$2/usr/local/share/bulkhead/manifest
	if [ ! -f "$m" ]; then
		fail "$name-manifest" "no /usr/local/share/bulkhead/manifest"
		return
	fi
	# What is new, as "<type> <path>" (d or f), paths as on the target.
	snapshot "$dest" | awk '$1 == "d" || $1 == "f" { print $1, substr($3, 2) }' | sort >"$TMP/$name.now"
	awk '$1 == "d" || $1 == "f" { print $1, substr($3, 2) }' "$before" | sort >"$TMP/$name.was"
	comm -13 "$TMP/$name.was" "$TMP/$name.now" >"$TMP/$name.new"
	awk '$1 == "dir" { print "d", $2 } $1 == "file" || $1 == "conf" { print "f", $3 }
		$1 == "manifest" { print "f", $2 }' "$m" | sort >"$TMP/$name.listed"
	if ! diff -u "$TMP/$name.new" "$TMP/$name.listed" >"$TMP/$name.mdiff"; then
		fail "$name-manifest" "the manifest is not what install added (diff added listed)" "$TMP/$name.mdiff"
		return
	fi
	local kind sum path bad=""
	while read -r kind sum path; do
		case $kind in file | conf) ;; *) continue ;; esac
		[ "$(sha256sum <"$dest$path" | cut -d' ' -f1)" = "$sum" ] || bad="$bad $path"
	done <"$m"
	if [ -n "$bad" ]; then
		fail "$name-manifest" "SHA-256 not as listed:$bad" "$m"
	else
		pass "$name-manifest"
	fi
}

# same_files NAME DESTDIR PATH=SOURCE...: each installed PATH is SOURCE, byte for byte.
same_files() {
	local name=$1 dest=$2 pair bad=""
	shift 2
	for pair in "$@"; do
		cmp -s "$dest${pair%%=*}" "${pair#*=}" || bad="$bad ${pair%%=*}"
	done
	if [ -n "$bad" ]; then
		fail "$name" "not installed, or not the build's:$bad"
		return 1
	fi
	return 0
}

# ---------------------------------------------------------------------------------------
# The default layout, from BUILD, into a DESTDIR with others' files.
dest=$TMP/default
mkdir -p "$dest/boot/bulkhead" "$dest/boot/grub" "$dest/etc/grub.d" "$dest/etc/default"
echo "someone else's notes" >"$dest/boot/bulkhead/NOTES"
echo "a kernel" >"$dest/boot/vmlinuz-6.1.0-0-amd64"
echo "set timeout=5" >"$dest/boot/grub/grub.cfg"
cat >"$dest/etc/grub.d/40_custom" <<'EOF'
#!/bin/sh
exec tail -n +3 $0
EOF
chmod 0755 "$dest/etc/grub.d/40_custom"
echo 'GRUB_DEFAULT=0' >"$dest/etc/default/grub"
snapshot "$dest" >"$TMP/default.before"

if mk default-install "$TMP/default-install.log" BUILD="$BUILD" PARTITIONS=default GRUB_CFG=grub.cfg \
	install DESTDIR="$dest"; then
	pass default-install
fi
grubd_src=$dest/etc/grub.d/25_bulkhead
if same_files default-files "$dest" /boot/bulkhead/bulkhead.bin="$BUILD/bulkhead.bin" \
	/boot/bulkhead/vmlinuz="$BUILD/linux/vmlinuz" /boot/bulkhead/initrd.img="$BUILD/linux/initrd.img" \
	/boot/bulkhead/heartbeat.elf="$BUILD/images/heartbeat.elf"; then
	if [ ! -x "$grubd_src" ] || grep -q '@[A-Z]*@' "$grubd_src"; then
		fail default-files "/etc/grub.d/25_bulkhead missing, not executable, or with @...@ left in"
	elif [ ! -f "$dest/etc/default/bulkhead" ] || [ ! -f "$dest/boot/bulkhead/modules" ]; then
		fail default-files "no /etc/default/bulkhead or /boot/bulkhead/modules"
	else
		pass default-files
	fi
fi
check_manifest default "$dest" "$TMP/default.before"
cat >"$TMP/default.expected" <<'EOF'
menuentry 'Bulkhead' --class bulkhead --class os --id bulkhead {
multiboot2 /boot/bulkhead/bulkhead.bin loglevel=info
module2 /boot/bulkhead/vmlinuz linux
module2 /boot/bulkhead/initrd.img linux-initrd
module2 /boot/bulkhead/heartbeat.elf rt0 period_ms=1000
EOF
check_grubd default "$dest" "$BUILD" "$TMP/default.expected"

# The ISO of that entry, as a boot test would make it (not booted here).
iso=$TMP/default.iso
if ! tests/install/iso.sh "$dest" "$iso" >"$TMP/iso.log" 2>&1; then
	fail default-iso "tests/install/iso.sh failed" "$TMP/iso.log"
elif ! xorriso -osirrox on -indev "$iso" -extract /boot/grub/grub.cfg "$TMP/iso.cfg" \
	-extract /boot/heartbeat.elf "$TMP/iso.heartbeat.elf" >>"$TMP/iso.log" 2>&1; then
	fail default-iso "the ISO has no /boot/grub/grub.cfg or /boot/heartbeat.elf" "$TMP/iso.log"
elif ! cmp -s "$TMP/iso.heartbeat.elf" "$BUILD/images/heartbeat.elf" ||
	! entry "$TMP/iso.cfg" | grep -v '^#' | diff - <(sed 's,/boot/bulkhead/,/boot/,' "$TMP/default.expected") \
		>"$TMP/iso.diff"; then
	fail default-iso "the ISO's grub.cfg or files are not the installed entry's" "$TMP/iso.diff"
else
	pass default-iso
fi

cp "$grubd_src" "$TMP/25_bulkhead"
if mk default-uninstall "$TMP/default-uninstall.log" uninstall DESTDIR="$dest"; then
	snapshot "$dest" >"$TMP/default.after"
	if diff -u "$TMP/default.before" "$TMP/default.after" >"$TMP/default.udiff"; then
		pass default-uninstall
	else
		fail default-uninstall "the DESTDIR is not as before make install (diff before after)" \
			"$TMP/default.udiff"
	fi
fi
# The script, left behind (as by an uninstall that forgot it): no hypervisor, no entry.
mkdir -p "$TMP/absent/etc/grub.d"
cp "$TMP/25_bulkhead" "$TMP/absent/etc/grub.d/"
cp -r "$dest/." "$TMP/absent/"
if ! grubd "$TMP/absent" "$TMP/absent.out"; then
	fail default-grubd-absent "the script fails without the hypervisor" "$TMP/absent.out.err"
elif [ -s "$TMP/absent.out" ]; then
	fail default-grubd-absent "the script prints something without the hypervisor" "$TMP/absent.out"
else
	pass default-grubd-absent
fi

# ---------------------------------------------------------------------------------------
# As grub-mkconfig runs it, without the test hook: installed without DESTDIR, in paths under
# TMP, on a machine whose /boot (TMP/sys/boot here) is a GPT partition of its own, as a
# stand-in grub-probe and grub-mkrelpath say (grub-mkconfig_lib takes them from grub_probe
# and grub_mkrelpath): the entry loads what GRUB needs to reach that partition, and names the
# files from its root.
sys=$TMP/sys
mkdir -p "$TMP/fake"
cat >"$TMP/fake/grub-probe" <<'EOF'
#!/bin/sh
for a; do
	case $a in
	--target=device) echo /dev/sda2 ;;
	--target=partmap) echo gpt ;;
	--target=abstraction) ;;
	--target=fs) echo ext2 ;;
	--target=compatibility_hint) echo hd0,gpt2 ;;
	--target=fs_uuid) echo 0b5e-b007 ;;
	--target=hints_string) echo --hint-bios=hd0,gpt2 ;;
	esac
done
EOF
cat >"$TMP/fake/grub-mkrelpath" <<EOF
#!/bin/sh
echo "\${1#$sys/boot}"
EOF
chmod 0755 "$TMP/fake/grub-probe" "$TMP/fake/grub-mkrelpath"
if mk mkconfig-install "$TMP/mkconfig-install.log" BUILD="$BUILD" PARTITIONS=default GRUB_CFG=grub.cfg \
	install BOOTDIR="$sys/boot/bulkhead" GRUBDDIR="$sys/etc/grub.d" SYSCONFDIR="$sys/etc" \
	DATADIR="$sys/usr/share"; then
	out=$TMP/mkconfig.cfg
	if ! grub_probe=$TMP/fake/grub-probe grub_mkrelpath=$TMP/fake/grub-mkrelpath \
		pkgdatadir=/usr/share/grub "$sys/etc/grub.d/25_bulkhead" >"$out" 2>"$out.err"; then
		fail mkconfig-entry "the GRUB script failed" "$out.err"
	elif ! grub-script-check "$out" >"$out.check" 2>&1; then
		cat "$out" >>"$out.check"
		fail mkconfig-entry "grub-script-check refuses the output" "$out.check"
	else
		tr -s ' \t' '  ' <"$out" | sed 's/^ //' >"$out.lines"
		cat >"$TMP/mkconfig.expected" <<'EOF'
menuentry 'Bulkhead' --class bulkhead --class os --id bulkhead {
insmod part_gpt
insmod ext2
set root='hd0,gpt2'
if [ x$feature_platform_search_hint = xy ]; then
search --no-floppy --fs-uuid --set=root --hint-bios=hd0,gpt2 0b5e-b007
else
search --no-floppy --fs-uuid --set=root 0b5e-b007
fi
echo 'Loading Bulkhead, layout default ...'
multiboot2 /bulkhead/bulkhead.bin loglevel=info
module2 /bulkhead/vmlinuz linux
module2 /bulkhead/initrd.img linux-initrd
module2 /bulkhead/heartbeat.elf rt0 period_ms=1000
}
EOF
		if diff -u "$TMP/mkconfig.expected" "$out.lines" >"$out.diff"; then
			pass mkconfig-entry
		else
			fail mkconfig-entry "the entry is not as expected (diff expected actual)" "$out.diff"
		fi
	fi
	make --no-print-directory uninstall BOOTDIR="$sys/boot/bulkhead" GRUBDDIR="$sys/etc/grub.d" \
		SYSCONFDIR="$sys/etc" DATADIR="$sys/usr/share" >/dev/null 2>&1
fi

# ---------------------------------------------------------------------------------------
# The rt layout, built on its own, into an empty DESTDIR.
rtb=$TMP/build-rt
dest=$TMP/rt
mkdir -p "$dest"
snapshot "$dest" >"$TMP/rt.before"
if mk rt-install "$TMP/rt-install.log" BUILD="$rtb" PARTITIONS=rt GRUB_CFG=tests/emu/grub-rt.cfg \
	MODULE_rt0="$rtb/images/testpay.elf" ARGS_rt2=probe install DESTDIR="$dest"; then
	pass rt-install
fi
if same_files rt-files "$dest" /boot/bulkhead/bulkhead.bin="$rtb/bulkhead.bin" \
	/boot/bulkhead/testpay.bin="$rtb/images/testpay.bin" \
	/boot/bulkhead/testpay.elf="$rtb/images/testpay.elf"; then
	if cmp -s "$rtb/bulkhead.bin" "$BUILD/bulkhead.bin"; then
		fail rt-files "the rt build's bulkhead.bin is the default one"
	else
		pass rt-files
	fi
fi
check_manifest rt "$dest" "$TMP/rt.before"
cat >"$TMP/rt.expected" <<'EOF'
menuentry 'Bulkhead' --class bulkhead --class os --id bulkhead {
multiboot2 /boot/bulkhead/bulkhead.bin loglevel=info
module2 /boot/bulkhead/testpay.elf rt0
module2 /boot/bulkhead/testpay.bin rt1
module2 /boot/bulkhead/testpay.elf rt2 probe
EOF
check_grubd rt "$dest" "$rtb" "$TMP/rt.expected"

# /etc/default/bulkhead edited: the entry follows it (a setting of "" is words of none).
conf=$dest/etc/default/bulkhead
sed -i -e 's/^BULKHEAD_TITLE=.*/BULKHEAD_TITLE="Bulkhead (rt trial)"/' \
	-e 's/^BULKHEAD_CMDLINE=.*/BULKHEAD_CMDLINE="loglevel=debug"/' \
	-e 's/^BULKHEAD_ARGS_rt1=.*/BULKHEAD_ARGS_rt1="escape  probe"/' \
	-e 's/^BULKHEAD_ARGS_rt2=.*/BULKHEAD_ARGS_rt2=""/' "$conf"
cat >"$TMP/rt-edited.expected" <<'EOF'
menuentry 'Bulkhead (rt trial)' --class bulkhead --class os --id bulkhead {
multiboot2 /boot/bulkhead/bulkhead.bin loglevel=debug
module2 /boot/bulkhead/testpay.elf rt0
module2 /boot/bulkhead/testpay.bin rt1 escape probe
module2 /boot/bulkhead/testpay.elf rt2
EOF
check_grubd rt-edited "$dest" "$rtb" "$TMP/rt-edited.expected"
cp "$conf" "$TMP/rt.conf"

# Installed again with testpay.bin for rt0 and rt2: testpay.elf, no longer installed, goes;
# the edited /etc/default/bulkhead is kept, and the entry still follows it.
if mk rt-reinstall "$TMP/rt-reinstall.log" BUILD="$rtb" PARTITIONS=rt GRUB_CFG=tests/emu/grub-rt.cfg \
	MODULE_rt2="$rtb/images/testpay.bin" MODULE_rt0="$rtb/images/testpay.bin" install DESTDIR="$dest"; then
	if [ -e "$dest/boot/bulkhead/testpay.elf" ]; then
		fail rt-reinstall "testpay.elf, no longer installed, is still there" "$TMP/rt-reinstall.log"
	elif ! grep -q 'removed /boot/bulkhead/testpay.elf' "$TMP/rt-reinstall.log"; then
		fail rt-reinstall "install did not say it removed testpay.elf" "$TMP/rt-reinstall.log"
	elif ! cmp -s "$conf" "$TMP/rt.conf" || ! grep -q "kept /etc/default/bulkhead" "$TMP/rt-reinstall.log"; then
		fail rt-reinstall "the edited /etc/default/bulkhead was not kept" "$TMP/rt-reinstall.log"
	elif ! grep -qx 'conf [0-9a-f]* /etc/default/bulkhead' "$dest/usr/local/share/bulkhead/manifest"; then
		fail rt-reinstall "the manifest lost /etc/default/bulkhead" "$dest/usr/local/share/bulkhead/manifest"
	else
		pass rt-reinstall
	fi
fi
sed -e 's,testpay.elf rt,testpay.bin rt,' "$TMP/rt-edited.expected" >"$TMP/rt-again.expected"
check_grubd rt-again "$dest" "$rtb" "$TMP/rt-again.expected"

if mk rt-uninstall "$TMP/rt-uninstall.log" uninstall DESTDIR="$dest"; then
	(cd "$dest" && find . -mindepth 1 | sort) >"$TMP/rt.left"
	printf '%s\n' ./etc ./etc/default ./etc/default/bulkhead >"$TMP/rt.want"
	if ! diff -u "$TMP/rt.want" "$TMP/rt.left" >"$TMP/rt.udiff"; then
		fail rt-uninstall "left more or less than the edited /etc/default/bulkhead (diff want left)" \
			"$TMP/rt.udiff"
	elif ! cmp -s "$conf" "$TMP/rt.conf" || ! grep -q "kept /etc/default/bulkhead" "$TMP/rt-uninstall.log"; then
		fail rt-uninstall "the edited /etc/default/bulkhead is not kept, or not said so" "$TMP/rt-uninstall.log"
	else
		pass rt-uninstall
	fi
fi

# ---------------------------------------------------------------------------------------
# A GRUB_CFG without rt1 and rt2.
dest=$TMP/nofile
printf 'menuentry "Bulkhead" {\n\tmultiboot2 /boot/bulkhead.bin\n\tmodule2 /boot/testpay.bin rt0 beat\n}\n' \
	>"$TMP/rt0-only.cfg"
if mk nofile-install "$TMP/nofile-install.log" BUILD="$rtb" PARTITIONS=rt GRUB_CFG="$TMP/rt0-only.cfg" \
	install DESTDIR="$dest"; then
	if [ "$(grep -c 'NO FILE:' "$TMP/nofile-install.log")" != 2 ] ||
		! grep -q 'module rt1 .*NO FILE.*MODULE_rt1=' "$TMP/nofile-install.log" ||
		! grep -q 'module rt2 .*NO FILE.*MODULE_rt2=' "$TMP/nofile-install.log"; then
		fail nofile-install "install does not name rt1 and rt2 (only) as without a file" \
			"$TMP/nofile-install.log"
	else
		pass nofile-install
	fi
fi
cat >"$TMP/nofile.expected" <<'EOF'
menuentry 'Bulkhead' --class bulkhead --class os --id bulkhead {
multiboot2 /boot/bulkhead/bulkhead.bin
module2 /boot/bulkhead/testpay.bin rt0 beat
# no file of module rt1 (payload) is installed: Bulkhead will refuse partition rt1
# no file of module rt2 (payload) is installed: Bulkhead will refuse partition rt2
EOF
check_grubd nofile "$dest" "$rtb" "$TMP/nofile.expected"
if [ "$(grep -c 'Bulkhead will refuse partition rt[12] (make install MODULE_rt[12]=<file>)' \
	"$TMP/nofile.cfg.err")" != 2 ]; then
	fail nofile-grubd-warn "the script does not warn of rt1 and rt2 on stderr" "$TMP/nofile.cfg.err"
else
	pass nofile-grubd-warn
fi
make --no-print-directory uninstall DESTDIR="$dest" >/dev/null 2>&1

# ---------------------------------------------------------------------------------------
# A MODULE_ for a tag the layout does not have.
dest=$TMP/unknown
if make --no-print-directory BUILD="$rtb" PARTITIONS=rt GRUB_CFG=tests/emu/grub-rt.cfg \
	MODULE_rt9="$rtb/images/testpay.bin" install DESTDIR="$dest" >"$TMP/unknown.log" 2>&1; then
	fail unknown-tag "make install took MODULE_rt9 for layout rt" "$TMP/unknown.log"
elif ! grep -q 'MODULE_rt9: layout "rt" has no module tagged rt9 (its tags: rt0 rt1 rt2)' "$TMP/unknown.log"; then
	fail unknown-tag "install does not name MODULE_rt9 and the layout's tags" "$TMP/unknown.log"
elif [ -e "$dest" ]; then
	fail unknown-tag "install refused MODULE_rt9 but installed something"
else
	pass unknown-tag
fi

exit $failed
