#!/usr/bin/env python3
"""Write the fuzz harnesses' seed corpora: tests/fuzz/seeds.py [DIR] (default tests/fuzz/corpus).

A few small valid inputs per harness, built here from the formats' specs (the same layouts
the unit tests build), so each fuzzer starts past the magic numbers and checksums. The
files are committed; rerun this after changing it. Standard library only.
"""
import os
import struct
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")


def write(name, idx, data):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-%02d" % idx), "wb") as f:
        f.write(data)


def pad8(b):
    return b + b"\0" * (-len(b) % 8)


# ---- Multiboot2 (spec 3.6) ------------------------------------------------------------------
def tag(t, body):
    return pad8(struct.pack("<II", t, 8 + len(body)) + body)


def mb2(*tags):
    body = b"".join(tags) + struct.pack("<II", 0, 8)
    return struct.pack("<II", 8 + len(body), 0) + body


def rsdp_v1(rsdt, oem=b"BOCHS "):
    r = bytearray(b"RSD PTR " + b"\0" + oem + b"\0" + struct.pack("<I", rsdt))
    r[8] = (-sum(r)) & 0xFF
    return bytes(r)


def rsdp_v2(rsdt, xsdt, oem=b"BOCHS "):
    r = bytearray(b"RSD PTR " + b"\0" + oem + b"\x02" + struct.pack("<IIQ", rsdt, 36, xsdt) + b"\0" * 4)
    r[8] = (-sum(r[:20])) & 0xFF
    r[32] = (-sum(r)) & 0xFF
    return bytes(r)


mmap = struct.pack("<II", 24, 0) + b"".join(
    struct.pack("<QQII", a, l, t, 0)
    for a, l, t in [(0, 0x9FC00, 1), (0x9FC00, 0x400, 2), (0x100000, 0x1FF00000, 1), (0xFFFC0000, 0x40000, 2)]
)
write("mb2", 0, mb2())
write("mb2", 1, mb2(tag(1, b"loglevel=debug console=ttyS0\0"), tag(2, b"GRUB 2.06\0"),
                    tag(4, struct.pack("<II", 639, 523264)), tag(6, mmap)))
write("mb2", 2, mb2(tag(1, b"x\0"), tag(3, struct.pack("<II", 0x1000000, 0x1200000) + b"linux0 console=ttyS0\0"),
                    tag(3, struct.pack("<II", 0x1200000, 0x1201000) + b"rt0\0"),
                    tag(14, rsdp_v1(0x7FE0000)), tag(15, rsdp_v2(0x7FE0000, 0x7FE0100)),
                    tag(12, struct.pack("<Q", 0x7F000000)), tag(20, struct.pack("<Q", 0x7E000000)),
                    tag(17, struct.pack("<II", 48, 1) + b"\0" * 48), tag(18, b"")))

# ---- ACPI: byte 0 = RSDP length, then memory at physical 0 with the RSDP first -------------
def sdt(sig, body, rev=1):
    t = bytearray(sig + struct.pack("<IBB", 36 + len(body), rev, 0) + b"BOCHS BXPC    " + struct.pack("<III", 1, 1, 1) + body)
    t[9] = (-sum(t)) & 0xFF
    return bytes(t)


def madt(rev=5):
    e = b""
    e += struct.pack("<BBBBI", 0, 8, 0, 0, 1)  # LAPIC uid 0 id 0 enabled
    e += struct.pack("<BBBBI", 0, 8, 1, 1, 1)
    e += struct.pack("<BBBBI", 0, 8, 2, 2, 2)  # online capable
    e += struct.pack("<BBBBII", 1, 12, 0, 0, 0xFEC00000, 0)  # IOAPIC
    e += struct.pack("<BBHQ", 5, 12, 0, 0xFEE00000)  # LAPIC address override
    e += struct.pack("<BBHIII", 9, 16, 0, 0x100, 1, 3)  # x2APIC
    e += struct.pack("<BBBBIH", 2, 10, 0, 0, 2, 0)  # interrupt source override: IRQ 0 -> GSI 2
    e += struct.pack("<BBBBIH", 2, 10, 0, 9, 9, 0xD)  # IRQ 9: level, active high
    e += struct.pack("<BBHI", 3, 8, 0x5, 23)  # NMI source: GSI 23
    return sdt(b"APIC", struct.pack("<II", 0xFEE00000, 1) + e, rev)


