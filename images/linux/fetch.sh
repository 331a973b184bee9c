#!/bin/sh
# Fetch the Linux test image's parts from Debian, without root and without installing them:
#
#   images/linux/fetch.sh [--net] OUTDIR
#
# Downloads (apt-get download, exact package names and versions, never a glob) Debian's stock
# cloud kernel and busybox-static, unpacks them with dpkg -x into a temporary directory and
# writes
#   OUTDIR/vmlinuz   the kernel (bzImage)
#   OUTDIR/config    its /boot/config-*
#   OUTDIR/busybox   the static busybox binary
#   OUTDIR/uio.ko, OUTDIR/uio_pci_generic.ko  the kernel's UIO modules, for chanmon (checked:
#                    uncompressed or unpacked, uio needs no module, uio_pci_generic only uio)
#   OUTDIR/VERSION   the kernel package's version (one line)
#   OUTDIR/PACKAGES  "name version" of both packages
# With --net it fetches instead the generic kernel of the same version (the cloud kernel has no
# e1000 driver; the generic one has it as a module), for the network test image, and writes
#   OUTDIR/vmlinuz-net   the generic kernel (bzImage)
#   OUTDIR/config-net    its /boot/config-*
#   OUTDIR/e1000.ko      its e1000 module (checked: uncompressed or unpacked, no dependencies)
#   OUTDIR/PACKAGES-net  "name version" of the kernel package
# The .debs are kept in OUTDIR/debs (or $BULKHEAD_DEB_CACHE): a re-run finds them there and
# needs no network, and when OUTDIR/PACKAGES already names them nothing is unpacked again.
# Outputs whose contents did not change keep their modification time.
#
# The kernel is the one linux-image-cloud-amd64 depends on (linux-image-6.1.0-NN-cloud-amd64),
# resolved with apt-cache depends; --net takes linux-image-6.1.0-NN-amd64, the same NN. If apt's package lists are missing, they are fetched with
# apt-get update (as tools/setup.sh does it: directly as root, with sudo otherwise).
set -eu

META=linux-image-cloud-amd64
BUSYBOX=busybox-static

die() { echo "fetch.sh: $*" >&2; exit 1; }

net=0
if [ "${1:-}" = --net ]; then
	net=1
	shift
