#!/usr/bin/env python3
"""Writes the seed corpora under tests/fuzz/corpus/<target>/ (small, hand-made inputs in
each target's input format; see the comment at the top of each fuzz_<target>.c).
Run from the repository root: python3 tests/fuzz/make_seeds.py"""
import os
import struct

OUT = "tests/fuzz/corpus"


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def loader_in(flags, isize, image):
    return bytes([flags]) + struct.pack("<I", isize)[:3] + image


# --- multiboot: a.out kludge image, ELF32 image with the header in its first 8 KiB
MB_MAGIC = 0x1BADB002


def mb_header(flags, *addrs):
    return struct.pack("<III", MB_MAGIC, flags, (-(MB_MAGIC + flags)) & 0xFFFFFFFF) + \
        struct.pack("<" + "I" * len(addrs), *addrs)


aout = mb_header(0x00010003, 0x100000, 0x100000, 0x100200, 0x101000, 0x100040)
aout = aout.ljust(0x200, b"\x90")


def elf32(entry, paddr, body):
    ehdr = struct.pack("<4sBBBBB7sHHIIIIIHHHHHH", b"\x7fELF", 1, 1, 1, 0, 0, b"\0" * 7,
                       2, 3, 1, entry, 52, 0, 0, 52, 32, 1, 40, 0, 0)
    off = 52 + 32
    phdr = struct.pack("<IIIIIIII", 1, off, paddr, paddr, len(body), len(body) + 0x1000, 7,
                       0x1000)
    return ehdr + phdr + body


mb_elf = elf32(0x100010, 0x100000, mb_header(0x3).ljust(0x100, b"\xf4"))
put("loader_multiboot", "aout-kludge", loader_in(0x01, 0, aout))
put("loader_multiboot", "aout-modules", loader_in(0x05, 0x3000, aout))
put("loader_multiboot", "elf32", loader_in(0x03, 0x1234, mb_elf))

# --- bzImage: boot protocol 2.15, setup_sects 1, 64-bit entry
bz = bytearray(0x400 + 0x400)
bz[0x1F1] = 1                                    # setup_sects
struct.pack_into("<H", bz, 0x1FE, 0xAA55)
bz[0x201] = 0x66                                 # jump: header ends at 0x268
bz[0x202:0x206] = b"HdrS"
struct.pack_into("<H", bz, 0x206, 0x020F)
bz[0x211] = 0x01                                 # LOADED_HIGH
struct.pack_into("<I", bz, 0x22C, 0x37FFFFFF)    # initrd_addr_max
struct.pack_into("<H", bz, 0x236, 0x0003)        # XLF_KERNEL_64 | CAN_BE_LOADED_ABOVE_4G
struct.pack_into("<I", bz, 0x238, 2048)          # cmdline_size
struct.pack_into("<I", bz, 0x260, 0x20000)       # init_size
old = bytearray(bz)
struct.pack_into("<H", old, 0x206, 0x0206)
put("loader_bzimage", "v2.15", loader_in(0x03, 0x2000, bytes(bz)))
put("loader_bzimage", "v2.06", loader_in(0x01, 0, bytes(old)))
put("loader_bzimage", "two-initrds", loader_in(0x05, 0x100, bytes(bz)))

# --- ELF64 direct boot
def elf64(entry, paddr, body, memextra=0x1000):
    ehdr = struct.pack("<4sBBBBB7sHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0, b"\0" * 7,
                       2, 62, 1, entry, 64, 0, 0, 64, 56, 1, 64, 0, 0)
    off = 64 + 56
    phdr = struct.pack("<IIQQQQQQ", 1, 7, off, paddr, paddr, len(body), len(body) + memextra,
                       0x1000)
    return ehdr + phdr + body


put("loader_elf64", "simple", loader_in(0x01, 0, elf64(0x200000, 0x200000, b"\xf4" * 64)))
put("loader_elf64", "initrd", loader_in(0x03, 0x4000, elf64(0x1000000, 0x1000000, b"\xf4" * 16)))
put("loader_elf64", "no-e820", loader_in(0x08, 0, elf64(0x200000, 0x200000, b"\xf4" * 16)))