def acpi_mem(rsdp, tables):
    """tables: {phys: bytes}; memory is RSDP at 0 then each table at its address."""
    end = max(p + len(t) for p, t in tables.items())
    m = bytearray(end)
    m[: len(rsdp)] = rsdp
    for p, t in tables.items():
        m[p : p + len(t)] = t
    return bytes(m)


facp = sdt(b"FACP", b"\0" * 80)
m = madt()
rsdt = sdt(b"RSDT", struct.pack("<II", 0x80, 0x80 + len(m)))
xsdt = sdt(b"XSDT", struct.pack("<QQ", 0x80 + len(m), 0x80))
write("acpi", 0, bytes([20]) + acpi_mem(rsdp_v1(0x30), {0x30: rsdt, 0x80: m, 0x80 + len(m): facp}))
write("acpi", 1, bytes([36]) + acpi_mem(rsdp_v2(0x30, 0x200), {0x30: rsdt, 0x80: m, 0x80 + len(m): facp, 0x200: xsdt}))
write("acpi", 2, bytes([20]) + acpi_mem(rsdp_v1(0x30), {0x30: sdt(b"RSDT", struct.pack("<I", 0x40)), 0x40: madt(3)}))
# MCFG (PCI Firmware 3.3 §4.1.2): 8 reserved bytes, then base, segment, start and end bus.
mcfg = sdt(b"MCFG", b"\0" * 8 + struct.pack("<QHBBI", 0xB0000000, 0, 0, 255, 0) + struct.pack("<QHBBI", 0x100000000, 1, 8, 15, 0))
write("acpi", 3, bytes([20]) + acpi_mem(rsdp_v1(0x30), {0x30: sdt(b"RSDT", struct.pack("<II", 0x60, 0xA0)), 0x60: mcfg, 0xA0: m}))

# ---- DMAR (Intel VT-d spec, chapter 8): the whole table --------------------------------------
def dmar(haw, flags, *structs):
    return sdt(b"DMAR", struct.pack("<BB", haw, flags) + b"\0" * 10 + b"".join(structs))


def dscope(typ, enum_id, bus, *path):  # path: (device, function) pairs
    p = b"".join(struct.pack("<BB", d, f) for d, f in path)
    return struct.pack("<BBHBB", typ, 6 + len(p), 0, enum_id, bus) + p


def drhd(flags, size, seg, base, *scopes):
    s = b"".join(scopes)
    return struct.pack("<HHBBHQ", 0, 16 + len(s), flags, size, seg, base) + s


def rmrr(seg, base, limit, *scopes):
    s = b"".join(scopes)
    return struct.pack("<HHHHQQ", 1, 24 + len(s), 0, seg, base, limit) + s


def rstruct(typ, body):
    return struct.pack("<HH", typ, 4 + len(body)) + body


# QEMU q35 with intel-iommu,intremap=on: one INCLUDE_PCI_ALL unit naming the I/O APIC.
write("dmar", 0, dmar(38, 3, drhd(1, 0, 0, 0xFED90000, dscope(3, 0, 0xF0, (0x1F, 0)))))
# Two units: endpoints (one behind two bridges), a bridge; an RMRR; an ATSR.
write("dmar", 1, dmar(45, 1,
                      drhd(0, 1, 0, 0xFED90000, dscope(1, 0, 0, (2, 0)), dscope(1, 0, 0, (0x1C, 0), (0, 0), (0, 0)),
                           dscope(2, 0, 0, (0x1C, 4))),
                      drhd(1, 0, 0, 0xFED91000, dscope(3, 8, 0xF0, (0x1F, 0)), dscope(4, 0, 0, (0x1F, 7))),
                      rmrr(0, 0x7C000000, 0x7C7FFFFF, dscope(1, 0, 0, (0x14, 0)), dscope(1, 0, 0, (0x1A, 0))),
                      rstruct(2, struct.pack("<BBH", 0, 0, 0) + dscope(2, 0, 0, (0x1C, 0)))))
