#!/usr/bin/env python3
"""Write the Linux test image's initramfs: a gzip'd newc cpio archive.

    images/linux/mkinitrd.py BUSYBOX INIT OUT [PROGRAM | DEST=FILE ...]

Holds /init (INIT), /bin/busybox (BUSYBOX), each PROGRAM as /bin/<its file name>, each FILE at
/DEST (e.g. lib/modules/e1000.ko=build/linux/e1000.ko; the directories above it are added;
mode 0755 under bin/, else 0644), the directories dev proc sys bin sbin tmp, and
/dev/console (character device 5,1) so that the kernel can open the console for /init
before devtmpfs is mounted. Python standard library only (the build host has no cpio).
Deterministic: entries sorted by name, every mtime 0 (or $SOURCE_DATE_EPOCH), owner root,
inode numbers in order, gzip header without a name or a time.
"""
import gzip
import io
import os
import stat
import sys

DIRS = ["bin", "dev", "proc", "sbin", "sys", "tmp"]


def newc_entry(ino, name, mode, data=b"", nlink=1, mtime=0, rdev=(0, 0)):
    """One newc header + name + data, each padded to a multiple of 4 bytes."""
    namez = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, nlink, mtime, len(data), 0, 0, rdev[0], rdev[1], len(namez), 0]
    hdr = b"070701" + b"".join(b"%08X" % f for f in fields)
    out = hdr + namez
    out += b"\0" * (-len(out) % 4)
    out += data
    out += b"\0" * (-len(out) % 4)
    return out


def build(busybox, init, mtime, programs=()):
    """The uncompressed archive: (name, mode, data, rdev) entries, sorted, then the trailer.
    programs: (path in the archive, bytes) pairs; a bare file name goes to /bin."""
    dirs = set(DIRS)
    for name, _ in programs:
        parts = name.split("/")[:-1]
        dirs.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    entries = [(d, stat.S_IFDIR | (0o1777 if d == "tmp" else 0o755), b"", (0, 0))
               for d in sorted(dirs)]
    entries.append(("dev/console", stat.S_IFCHR | 0o600, b"", (5, 1)))
    entries.append(("init", stat.S_IFREG | 0o755, init, (0, 0)))
    entries.append(("bin/busybox", stat.S_IFREG | 0o755, busybox, (0, 0)))
    for name, data in programs:
        if "/" not in name:
            name = "bin/" + name
        mode = 0o755 if name.startswith("bin/") else 0o644
        entries.append((name, stat.S_IFREG | mode, data, (0, 0)))
    entries.sort(key=lambda e: e[0])
    buf = io.BytesIO()
    for ino, (name, mode, data, rdev) in enumerate(entries, start=1):
        nlink = 2 if stat.S_ISDIR(mode) else 1
        buf.write(newc_entry(ino, name, mode, data, nlink, mtime, rdev))
    buf.write(newc_entry(0, "TRAILER!!!", 0))
    # The kernel reads the archive in 512-byte blocks like cpio writes it; pad likewise.
    buf.write(b"\0" * (-buf.tell() % 512))
    return buf.getvalue()


def main(argv):
    if len(argv) < 4:
        sys.stderr.write("usage: mkinitrd.py BUSYBOX INIT OUT [PROGRAM | DEST=FILE ...]\n")
        return 2
    busybox_path, init_path, out = argv[1:4]
    programs = []
    for arg in argv[4:]:
        dest, sep, path = arg.partition("=")
        if not sep:
            dest, path = os.path.basename(arg), arg
        dest = dest.strip("/")
        with open(path, "rb") as f:
            programs.append((dest, f.read()))
    with open(busybox_path, "rb") as f:
        busybox = f.read()
    with open(init_path, "rb") as f:
        init = f.read()
    if not init.startswith(b"#!"):
        sys.stderr.write("mkinitrd.py: %s does not start with #!\n" % init_path)
        return 1
    mtime = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    archive = build(busybox, init, mtime, programs)
    tmp = out + ".tmp"
    with open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as gz:
            gz.write(archive)
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