# --- cli: NUL-separated argv
for i, args in enumerate([
    ["-m", "64", "-smp", "2", "-cpu", "host,hv-windows", "-nographic", "-kernel", "k.elf"],
    ["-smp", "4,sockets=2,cores=2,threads=1,maxcpus=4", "-m", "2G", "-kernel", "k"],
    ["-accel", "kvm,hv-backend=user", "-cpu", "host,hv-relaxed,hv-vapic,hv-time,hv-stimer",
     "-kernel", "k"],
    ["-device", "isa-debug-exit,iobase=0xf4,iosize=4", "--timeout", "10", "-kernel", "k"],
    ["-uuid", "01234567-89ab-cdef-0123-456789abcdef", "-serial", "file:/tmp/x", "-kernel", "k"],
    ["-machine", "q35,kernel-irqchip=on", "-initrd", "a,b", "-append", "x=1", "-kernel", "k"],
    ["-cpu", "host,hv-passthrough,hv-spinlocks=0x1fff,hv-vendor-id=abc", "-kernel", "k"],
    ["--probe"], ["-cpu", "help"], ["-m", "size=128M", "-kernel", "k", "-no-reboot"],
]):
    put("cli", "args%02d" % i, b"\0".join(a.encode() for a in args))

# --- hypercalls: 25-byte records (control, input GPA, output GPA, feature byte)
def hc(ctl, ing, outg, feat=0xFF):
    return struct.pack("<QQQB", ctl, ing, outg, feat)


put("hv_hypercall", "known-calls",
    hc(0x0002, 0x1000, 0x2000) + hc(0x0003 | 1 << 16, 0, 0) + hc(0x0008 | 1 << 16, 5, 0) +
    hc(0x0013 | 3 << 32, 0x3000, 0x4000) + hc(0x005c, 0x1008, 0x2ff8) + hc(0x8001, 0, 0))
put("hv_hypercall", "bad-controls",
    hc(0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFF000, 7) + hc(0x0014 | 0xFFF << 32 | 0xFFF << 48, 1, 2) +
    hc(0x005d | 5 << 17, 0x1FFFFF8, 0x2000000, 0))

# --- Hyper-V MSRs: features, TSC kHz, then (kind, selector, value) records
def msr(kind, idx, val):
    return struct.pack("<BHQ", kind, idx, val)


seq = struct.pack("<QI", 0xFFFFFFFFFFFFFFFF, 2600000)
seq += msr(1, 0x00, 0x8100000000000000) + msr(1, 0x01, 0x10001) + msr(0, 0x01, 0)
seq += msr(1, 0x21, 0x20001) + msr(0, 0x20, 0) + msr(1, 0x83, 0x30001) + msr(1, 0x82, 0x31001)
seq += msr(1, 0x80, 1) + msr(1, 0x90, 0x40) + msr(1, 0xB1, 1000) + msr(1, 0xB0, 0x1000B)
seq += msr(0, 0xB0, 0) + msr(1, 0x73, 0x1FFF001) + msr(1, 0x105, 0) + msr(5, 0x03, 0)
put("hv_msr", "enable-everything", seq)
put("hv_msr", "pages-outside-ram", struct.pack("<QI", 0xFFFF, 0) +
    msr(1, 0x01, 0xFFFFF001) + msr(1, 0x21, 0xFFFF0001) + msr(1, 0x83, 0x2000001) +
    msr(3, 0x1234, 5) + msr(0, 0x10, 0) + msr(0, 0x22, 0))

# --- port/MMIO sequences: (op, offset, data) records; op bit 0 write, bits 1-3 size
def acc(op, off, val):
    return struct.pack("<BHI", op, off, val)


# fw_cfg window 0x510..0x51B: select, read data, DMA address (big-endian halves)
desc = struct.pack(">IIQ", 0x0002 | 0x0008 | (0x19 << 16), 64, 0x3000) + b"\0"  # + where byte
fw = acc(0x03, 0, 0x0000) + acc(0x00, 1, 0) + acc(0x00, 1, 0) + acc(0x03, 0, 0x19) + acc(0x00, 1, 0)
fw += bytes([0xFF]) + desc[:15] + bytes([0]) + acc(0x05, 4, 0) + acc(0x05, 8, 0x00100000)
fw += acc(0x04, 4, 0) + acc(0x04, 8, 0)
put("fw_cfg", "select-read-dma", fw)
put("fw_cfg", "dma-bad", bytes([0xFF]) + struct.pack(">IIQ", 0x12, 0xFFFFFFFF, 0xFFFFFFFFFFFF0000)[:15] +
    bytes([2]) + acc(0x05, 4, 0) + acc(0x05, 8, 0xF8FF0100))