fi
[ $# -eq 1 ] || { echo "usage: images/linux/fetch.sh [--net] OUTDIR" >&2; exit 2; }
out=$1
cache=${BULKHEAD_DEB_CACHE:-$out/debs}
mkdir -p "$out" "$cache"
if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
	die "needs apt-get and dpkg (a Debian or Ubuntu host)"
fi

# cached PATTERN: the one .deb matching PATTERN in the cache, empty when none or several.
cached() {
	# shellcheck disable=SC2086 # $1 is a glob pattern
	set -- "$cache"/${1}_*.deb
	if [ $# -eq 1 ] && [ -f "$1" ]; then echo "$1"; fi
}

# resolve: sets kpkg, the kernel package linux-image-cloud-amd64 depends on (with --net: the
# generic flavour of the same version), and the candidate stanzas (Package, Version, Filename,
# SHA256) of it and (without --net) busybox-static.
# Fails (status 1) when apt's lists do not know the packages. apt-cache is slow (about a
# second a call), so it is called twice.
resolve() {
	kpkg=$(apt-cache depends "$META" 2>/dev/null |
		sed -n 's/^ *Depends: *\(linux-image-[0-9][^ ]*-cloud-amd64\)$/\1/p' | head -1)
	[ -n "$kpkg" ] || return 1
	if [ $net = 1 ]; then
		kpkg=${kpkg%-cloud-amd64}-amd64
		stanzas=$(apt-cache show --no-all-versions "$kpkg" 2>/dev/null |
			grep -E '^(Package|Version|Filename|SHA256):') || return 1
		[ -n "$(field "$kpkg" Version)" ]
		return
	fi
	stanzas=$(apt-cache show --no-all-versions "$kpkg" "$BUSYBOX" 2>/dev/null |
		grep -E '^(Package|Version|Filename|SHA256):') || return 1
	[ -n "$(field "$kpkg" Version)" ] && [ -n "$(field "$BUSYBOX" Version)" ]
}

# field PKG NAME: field NAME of PKG's stanza.
field() {
	echo "$stanzas" | awk -v p="$1" -v f="$2:" \
		'$1 == "Package:" { cur = $2 } cur == p && $1 == f { print $2; exit }'
}

# fetch PKG: the .deb of exactly PKG=<candidate version> in the cache (downloaded if not
# there, checked against the SHA256 in apt's lists).
fetch() {
	pkg=$1
	ver=$(field "$pkg" Version)
	sha=$(field "$pkg" SHA256)
	file=$(field "$pkg" Filename)
	[ -n "$file" ] || die "apt's lists give no Filename for $pkg=$ver"
	deb=$cache/$(basename "$file")
	if [ -f "$deb" ] && { [ -z "$sha" ] || echo "$sha  $deb" | sha256sum -c --status; }; then
		echo "$deb"
		return
	fi
	echo "fetch.sh: downloading $pkg=$ver" >&2
	dl=$(mktemp -d "$cache/.dl.XXXXXX")
	# apt-get download writes into the working directory; as root it warns that the
	# sandbox user _apt cannot write there, which is harmless.
	(cd "$dl" && apt-get download -q "$pkg=$ver" 2>&1 | grep -v 'unsandboxed\|^Get:' >&2) || true
	got=$(find "$dl" -name '*.deb' | head -1)
	[ -n "$got" ] || {
		rm -rf "$dl"
		die "apt-get download $pkg=$ver failed (no network? stale lists: apt-get update)"
	}
	if [ -n "$sha" ] && ! echo "$sha  $got" | sha256sum -c --status; then
		rm -rf "$dl"
		die "$pkg=$ver: the download's SHA256 does not match apt's lists"
	fi
	mv "$got" "$deb"
	rm -rf "$dl"
	echo "$deb"
}

# --- resolve the exact package names and versions, get the .debs -------------------------
# getdebs: kdeb and (without --net) bdeb, from apt (resolved and fetched) or else the cache.
kcached="linux-image-*-cloud-amd64"
# The generic flavour: a digit before -amd64 (the cloud one has "cloud" there).
[ $net = 1 ] && kcached="linux-image-[0-9]*[0-9]-amd64"
if resolve; then
	kdeb=$(fetch "$kpkg")
	[ $net = 1 ] || bdeb=$(fetch "$BUSYBOX")
else
	kdeb=$(cached "$kcached")
	bdeb=$(cached "$BUSYBOX")
	[ $net = 1 ] && bdeb=none
	if [ -n "$kdeb" ] && [ -n "$bdeb" ]; then
		echo "fetch.sh: apt's lists do not know $META/$BUSYBOX; using the .debs in $cache" >&2
	else
		echo "fetch.sh: apt's package lists do not know $META and $BUSYBOX" \
			"(lists missing or stale); running apt-get update" >&2
		SUDO=""
		[ "$(id -u)" -eq 0 ] || SUDO="sudo"
		$SUDO apt-get update -qq >/dev/null ||
			die "apt-get update failed; run 'sudo apt-get update' and try again"
		resolve || die "apt knows no $META (and its linux-image-*-cloud-amd64) or" \
			"no $BUSYBOX even after apt-get update: is 'main' of a Debian bookworm" \
			"mirror in /etc/apt/sources.list?"
		kdeb=$(fetch "$kpkg")
		[ $net = 1 ] || bdeb=$(fetch "$BUSYBOX")
	fi
fi

# put SRC NAME [MODE]: OUTDIR/NAME becomes SRC, untouched when it is already the same.
put() {
	if ! cmp -s "$1" "$out/$2"; then
		cp "$1" "$out/.$2.tmp"
		chmod "${3:-644}" "$out/.$2.tmp"
		mv -f "$out/.$2.tmp" "$out/$2"
	fi
}

# module KO NAME: the uncompressed module (KO itself, or $tmp/NAME.ko unpacked from it).
module() {
	# Debian 12 ships modules uncompressed; later ones may compress them.
	case $1 in
	*.ko) echo "$1" ;;
	*.ko.xz) xz -dc "$1" >"$tmp/$2.ko" && echo "$tmp/$2.ko" ;;
	*.ko.zst) zstd -qdc "$1" >"$tmp/$2.ko" && echo "$tmp/$2.ko" ;;
	*.ko.gz) gzip -dc "$1" >"$tmp/$2.ko" && echo "$tmp/$2.ko" ;;
	*) die "$1: unknown module compression" ;;
	esac
}

# depends KO: the modules KO needs (its modinfo "depends=", comma-separated), empty if none.
depends() {
	tr '\0' '\n' <"$1" | sed -n 's/^depends=//p' | head -1
}

