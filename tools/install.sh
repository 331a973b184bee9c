#!/bin/sh
# Install Bulkhead for GRUB, or remove what was installed: the recipes of make install and
# make uninstall (docs/install.md).
#
#   tools/install.sh install NAME=VALUE...
#   tools/install.sh uninstall NAME=VALUE...
#
# Where things go: DESTDIR (a staging root, default none), BOOTDIR, GRUBDDIR, SYSCONFDIR and
# DATADIR (defaults /boot/bulkhead, /etc/grub.d, /etc, /usr/local/share, as the Makefile's).
# What install takes: BUILD (the build directory: bulkhead.bin, modules.txt, and the files
# GRUB_CFG names, looked for in BUILD/images and BUILD/linux), GRUB_CFG (a GRUB entry whose
# multiboot2 and module2 lines say which file goes with which tag, and with which words; the
# repo's grub.cfg for the default layout), MODULE_<tag>=<file> and ARGS_<tag>=<words> (per
# tag, over GRUB_CFG's), BULKHEAD_CMDLINE=<words> (the hypervisor's, over GRUB_CFG's).
#
# install puts
#   BOOTDIR/bulkhead.bin         the hypervisor
#   BOOTDIR/<file>               each module's file, under its own name (one copy when tags
#                                share a file)
#   BOOTDIR/modules              the linked layout's modules, in its order, each with its file
#                                and its built words: what the GRUB script reads
#   GRUBDDIR/25_bulkhead         the GRUB script (tools/grub.d/25_bulkhead)
#   SYSCONFDIR/default/bulkhead  the entry's words, for the user to edit; left alone when it
#                                is there and not as an earlier install wrote it
#   DATADIR/bulkhead/manifest    each file above (with its SHA-256) and each directory
#                                install made
# A module without a file is named in the output and in BOOTDIR/modules, and left out of the
# entry (Bulkhead then refuses its partition and starts the others). Installing again
# replaces the files and removes those of the earlier install that are no longer installed.
#
# uninstall removes each file the manifest lists (SYSCONFDIR/default/bulkhead only if it is
# as install wrote it), the manifest, then each directory install made, if it is empty;
# nothing else.
set -eu

usage() {
	echo "usage: $0 install|uninstall NAME=VALUE..." >&2
	exit 2
}
[ $# -ge 1 ] || usage
action=$1
shift
case $action in install | uninstall) ;; *) usage ;; esac

die() {
	echo "$action: $*" >&2
	exit 1
}

DESTDIR=
BOOTDIR=/boot/bulkhead
GRUBDDIR=/etc/grub.d
SYSCONFDIR=/etc
DATADIR=/usr/local/share
BUILD=build
GRUB_CFG=grub.cfg
BULKHEAD_CMDLINE=
cmdline_set=0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# One "<tag><TAB><value>" line per MODULE_<tag> and per ARGS_<tag> argument.
: >"$tmp/module_vars"
: >"$tmp/args_vars"
for arg in "$@"; do
	name=${arg%%=*}
	value=${arg#*=}
	[ "$name" != "$arg" ] || usage
	case $name in
	DESTDIR | BOOTDIR | GRUBDDIR | SYSCONFDIR | DATADIR | BUILD | GRUB_CFG) eval "$name=\$value" ;;
	BULKHEAD_CMDLINE) BULKHEAD_CMDLINE=$value cmdline_set=1 ;;
	MODULE_?*) printf '%s\t%s\n' "${name#MODULE_}" "$value" >>"$tmp/module_vars" ;;
	ARGS_?*) printf '%s\t%s\n' "${name#ARGS_}" "$value" >>"$tmp/args_vars" ;;
	*) die "unknown setting $name" ;;
	esac
done