# UART 0x3F8..0x3FF: LCR DLAB, divisor, 8N1, FIFO, IER, MCR loopback, THR, reads
ua = acc(0x01, 3, 0x80) + acc(0x01, 0, 1) + acc(0x01, 1, 0) + acc(0x01, 3, 0x03)
ua += acc(0x01, 2, 0xC7) + acc(0x01, 1, 0x0F) + acc(0x01, 4, 0x0B) + acc(0x01, 0, 0x41)
ua += acc(0x00, 5, 0) + acc(0x00, 2, 0) + bytes([0xFE, 20]) + acc(0x00, 0, 0)
ua += acc(0x01, 4, 0x10) + acc(0x01, 0, 0x42) + acc(0x00, 0, 0) + acc(0x00, 6, 0)
put("serial", "init-loopback-input", ua)

# CMOS 0x70/0x71: time, register A/B (periodic, alarm, update), NVRAM
cm = b""
for reg in (0, 2, 4, 6, 7, 8, 9, 0x0A, 0x0B, 0x0C, 0x0D, 0x32, 0x34, 0x35, 0x5B):
    cm += acc(0x01, 0, reg) + acc(0x00, 1, 0)
cm += acc(0x01, 0, 0x0A) + acc(0x01, 1, 0x26) + acc(0x01, 0, 0x0B) + acc(0x01, 1, 0x72)
cm += bytes([0xFF]) + struct.pack("<HI", 0, 0x1000) + acc(0x01, 0, 0x0C) + acc(0x00, 1, 0)
cm += acc(0x01, 0, 0x80 | 0x50) + acc(0x01, 1, 0xAB) + acc(0x05, 0, 0x0B0B)
put("cmos", "registers-periodic", cm)

# PCI: op bit 5 port I/O (bit 4: 0xCF8 window, else PM block), else ECAM
def pci(op, sel, val):
    return struct.pack("<BII", op, sel, val)


pc = pci(0x35, 0, 0x80000000) + pci(0x34, 4, 0) + pci(0x35, 0, 0x8000F800) + pci(0x34, 4, 0)
pc += pci(0x35, 0, 0x8000F840) + pci(0x35, 4, 0x601) + pci(0x35, 0, 0x8000F844) + pci(0x31, 4, 0x80)
pc += pci(0x04, 0, 0) + pci(0x04, 0x60, 0) + pci(0x05, 0x60, 0xE0000001) + pci(0x04, 0xF8000, 0)
pc += pci(0x0E, 0xF8040, 0) + pci(0x14, 0x1000000, 0) + pci(0x20, 8, 0) + pci(0x23, 4, 0x2000)
put("pci", "cf8-ecam-pm", pc)

# hv_hcall_exec: features (8), VP count (2), flags (bit 0 XMM input), XMM0-5 (96), then
# calls: RCX, RDX, R8, RAM word (8 each), selector (bit 0: RDX -> a RAM page of the bytes
# that follow)
FAST = 1 << 16
ALL_FEATURES = (1 << 21) - 1


def hx_head(nvps=4, xmm=1):
    return struct.pack("<QHB", ALL_FEATURES, nvps, xmm) + bytes(range(96))


def hx(rcx, rdx=0, r8=0, word=0, sel=0, page=b""):
    return struct.pack("<QQQQB", rcx, rdx, r8, word, sel) + page


hf = hx_head()
hf += hx(0x0B | FAST, 0x30, 0xF)                    # HvSendSyntheticClusterIpi, vector 0x30
hf += hx(0x0B | FAST, 0x05, 0xF)                    # vector below 16
hf += hx(0x02 | FAST, 0x1000, 1)                    # flush address space, all processors
hf += hx(0x5D | FAST, 1)                            # HvSignalEvent connection 1
hf += hx(0x5D | FAST, 2 | (1 << 16))                # flag number 1: INVALID_PORT_ID
hf += hx(0x08, 0x10)                                # HvNotifyLongSpinWait
hf += hx(0x8001, 0x2000, 0x3000)                    # HvExtCallQueryCapabilities
hf += hx(0x1234 | (3 << 32), 0, 0)                  # unknown, with reps
put("hv_hcall_exec", "fast-calls", hf)
post = struct.pack("<IIII", 1, 0, 1, 16) + bytes(range(16))
ipi_ex = struct.pack("<IIQQQ", 0x40, 0, 0, 1, 0xF)  # vector, sparse set, bank 0 = VPs 0-3
flush_list = struct.pack("<QQQ", 0x5000, 0, 0xF) + struct.pack("<Q", 0x7000) * 4
hs = hx_head(8, 0)
hs += hx(0x5C, 0x100000, 0, 0, 1, post)             # HvPostMessage, slow
hs += hx(0x15 | (1 << 17), 0x200000, 0, 0, 1, ipi_ex)   # IPI Ex, one bank
hs += hx(0x03 | (4 << 32), 0x300000, 0, 0, 1, flush_list)  # flush list, 4 reps
hs += hx(0x5C, 0x100FF8, 0, 0)                      # input block crosses a page
hs += hx(0x5C, 0x100004, 0, 0)                      # misaligned
hs += hx(0x5C, 0xFFFFF000, 0, 0)                    # not in RAM
put("hv_hcall_exec", "slow-blocks", hs)