# RMRRs, RHSA, ANDD, SATC, a unit on segment 1, an ACPI namespace device scope.
write("dmar", 2, dmar(38, 0,
                      drhd(0, 0, 1, 0xFED92000, dscope(5, 1, 0, (0x15, 1))),
                      rstruct(3, struct.pack("<IQI", 0, 0xFED92000, 0)),
                      rstruct(4, b"\0\0\0\x01" + b"\\_SB.PCI0.I2C0\0"),
                      rmrr(0, 0xE8000, 0xE8FFF, dscope(1, 0, 0, (0x1D, 0))),
                      rmrr(1, 0x100000, 0x1FFFFF, dscope(1, 0, 1, (0, 0))),
                      rstruct(5, struct.pack("<BBH", 0, 0, 0) + dscope(1, 0, 0, (3, 0)))))
# Ten units (two beyond the limit), four scopes each, filling the scope array; then an RMRR
# whose two scopes find no room.
write("dmar", 3, dmar(38, 1, *[drhd(0, 0, 0, 0xFED00000 + 0x1000 * i, *[dscope(1, 0, 0, (i, f)) for f in range(4)])
                               for i in range(10)],
                      rmrr(0, 0xE8000, 0xE8FFF, dscope(1, 0, 0, (0x1D, 0)), dscope(1, 0, 0, (0x1D, 1)))))
# Malformed on purpose: a scope with an empty path (6 bytes) ends the second unit, so the
# fuzzer starts next to that check (two coordinated length changes are hard to reach).
write("dmar", 4, dmar(38, 1, drhd(0, 0, 0, 0xFED90000, dscope(1, 0, 0, (2, 0))),
                      drhd(1, 0, 0, 0xFED91000, dscope(3, 0, 0xF0, (0x1F, 0)), dscope(1, 0, 0)),
                      rmrr(0, 0x7C000000, 0x7C7FFFFF, dscope(1, 0, 0, (0x14, 0)))))

# ---- ELF64 x86-64 ET_EXEC -------------------------------------------------------------------
def elf(entry, phdrs, payload_at=0x100):
    """phdrs: (type, flags, offset, paddr, filesz, memsz)."""
    eh = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8
    eh += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, 64, 0, 0, 64, 56, len(phdrs), 64, 0, 0)
    ph = b"".join(struct.pack("<IIQQQQQQ", t, f, o, p, p, fs, ms, 0x1000) for t, f, o, p, fs, ms in phdrs)
    img = bytearray(eh + ph)
    end = max([o + fs for _, _, o, _, fs, _ in phdrs] + [len(img)])
    img += b"\0" * (end - len(img))
    for i in range(payload_at, end):
        img[i] = 0x90
    return bytes(img)


write("elf", 0, elf(0x100000, [(1, 5, 0x100, 0x100000, 0x40, 0x40)]))
write("elf", 1, elf(0x100010, [(1, 5, 0x200, 0x100000, 0x80, 0x80), (1, 6, 0x280, 0x101000, 0x20, 0x2000),
                               (4, 4, 0x2a0, 0, 0x10, 0x10), (0x6474E551, 6, 0, 0, 0, 0)]))
write("elf", 2, elf(0x200000, [(1, 7, 0x100, 0x200000, 0x100, 0x1000), (1, 4, 0, 0x300000, 0, 0)]))