# The install paths are absolute, plain and without "..": the GRUB script gets them
# written in, and uninstall takes them back from the manifest.
for d in "$BOOTDIR" "$GRUBDDIR" "$SYSCONFDIR" "$DATADIR"; do
	case $d in
	/*) ;;
	*) die "$d: not an absolute path" ;;
	esac
	case $d in
	*[!A-Za-z0-9._/+-]*) die "$d: only letters, digits and ._/+- please" ;;
	esac
	case /$d/ in
	*/../* | */./*) die "$d: has a . or .. component" ;;
	esac
done
# DESTDIR=/ is no DESTDIR; the paths below are written "$DESTDIR$path".
DESTDIR=${DESTDIR%/}
MANIFEST=$DATADIR/bulkhead/manifest
CONF=$SYSCONFDIR/default/bulkhead
GRUBD=$GRUBDDIR/25_bulkhead
# The script's source: beside this one.
GRUBD_SRC=$(dirname "$0")/grub.d/25_bulkhead

sum() { sha256sum <"$1" | cut -d' ' -f1; }

# A manifest path: absolute, without . or .. components.
install_path() {
	case $1 in /*) ;; *) return 1 ;; esac
	case /$1/ in */../* | */./*) return 1 ;; esac
}

# The manifest's lines, paths as on the target (without DESTDIR):
#   dir <path>            a directory install made (parents first)
#   file <sha256> <path>  a file install wrote
#   conf <sha256> <path>  the same, for SYSCONFDIR/default/bulkhead: removed only unchanged

# ---------------------------------------------------------------------------------------
if [ "$action" = uninstall ]; then
	manifest=$DESTDIR$MANIFEST
	[ -f "$manifest" ] ||
		die "no $manifest: nothing was installed there (make uninstall needs the DESTDIR and PREFIX make install had)"
	cp "$manifest" "$tmp/manifest"
	while read -r kind a b; do
		case $kind in
		file | conf) path=$b ;;
		*) continue ;;
		esac
		if ! install_path "$path"; then
			echo "uninstall: $path: not an install path, left alone" >&2
		elif [ ! -e "$DESTDIR$path" ] && [ ! -L "$DESTDIR$path" ]; then
			echo "uninstall: $path: already gone"
		elif [ "$kind" = conf ] && [ "$(sum "$DESTDIR$path")" != "$a" ]; then
			echo "uninstall: kept $path: edited since make install (remove it by hand if it is no longer wanted)"
		else
			rm -f "$DESTDIR$path"
			echo "uninstall: removed $path"
		fi
	done <"$tmp/manifest"
	rm -f "$manifest"
	echo "uninstall: removed $MANIFEST"
	# Children before parents: a directory's name sorts before its children's.
	sed -n 's/^dir //p' "$tmp/manifest" | sort -r >"$tmp/dirs"
	while IFS= read -r dir; do
		install_path "$dir" || continue
		[ -d "$DESTDIR$dir" ] || continue
		if rmdir "$DESTDIR$dir" 2>/dev/null; then
			echo "uninstall: removed $dir/"
		else
			echo "uninstall: kept $dir/: not empty"
		fi
	done <"$tmp/dirs"
	echo "uninstall: now run update-grub (or grub-mkconfig -o /boot/grub/grub.cfg): GRUB's menu still has the entry"
	exit 0
fi

# ---------------------------------------------------------------------------------------
# install: what goes where
[ -f "$BUILD/bulkhead.bin" ] || die "no $BUILD/bulkhead.bin: build it first (make)"
[ -f "$BUILD/modules.txt" ] || die "no $BUILD/modules.txt: build it first (make)"
[ -f "$GRUB_CFG" ] || die "GRUB_CFG=$GRUB_CFG: no such file"
[ -f "$GRUBD_SRC" ] || die "no $GRUBD_SRC"
layout=$(sed -n 's/^layout //p' "$BUILD/modules.txt")
[ -n "$layout" ] || die "$BUILD/modules.txt: no layout line"

# GRUB_CFG's first multiboot2 line's words, and each tag's first module2 line:
# "<tag><TAB><path><TAB><words>". A word starting with # starts a comment, as in GRUB.
awk -v hv="$tmp/cfg_hv" '
function words(from,   i, w) {
	w = ""
	for (i = from; i <= NF && substr($i, 1, 1) != "#"; i++)
		w = w (w == "" ? "" : " ") $i
	return w
}
$1 == "multiboot2" && !seen_hv { seen_hv = 1; print words(3) > hv }
$1 == "module2" && NF >= 3 && substr($3, 1, 1) != "#" && !($3 in seen) {
	seen[$3] = 1
	print $3 "\t" $2 "\t" words(4)
}' "$GRUB_CFG" >"$tmp/cfg_modules"
[ -f "$tmp/cfg_hv" ] || : >"$tmp/cfg_hv"

# field FILE TAG N: field N of FILE's line for TAG (tab-separated, TAG first); status 1 if
# there is none.
field() {
	awk -F '\t' -v t="$2" -v n="$3" '$1 == t { print $n; found = 1; exit } END { exit !found }' "$1"
}

# The layout's tags; a MODULE_ or ARGS_ naming another is a mistake.
sed -n 's/^module \([^ ]*\) .*/\1/p' "$BUILD/modules.txt" >"$tmp/tags"
tags=$(tr '\n' ' ' <"$tmp/tags")
for vars in MODULE:module_vars ARGS:args_vars; do
	cut -f1 "$tmp/${vars#*:}" >"$tmp/given"
	while IFS= read -r tag; do
		grep -qxF -e "$tag" "$tmp/tags" ||
			die "${vars%:*}_$tag: layout \"$layout\" has no module tagged $tag (its tags: ${tags% })"
	done <"$tmp/given"