# --- --net: the generic kernel and its e1000 module --------------------------------------
if [ $net = 1 ]; then
	kpkg=$(dpkg-deb -f "$kdeb" Package)
	kver=$(dpkg-deb -f "$kdeb" Version)
	printf '%s %s\n' "$kpkg" "$kver" >"$cache/.packages-net.new"
	if cmp -s "$cache/.packages-net.new" "$out/PACKAGES-net" && [ -f "$out/vmlinuz-net" ] &&
		[ -f "$out/config-net" ] && [ -f "$out/e1000.ko" ]; then
		rm -f "$cache/.packages-net.new"
		echo "fetch.sh: $out is up to date ($kpkg $kver, net)"
		exit 0
	fi
	rm -f "$cache/.packages-net.new"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	# Only what is needed of its 400 MB of modules: /boot and the e1000 driver.
	mkdir "$tmp/k"
	dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$tmp/k" --wildcards './boot/*' \
		'./lib/modules/*/kernel/drivers/net/ethernet/intel/e1000/e1000.ko*' ||
		die "$kdeb: no /boot or no e1000 module in it"
	set -- "$tmp"/k/boot/vmlinuz-*
	[ $# -eq 1 ] && [ -f "$1" ] || die "$kdeb holds no single /boot/vmlinuz-*"
	kimg=$1
	set -- "$tmp"/k/boot/config-*
	[ $# -eq 1 ] && [ -f "$1" ] || die "$kdeb holds no single /boot/config-*"
	kcfg=$1
	grep -q '^CONFIG_E1000=m$' "$kcfg" || die "$kdeb: its config does not build e1000 as a module"
	[ "$(dd if="$kimg" bs=1 skip=514 count=4 2>/dev/null)" = HdrS ] || die "$kimg is not a bzImage"
	set -- "$tmp"/k/lib/modules/*/kernel/drivers/net/ethernet/intel/e1000/e1000.ko*
	[ $# -eq 1 ] && [ -f "$1" ] || die "$kdeb holds no single e1000.ko"
	ko=$(module "$1" e1000)
	# The initramfs has e1000.ko alone: it must need no other module.
	deps=$(depends "$ko")
	[ -z "$deps" ] || die "e1000.ko depends on other modules ($deps); the net initramfs holds none"
	printf '%s %s\n' "$kpkg" "$kver" >"$tmp/PACKAGES-net"
	put "$kimg" vmlinuz-net
	put "$kcfg" config-net
	put "$ko" e1000.ko
	put "$tmp/PACKAGES-net" PACKAGES-net
	echo "fetch.sh: $out: $kpkg $kver (vmlinuz-net, e1000.ko)"
	exit 0
fi

kpkg=$(dpkg-deb -f "$kdeb" Package)
kver=$(dpkg-deb -f "$kdeb" Version)
bpkg=$(dpkg-deb -f "$bdeb" Package)
bver=$(dpkg-deb -f "$bdeb" Version)

printf '%s %s\n%s %s\n' "$kpkg" "$kver" "$bpkg" "$bver" >"$cache/.packages.new"
if cmp -s "$cache/.packages.new" "$out/PACKAGES" && [ -f "$out/VERSION" ] &&
	[ -f "$out/vmlinuz" ] && [ -f "$out/config" ] && [ -f "$out/busybox" ] &&
	[ -f "$out/uio.ko" ] && [ -f "$out/uio_pci_generic.ko" ]; then
	rm -f "$cache/.packages.new"
	echo "fetch.sh: $out is up to date ($kpkg $kver, $bpkg $bver)"
	exit 0
fi
rm -f "$cache/.packages.new"

# --- unpack and install the outputs ------------------------------------------------------
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg -x "$kdeb" "$tmp/k"
dpkg -x "$bdeb" "$tmp/b"
set -- "$tmp"/k/boot/vmlinuz-*
[ $# -eq 1 ] && [ -f "$1" ] || die "$kdeb holds no single /boot/vmlinuz-*"
kimg=$1
set -- "$tmp"/k/boot/config-*
[ $# -eq 1 ] && [ -f "$1" ] || die "$kdeb holds no single /boot/config-*"
kcfg=$1
bb=""
for p in bin/busybox usr/bin/busybox; do
	[ -f "$tmp/b/$p" ] && { bb=$tmp/b/$p; break; }
done
[ -n "$bb" ] || die "$bdeb holds no bin/busybox"
# chanmon's modules: uio_pci_generic, which needs uio and nothing else (in the initramfs
# both are in /lib/modules, loaded by /init in that order).
for m in UIO UIO_PCI_GENERIC; do
	grep -q "^CONFIG_$m=m\$" "$kcfg" || die "$kdeb: its config does not build CONFIG_$m as a module"
done
# uio_module NAME DEPS: NAME.ko of the kernel, uncompressed, checked to need exactly DEPS.
uio_module() {
	set -- "$1" "$2" "$tmp"/k/lib/modules/*/kernel/drivers/uio/"$1".ko*
	[ $# -eq 3 ] && [ -f "$3" ] || die "$kdeb holds no single $1.ko"
	ko=$(module "$3" "$1")
	deps=$(depends "$ko")
	[ "$deps" = "$2" ] || die "$1.ko depends on modules '$deps', not '$2' (the initramfs" \
		"holds uio.ko and uio_pci_generic.ko only)"
	echo "$ko"
}
ko_uio=$(uio_module uio "")
ko_uio_pci_generic=$(uio_module uio_pci_generic uio)
# A bzImage has "HdrS" at offset 0x202.
[ "$(dd if="$kimg" bs=1 skip=514 count=4 2>/dev/null)" = HdrS ] || die "$kimg is not a bzImage"
echo "$kver" >"$tmp/VERSION"
printf '%s %s\n%s %s\n' "$kpkg" "$kver" "$bpkg" "$bver" >"$tmp/PACKAGES"

put "$kimg" vmlinuz
put "$kcfg" config
put "$bb" busybox 755
put "$ko_uio" uio.ko
put "$ko_uio_pci_generic" uio_pci_generic.ko
put "$tmp/VERSION" VERSION
put "$tmp/PACKAGES" PACKAGES
echo "fetch.sh: $out: $kpkg $kver, $bpkg $bver (with uio.ko, uio_pci_generic.ko)"