# ---- bzImage (boot.rst setup header) ----------------------------------------------------------
def bzimage(setup_sects=1, kernel=0x200, pref=0x1000000, align=0x200000, reloc=1, init_size=0x400000,
            xlf=0x7F, version=0x020F, initrd_max=0x7FFFFFFF, cmdline_size=2047):
    setup = bytearray(((setup_sects or 4) + 1) * 512)  # 0 means 4
    setup[0:2] = b"MZ"
    setup[0x1F1] = setup_sects
    struct.pack_into("<H", setup, 0x1FE, 0xAA55)
    setup[0x200] = 0xEB
    setup[0x201] = 0x26C - 0x202  # header ends at 0x26c
    setup[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", setup, 0x206, version)
    setup[0x211] = 0x01
    struct.pack_into("<I", setup, 0x22C, initrd_max)
    struct.pack_into("<I", setup, 0x230, align)
    setup[0x234] = reloc
    struct.pack_into("<H", setup, 0x236, xlf)
    struct.pack_into("<I", setup, 0x238, cmdline_size)
    struct.pack_into("<Q", setup, 0x258, pref)
    struct.pack_into("<I", setup, 0x260, init_size)
    return bytes(setup) + bytes((0x48 + 13 * i) & 0xFF for i in range(kernel))


def fits(load, base, size):
    return struct.pack("<QQQ", load, base, size)


write("bzimage", 0, fits(0x1000000, 0, 64 << 20) + bzimage())
write("bzimage", 1, fits(0x200000, 0, 34 << 20) + bzimage(setup_sects=0, kernel=0x100))
write("bzimage", 2, fits(0x1000000, 0x1000000, 8 << 20) + bzimage(reloc=0, xlf=0x01))
write("bzimage", 3, fits(0x100000000, 0x100000000, 1 << 30) + bzimage(align=0x100000, xlf=0x03))

# ---- Linux loader: flags byte (bit 0: initrd, then u16 initrd length), kernel, initrd -------
write("linux", 0, b"\0" + bzimage(init_size=0x400000))            # at pref_address (16 MiB)
write("linux", 1, b"\0" + bzimage(pref=0x4000000, align=0x100000, init_size=0x80000))  # low, 1 MiB
write("linux", 2, b"\x01" + struct.pack("<H", 64) + bzimage(init_size=0x200000) + bytes(range(64)))
write("linux", 3, b"\0" + bzimage(reloc=0, init_size=0x100000, cmdline_size=16))
write("linux", 4, b"\x02" + bzimage(init_size=0x400000))  # with an I/O APIC and a PCI function

# ---- ptcheck: the byte encoding fuzz_ptcheck.c decodes ---------------------------------------
# strings[] indexes there: 0 NULL, 1 "", 2 "linux", 3 "rt0", 4 "rt1", 5 "rt0", 6 "initrd",
# 7 "a b", 8 "tab\there", 9 "nl\n", 10 "x", 11 a long name.
def addr_pages(pages):  # case 0: page-aligned, u16 pages
    return bytes([0]) + struct.pack("<H", pages)


def addr_mib(mib):  # case 1: MiB-aligned
    return bytes([0x40]) + struct.pack("<H", mib)


def addr_raw(v):  # case 2: any u64
    return bytes([0x80]) + struct.pack("<Q", v)


def part(name, kind, module, initrd, cmdline, cpus, regions, ports, fault=0):
    b = bytes([name, kind, module, initrd, cmdline, fault])
    b += bytes([len(cpus), 0]) + bytes(cpus)
    b += bytes([len(regions), 0])
    for phys, size, guest, access, rkind in regions:
        b += phys + size + guest + bytes([access, rkind])
    b += bytes([len(ports), 0])
    for base, count in ports:
        b += struct.pack("<H", base) + bytes([count])
    return b


linux = part(2, 1, 2, 6, 10, [1, 2], [(addr_mib(32), addr_mib(128), addr_pages(0), 7, 1)], [])
rt0 = part(3, 2, 3, 0, 1, [3], [(addr_mib(16), addr_mib(2), addr_pages(0), 7, 1),
                                (addr_raw(0xFEE00000), addr_pages(1), addr_raw(0xFEE00000), 3, 3)], [(0x2F8, 8)])
rt1 = part(4, 2, 4, 0, 1, [4, 5], [(addr_mib(20), addr_mib(4), addr_pages(0x100), 7, 1),
                                   (addr_mib(24), addr_mib(1), addr_pages(0x1000), 3, 2)], [(0x80, 1)], fault=1)
write("ptcheck", 0, bytes([2, 2, 0]) + linux + rt0)
write("ptcheck", 1, bytes([3, 11, 0]) + rt0 + rt1 + linux)
# A bad one: two partitions named rt0 sharing CPU 3 and overlapping RAM, COM1 granted.
bad = part(5, 2, 3, 0, 0, [3], [(addr_mib(16), addr_mib(4), addr_pages(0), 7, 1)], [(0x3F8, 8)])
write("ptcheck", 2, bytes([2, 3, 0]) + rt0 + bad)


# Devices come after every partition: per partition a count byte, a count-as-filled byte, then
# each device: shape (bits 0-1 flags, 2-4 BAR count), kind (1 PCI, 2 legacy), name, irq, bdf
# (u16), ports base (u16) and count; each BAR: index, kind (1 memory, 2 I/O), a byte, then
# base and size (I/O: u16 and a byte; else two addresses).
def device(kind, name, irq, flags=0, bdf=0, ports=(0, 0), bars=()):
    b = bytes([flags | len(bars) << 2, kind, name, irq]) + struct.pack("<HHB", bdf, *ports)
    for idx, bkind, base, size in bars:
        b += bytes([idx, bkind, 0])
        b += struct.pack("<HB", base, size) if bkind == 2 else addr_raw(base) + addr_raw(size)
    return b


def devices(*devs):
    return bytes([len(devs), 0]) + b"".join(devs)


# A NIC that may do DMA (00:19.0, a memory and an I/O BAR, GSI 11) for an identity-mapped
# Linux; COM2 (0x2f8, IRQ 3) for a payload.
linux_id = part(2, 1, 2, 6, 10, [1, 2], [(addr_mib(32), addr_mib(128), addr_mib(32), 7, 1)], [])
rt0_only = part(3, 2, 3, 0, 1, [3], [(addr_mib(16), addr_mib(2), addr_pages(0), 7, 1)], [])
nic = device(1, 10, 11, bdf=0xC8, bars=[(0, 1, 0xFEBC0000, 0x20000), (2, 2, 0xC000, 0x40)])
com2 = device(2, 10, 3, ports=(0x2F8, 8))
write("ptcheck", 3, bytes([2, 2, 0]) + linux_id + rt0_only + devices(nic) + devices(com2))
# A bad one: the NIC's function again (in a payload whose RAM is not identity-mapped, which
# only the boot checks, on a machine without VT-d), with a BAR on that RAM and COM1's GSI 4.
nic_on_ram = device(1, 10, 4, bdf=0xC8, bars=[(0, 1, 16 << 20, 0x1000)])
write("ptcheck", 4, bytes([2, 2, 0]) + linux_id + rt0_only + devices(nic) + devices(nic_on_ram))


# Lean decoding (bit 7 of the first byte) reads the same fields but maps bytes to valid values
# only (string b -> strings[2 + b % 10], kinds and access from 1, lists from one entry, a BAR's
# size from its shape byte): mutants of a lean table stay near-good, so the oracle runs often.
def lean_part(name, kind, module, initrd, cmdline, cpus, regions, ports):
    b = bytes([name - 2, kind - 1, module - 2, initrd - 2, cmdline - 2, 0])
    b += bytes([len(cpus) - 1, 0]) + bytes(cpus) + bytes([len(regions) - 1, 0])
    for phys, size, guest, access, rkind in regions:
        b += phys + size + guest + bytes([access - 1, rkind - 1])
    b += bytes([len(ports), 0])
    for base, count in ports:
        b += struct.pack("<HB", base, count - 1)
    return b


def lean_device(kind, name, irq, flags=0, bdf=0, ports=(0, 0), bars=()):
    b = bytes([flags | len(bars) << 2, kind - 1, name - 2, irq])
    b += struct.pack("<H", bdf) if kind == 1 else struct.pack("<HB", ports[0], ports[1] - 1)
    for idx, bkind, shape, base in bars:  # size: 4 KiB << shape (memory), 4 << shape (I/O)
        b += bytes([idx, bkind, shape]) + (struct.pack("<H", base) if bkind == 2 else addr_raw(base))
    return b


lean_linux = lean_part(2, 1, 2, 6, 10, [1, 2], [(addr_mib(32), addr_mib(128), addr_mib(32), 7, 1)],
                       [(0x70, 2)])
lean_rt0 = lean_part(3, 2, 3, 6, 10, [3], [(addr_mib(16), addr_mib(2), addr_pages(0), 7, 1)], [])
lean_nic = lean_device(1, 10, 11, bdf=0xC8, bars=[(0, 1, 5, 0xFEBC0000), (2, 2, 4, 0xC000)])
lean_com2 = lean_device(2, 10, 3, ports=(0x2F8, 8))
write("ptcheck", 5, bytes([0x82, 0, 0]) + lean_linux + lean_rt0 + bytes([1, 0]) + lean_nic +
      bytes([1, 0]) + lean_com2)


# Channels come after every partition's devices: a count byte, a count-as-filled byte, then
# each channel: name, two ends, then a memory byte below 0x80 (copy the range of that region
# of end[0]'s partition) or 0x80 and two addresses. An end: partition byte (below 0x80: that
# partition, by index), access, vector (lean one byte, 0x20 + b; else u16), CPU byte (lean:
# 0 or the partition's cpus[b - 1]; else the APIC ID).
def lean_end(part, access, vector, cpu=0):
    return bytes([part, 1 if access == 3 else 0, vector - 0x20, cpu])


def end(part, access, vector, apic=0):
    return bytes([part, access]) + struct.pack("<H", vector) + bytes([apic])


# rt0 writes a channel "x" of two pages, rt1 (on APIC IDs 2 and 3, the doorbell on 3) reads it.
lean_rt0_ch = lean_part(3, 2, 3, 6, 10, [1], [(addr_mib(16), addr_mib(2), addr_pages(0), 7, 1),
                                              (addr_mib(24), addr_pages(2), addr_pages(0x400), 3, 2)], [])
lean_rt1_ch = lean_part(4, 2, 4, 6, 10, [2, 3], [(addr_mib(20), addr_mib(2), addr_pages(0), 7, 1),
                                                 (addr_mib(24), addr_pages(2), addr_pages(0x800), 1, 2)], [])
write("ptcheck", 6, bytes([0x82, 0, 0]) + lean_rt0_ch + lean_rt1_ch + bytes([0, 0, 0, 0]) +
      bytes([1, 0, 8]) + lean_end(0, 3, 0x40) + lean_end(1, 1, 0x41, 2) + bytes([1]))
# The same without lean decoding, where every field's byte may take any value.
rt0_ch = part(3, 2, 3, 0, 1, [1], [(addr_mib(16), addr_mib(2), addr_pages(0), 7, 1),
                                   (addr_mib(24), addr_pages(2), addr_pages(0x400), 3, 2)], [])
rt1_ch = part(4, 2, 4, 0, 1, [2, 3], [(addr_mib(20), addr_mib(2), addr_pages(0), 7, 1),
                                      (addr_mib(24), addr_pages(2), addr_pages(0x800), 1, 2)], [])
write("ptcheck", 7, bytes([2, 3, 0]) + rt0_ch + rt1_ch + bytes([0, 0, 0, 0]) +
      bytes([1, 0, 10]) + end(0, 3, 0x40) + end(1, 1, 0x41, 3) + bytes([1]))
# Three tables refused by one channel rule each, whose mutants are otherwise far apart: two
# channels of one pair over one memory; a third partition sharing a page of a channel; a
# partition on five channels (each of its own page), one more than its information page lists.
write("ptcheck", 8, bytes([0x82, 0, 0]) + lean_rt0_ch + lean_rt1_ch + bytes([0, 0, 0, 0]) +
      bytes([2, 0]) + bytes([8]) + lean_end(0, 3, 0x40) + lean_end(1, 1, 0x41) + bytes([1]) +
      bytes([4]) + lean_end(1, 1, 0x42) + lean_end(0, 3, 0x43) + bytes([1]))
lean_third = lean_part(2, 2, 10, 6, 10, [4], [(addr_mib(28), addr_mib(2), addr_pages(0), 7, 1),
                                              (addr_pages(0x1801), addr_pages(1), addr_pages(0x400), 1, 2)], [])
write("ptcheck", 9, bytes([0x83, 0, 0]) + lean_rt0_ch + lean_rt1_ch + lean_third + bytes([0] * 6) +
      bytes([1, 0, 8]) + lean_end(0, 3, 0x40) + lean_end(1, 1, 0x41) + bytes([1]))
rt0_5 = part(3, 2, 3, 0, 1, [1], [(addr_mib(16), addr_mib(2), addr_pages(0), 7, 1)] +
             [(addr_pages(0x1800 + i), addr_pages(1), addr_pages(0x400 + i), 3, 2) for i in range(5)], [])
rt1_5 = part(4, 2, 4, 0, 1, [2], [(addr_mib(20), addr_mib(2), addr_pages(0), 7, 1)] +
             [(addr_pages(0x1800 + i), addr_pages(1), addr_pages(0x800 + i), 1, 2) for i in range(5)], [])
write("ptcheck", 10, bytes([2, 3, 0]) + rt0_5 + rt1_5 + bytes([0, 0, 0, 0]) + bytes([5, 0]) +
      b"".join(bytes([name]) + end(0, 3, 0x40) + end(1, 1, 0x41) + bytes([1 + i])
               for i, name in enumerate([2, 3, 4, 6, 10])))
# seed 6 with rt0 turned Linux (kind byte 0, lean): a Linux end, whose vector and CPU lean
# decoding leaves 0, on a two-page channel at guest 0x400000, aligned to its size. It passes,
# so the oracle's Linux-end rules run from the first input.
lean_linux_ch = lean_part(3, 1, 3, 6, 10, [1], [(addr_mib(16), addr_mib(2), addr_pages(0), 7, 1),
                                                (addr_mib(24), addr_pages(2), addr_pages(0x400), 3, 2)], [])
write("ptcheck", 11, bytes([0x82, 0, 0]) + lean_linux_ch + lean_rt1_ch + bytes([0, 0, 0, 0]) +
      bytes([1, 0, 8]) + lean_end(0, 3, 0x40) + lean_end(1, 1, 0x41, 2) + bytes([1]))

# ---- Exit handlers: fuzz_vmexit.c's decoding --------------------------------------------------
# Byte 0: bits 0-1 partition (0: CPUs with APIC IDs 1, 2, 5; 1: 3, 0x100; 2: 7), bits 5-7 TSC
# frequency; byte 1: two bits per CPU of the partition (0 first CPU, 1 started by SIPI, 2 waiting
# for SIPI, 3 started with an INIT pending). Then one 64-byte record per exit (struct exit_rec).
R_CPUID, R_IO, R_CR, R_RDMSR, R_WRMSR, R_XSETBV, R_VMCALL = 0, 2, 4, 7, 8, 12, 14
R_INIT, R_SIPI, R_EXCEPTION = 22, 24, 26
M_REAL, M_PROT16, M_PROT32, M_COMPAT, M_LONG64, M_V86 = range(6)


def exit_rec(reason, cpu=0, keep=False, mode=M_PROT32, flags=0, cr0_bits=0, intr=0, cr4_bits=0,
             rip=0x100000, rflags=0, segs=0x20, qual=0, a=0, b=0, c=0, event=0, length=2, ret=0,
             vflags=0, dict_bits=0):
    return struct.pack("<BBHBBBBIQHHQQQQIBBBB", cpu | (8 if keep else 0), reason, 0, mode, flags,
                       cr0_bits, intr, cr4_bits, rip, rflags, segs, qual, a, b, c, event, length - 1,
                       ret, vflags, dict_bits)


def vmexit(partition, states, *recs):
    return bytes([partition, states]) + b"".join(recs)


write("vmexit", 0, vmexit(0, 0x28, exit_rec(R_CPUID, a=1)))
# INIT from CPU 0 to APIC 2 (a started sibling), its NMI exit, SIPI vector 0x10, CPUID there.
write("vmexit", 1, vmexit(0, 0x24, exit_rec(R_WRMSR, a=0x4500, b=0, c=0x100),
                          exit_rec(R_EXCEPTION, cpu=1, mode=M_LONG64, event=0),
                          exit_rec(R_WRMSR, a=0x4610, b=0, c=0x100),
                          exit_rec(R_SIPI, cpu=1, qual=0x10),
                          exit_rec(R_CPUID, cpu=1, keep=True, a=0xd)))
write("vmexit", 2, vmexit(1, 0x00, exit_rec(R_IO, mode=M_LONG64, qual=0x8, ret=0x41)))
# Paging on with EFER.LME and CR4.PAE: into IA-32e mode.
write("vmexit", 3, vmexit(2, 0x00, exit_rec(R_CR, flags=0x20, cr4_bits=0x20, a=0x1)))
write("vmexit", 4, vmexit(0, 0x00, exit_rec(R_XSETBV, mode=M_LONG64, a=2),
                          exit_rec(R_WRMSR, a=0x700, b=4)))
# An #AC exit during the delivery of another event, with #DB and #AC intercepted.
write("vmexit", 5, vmexit(0, 0x00, exit_rec(R_EXCEPTION, mode=M_PROT32, flags=3, event=0x1111)))
write("vmexit", 6, vmexit(1, 0x00, exit_rec(R_VMCALL, mode=M_LONG64, flags=3, a=1),
                          exit_rec(R_VMCALL, mode=M_LONG64, a=2)))
# Writes to the x2APIC that a real one answers with #GP: an APIC without CMCI and thermal
# LVTs (max LVT entry 4), a write to each, one to the performance LVT it has (NMI), an ICR
# write with reserved bit 12 (delivery status, not an x2APIC bit).
write("vmexit", 7, vmexit(0, 0x80, exit_rec(R_WRMSR, a=0x10000, b=1),
                          exit_rec(R_WRMSR, a=0x400, b=2),
                          exit_rec(R_WRMSR, a=0x400, b=3),
                          exit_rec(R_WRMSR, a=0x200001030, b=0, dict_bits=2)))