done

# The variable of /etc/default/bulkhead that holds a tag's words.
args_var() { printf 'BULKHEAD_ARGS_%s' "$(printf '%s' "$1" | tr -c 'A-Za-z0-9_' '_')"; }
while IFS= read -r tag; do
	args_var "$tag"
	echo
done <"$tmp/tags" | sort | uniq -d >"$tmp/shared"
[ ! -s "$tmp/shared" ] ||
	die "two tags of layout \"$layout\" would share the setting $(head -n 1 "$tmp/shared") in $CONF"

# Words, blanks squeezed: "a  b" and "a b" are the same words to GRUB.
squeeze() {
	set -f
	# shellcheck disable=SC2086
	set -- $1
	set +f
	printf '%s' "$*"
}

echo "install: layout \"$layout\" ($BUILD/modules.txt), files and words from $GRUB_CFG${DESTDIR:+, into DESTDIR $DESTDIR}"

# The plan: one "<tag><TAB><kind><TAB><partition><TAB><source or -><TAB><name or -><TAB>
# <words>" line per module, in the layout's order; "<name><TAB><source>" per file to copy.
: >"$tmp/plan"
: >"$tmp/copies"
printf 'bulkhead.bin\t%s\n' "$BUILD/bulkhead.bin" >>"$tmp/copies"
missing=0
while read -r key tag kind part; do
	[ "$key" = module ] || continue
	part=$(printf '%s' "$part" | tr ' \t' '__')
	if src=$(field "$tmp/module_vars" "$tag" 2); then
		[ -f "$src" ] || die "MODULE_$tag=$src: no such file"
		why=
	elif cfg_path=$(field "$tmp/cfg_modules" "$tag" 2); then
		src=-
		for dir in "$BUILD/images" "$BUILD/linux"; do
			if [ -f "$dir/${cfg_path##*/}" ]; then
				src=$dir/${cfg_path##*/}
				break
			fi
		done
		why="$GRUB_CFG names ${cfg_path##*/}, which is neither in $BUILD/images nor in $BUILD/linux"
	else
		src=-
		why="$GRUB_CFG has no module2 line tagged $tag"
	fi
	if words=$(field "$tmp/args_vars" "$tag" 2); then
		:
	else
		words=$(field "$tmp/cfg_modules" "$tag" 3) || words=
	fi
	words=$(squeeze "$words")
	if [ "$src" = - ]; then
		missing=$((missing + 1))
		echo "install: module $tag ($kind, partition $part): NO FILE: $why; give MODULE_$tag=<file> (without one, Bulkhead refuses partition $part)"
		printf '%s\t%s\t%s\t-\t-\t%s\n' "$tag" "$kind" "$part" "$words" >>"$tmp/plan"
		continue
	fi
	name=${src##*/}
	case $name in
	*[!A-Za-z0-9._+-]* | .* | bulkhead.bin | modules)
		die "module $tag: $src: installed under its own name, which must be of letters, digits and ._+- (not starting with a dot), and neither bulkhead.bin nor modules"
		;;
	esac
	if other=$(field "$tmp/copies" "$name" 2); then
		[ "$(readlink -f "$other")" = "$(readlink -f "$src")" ] ||
			die "module $tag: $src and $other would both be $BOOTDIR/$name"
	else
		printf '%s\t%s\n' "$name" "$src" >>"$tmp/copies"
	fi
	echo "install: module $tag ($kind, partition $part): $BOOTDIR/$name <- $src${words:+, words: $words}"
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$tag" "$kind" "$part" "$src" "$name" "$words" >>"$tmp/plan"
done <"$BUILD/modules.txt"

if [ $cmdline_set = 1 ]; then
	cmdline=$(squeeze "$BULKHEAD_CMDLINE")
else
	cmdline=$(squeeze "$(cat "$tmp/cfg_hv")")
fi
echo "install: hypervisor: $BOOTDIR/bulkhead.bin <- $BUILD/bulkhead.bin${cmdline:+, words: $cmdline}"

# ---------------------------------------------------------------------------------------
# install: the files
# The earlier install's manifest, if any: its directories stay install's, its files not
# installed again go.
: >"$tmp/old"
[ ! -f "$DESTDIR$MANIFEST" ] || cp "$DESTDIR$MANIFEST" "$tmp/old"
: >"$tmp/manifest"
while read -r kind dir; do
	[ "$kind" = dir ] && install_path "$dir" && [ -d "$DESTDIR$dir" ] &&
		echo "dir $dir" >>"$tmp/manifest"
done <"$tmp/old"

# note LINE: a line of the manifest. Once the manifest's directory is there, the manifest on
# the target is the earlier one and every line so far, until the end: an install that stops
# half-way leaves nothing make uninstall does not know of.
live=0
note() {
	echo "$1" >>"$tmp/manifest"
	[ $live = 0 ] || echo "$1" >>"$DESTDIR$MANIFEST"
}

# mkdirs DIR: DIR and its parents under DESTDIR; each one made goes in the manifest.
mkdirs() {
	path=
	rest=${1#/}
	while [ -n "$rest" ]; do
		comp=${rest%%/*}
		case $rest in */*) rest=${rest#*/} ;; *) rest= ;; esac
		[ -n "$comp" ] || continue
		path=$path/$comp
		if [ ! -d "$DESTDIR$path" ]; then
			mkdir -m 0755 "$DESTDIR$path"
			note "dir $path"
		fi
	done
}

# put MODE SOURCE PATH: install SOURCE as PATH (on the target) and note it.
put() {
	install -m "$1" "$2" "$DESTDIR$3"
	note "file $(sum "$DESTDIR$3") $3"
}

[ -z "$DESTDIR" ] || mkdir -p "$DESTDIR"
mkdirs "$DATADIR/bulkhead"
cat "$tmp/old" "$tmp/manifest" >"$DESTDIR$MANIFEST"
live=1
mkdirs "$BOOTDIR"
mkdirs "$GRUBDDIR"
mkdirs "$SYSCONFDIR/default"

while IFS="$(printf '\t')" read -r name src; do
	put 0644 "$src" "$BOOTDIR/$name"
done <"$tmp/copies"

# BOOTDIR/modules
{
	echo "# Bulkhead's modules, written by make install and read by $GRUBD: layout"
	echo "# \"$layout\", in its order. Each partition's words are set in $CONF."
	echo "#   hypervisor <file> [<words>]"
	echo "#   module <tag> <kind> <partition> <file, - for none> [<words>]"
	echo "layout $layout"
	echo "hypervisor bulkhead.bin${cmdline:+ $cmdline}"
	while IFS="$(printf '\t')" read -r tag kind part src name words; do
		echo "module $tag $kind $part $name${words:+ $words}"
	done <"$tmp/plan"
} >"$tmp/modules"
put 0644 "$tmp/modules" "$BOOTDIR/modules"

# The GRUB script, with the paths written in.
sed -e "s|@BOOTDIR@|$BOOTDIR|g" -e "s|@SYSCONFDIR@|$SYSCONFDIR|g" "$GRUBD_SRC" >"$tmp/grubd"
put 0755 "$tmp/grubd" "$GRUBD"

# SYSCONFDIR/default/bulkhead: a value as a double-quoted shell word.
dq() { printf '"%s"' "$(printf '%s' "$1" | sed 's/[\\"$`]/\\&/g')"; }
{
	echo "# $CONF: the words of Bulkhead's GRUB entry, which $GRUBD writes"
	echo "# (docs/install.md). Run update-grub after a change. make install wrote this file for"
	echo "# layout \"$layout\"; once it is edited, make install leaves it alone."
	echo "#"
	echo "# BULKHEAD_TITLE: the entry's title in GRUB's menu; its id is bulkhead (grub-reboot bulkhead)."
	echo "# BULKHEAD_CMDLINE: the hypervisor's words (docs/console.md)."
	echo "# BULKHEAD_ARGS_<tag>: the words after a module's tag, added to its partition's command"
	echo "#   line (<tag> with every character but A-Z, a-z, 0-9 and _ written _). A tag with no"
	echo "#   setting here gets the words in $BOOTDIR/modules."
	echo "BULKHEAD_TITLE=\"Bulkhead\""
	echo "BULKHEAD_CMDLINE=$(dq "$cmdline")"
	while IFS="$(printf '\t')" read -r tag kind part src name words; do
		echo "# $tag: partition $part ($kind), $([ "$name" = - ] && echo "no file" || echo "$BOOTDIR/$name")"
		echo "$(args_var "$tag")=$(dq "$words")"
	done <"$tmp/plan"
} >"$tmp/conf"
old_conf=$(awk -v p="$CONF" '$1 == "conf" && $3 == p { print $2 }' "$tmp/old")
if [ ! -e "$DESTDIR$CONF" ] || { [ -n "$old_conf" ] && [ "$(sum "$DESTDIR$CONF")" = "$old_conf" ]; }; then
	install -m 0644 "$tmp/conf" "$DESTDIR$CONF"
	note "conf $(sum "$DESTDIR$CONF") $CONF"
	echo "install: $CONF: the entry's words, to edit"
elif [ -n "$old_conf" ]; then
	note "conf $old_conf $CONF"
	echo "install: kept $CONF: edited since make install wrote it (a tag it does not set gets its words from $BOOTDIR/modules)"
else
	echo "install: kept $CONF: make install did not write it (a tag it does not set gets its words from $BOOTDIR/modules)"
fi

# The earlier install's files that are not installed again.
while read -r kind a path; do
	if [ "$kind" != file ] || ! install_path "$path"; then
		continue
	fi
	awk -v p="$path" '$1 == "file" && $3 == p { f = 1 } END { exit !f }' "$tmp/manifest" && continue
	[ "$path" != "$MANIFEST" ] || continue
	if [ -e "$DESTDIR$path" ]; then
		rm -f "$DESTDIR$path"
		echo "install: removed $path: installed before, not now"
	fi
done <"$tmp/old"

echo "manifest $MANIFEST" >>"$tmp/manifest"
install -m 0644 "$tmp/manifest" "$DESTDIR$MANIFEST"
echo "install: $GRUBD, $BOOTDIR/modules and $MANIFEST (what make uninstall removes)"
[ $missing -eq 0 ] || echo "install: $missing module(s) without a file: see NO FILE above"
echo "install: now run update-grub (or grub-mkconfig -o /boot/grub/grub.cfg); to boot the entry once: grub-reboot bulkhead"