# hv_synic: op, selector (2), value (8), time step (4), message seed (5: type, size)
def sy(op, sel=0, val=0, step=0, mtype=0, msize=0):
    return struct.pack("<BHQI", op, sel, val, step) + struct.pack("<IB", mtype, msize)


sn = sy(0, 0, 1) + sy(1, 0, 1) + sy(2, 0, 3) + sy(3, 2, 0x30) + sy(3, 5, 0x31 | (1 << 17))
sn += sy(4, 2, 0x99, 10, 1, 16) + sy(4, 2, 0x99, 10, 2, 240) + sy(4, 2, 0, 0, 3, 8)
sn += sy(6, 2) + sy(6, 2) + sy(8, 2, 5) + sy(8, 2, 5) + sy(8, 5, 2047) + sy(14, 5)
sn += sy(5, 5, 1, 0, 7, 4) + sy(12, 0x40, 0xFFFFFFFF) + sy(7, 2)
put("hv_synic", "messages-events", sn)
STIMER_PERIODIC_SINT2 = 1 | 2 | (2 << 16)
STIMER_DIRECT = 1 | (0x40 << 4) | (1 << 12)
st = sy(0, 0, 1) + sy(1, 0, 1) + sy(3, 2, 0x30)
st += sy(9, 0, STIMER_PERIODIC_SINT2) + sy(10, 0, 10000) + sy(11, 0, 0, 10000)
st += sy(11, 0, 0, 25000) + sy(6, 2) + sy(11, 0, 0, 10000)
st += sy(10, 1, 50000) + sy(9, 1, 8 | (2 << 16)) + sy(11, 1, 0, 60000)   # auto-enable one-shot
st += sy(9, 2, STIMER_DIRECT, 0, 1) + sy(10, 2, 300) + sy(11, 2, 0, 400)
st += sy(9, 3, STIMER_DIRECT, 0, 0) + sy(9, 3, 1 << 40) + sy(13) + sy(11, 0, 0, 1)
put("hv_synic", "stimers", st)

# qmp: JSON texts split at NUL bytes
qm = [b'{"execute": "qmp_capabilities"}', b'{"execute": "query-status"}',
      b'{"execute": "query-cpus-fast", "id": 7}', b'{"execute": "query-version"}',
      b'{"execute": "query-kvm"}', b'{"execute": "query-hyperv"}', b'{"execute": "stop"}',
      b'{"execute": "cont"}', b'{"execute": "system_reset"}',
      b'{"execute": "system_powerdown"}', b'{"execute": "quit"}']
put("qmp", "every-command", b"\0".join(qm))
put("qmp", "split-and-bad", b'{"exec\0ute": "qmp_capabilities"}{"execute": "nosuch"}\0'
    b'{"execute": "stop", "arguments": {"x": 1}}\0[1, 2]\0"str"\0{"execute": 5}\0}}}\0'
    b'{"arguments": {}}\0{"execute": "query-status", "id": {"a": [1, {"b": null}]}}')
put("qmp", "before-capabilities", b'{"execute": "query-status"}\0{"execute": "quit"}')


# acpi: sockets-1, dies-1, cores-1, threads-1, vCPUs (2), RAM pages (4), UUID flag, UUID,
# then -smbios type=1 strings separated by NUL
def ac(s, d, c, t, cpus, ram_mib, strs=b"", uuid_flag=0):
    return struct.pack("<BBBBHIB", s - 1, d - 1, c - 1, t - 1, cpus - 1, ram_mib << 8,
                       uuid_flag) + bytes(range(16)) + strs


put("acpi", "one-cpu", ac(1, 1, 1, 1, 1, 64))
put("acpi", "smp-4x2x2-highmem", ac(4, 1, 2, 2, 16, 4096, b"ACME\0Box\0v1\0serial-42", 1))
put("acpi", "dies-partial", ac(2, 2, 3, 1, 10, 3000, b"\0\0\0" + b"x" * 64))
put("acpi", "many-cpus", ac(16, 1, 64, 4, 300, 2048, b"a" * 65))
