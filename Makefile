# enlight — build, test and run.
#
# Three layers (shared/STYLE.md §"What to absorb" 1):
#   pure  : logic with no syscalls (bus, devices, loaders, CPUID, Hyper-V math, ACPI builders)
#   kvm   : vmm/kvm.c, one wrapper per ioctl, all funnelled through kvm_sys_ioctl()
#   glue  : threads, /dev/kvm, main()  (GLUE_SRCS)
# Unit tests link pure + kvm.c + a recording fake of kvm_sys_ioctl, never the glue.

CC      ?= gcc
BUILD   ?= build
WERROR  ?= 1
OPT     ?= -O2

WARN := -Wall -Wextra -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
        -Wold-style-definition -Wshadow -Wundef -Wpointer-arith -Wwrite-strings \
        -Wvla -Wimplicit-fallthrough -Wnull-dereference -Wcast-qual \
        -Wno-missing-field-initializers
ifeq ($(WERROR),1)
WARN += -Werror
endif

CPPFLAGS += -I. -D_GNU_SOURCE
CFLAGS   += -std=gnu11 $(OPT) -g $(WARN) -pthread -MMD -MP
LDFLAGS  += -pthread
LDLIBS   += -luuid -ljson-c
LDLIBS   += -lseccomp # vmm/sandbox.c

# Files that own threads, signals, real ioctls or main(): never linked into unit tests.
GLUE_SRCS := vmm/main.c vmm/kvm_sys.c vmm/vcpu.c vmm/vm.c vmm/machine_q35.c \
             vmm/cpu_setup.c vmm/tool_cpuid.c vmm/tool_tsc.c vmm/qmp.c vmm/gdbstub.c
GLUE_SRCS += vmm/vm_signal.c # the SIGINT/SIGTERM thread

ALL_SRCS  := $(sort $(wildcard vmm/*.c vmm/dev/*.c vmm/loader/*.c hyperv/*.c acpi/*.c))
PURE_SRCS := $(filter-out $(GLUE_SRCS),$(ALL_SRCS))
PURE_OBJS := $(PURE_SRCS:%.c=$(BUILD)/%.o)
GLUE_OBJS := $(GLUE_SRCS:%.c=$(BUILD)/%.o)

# ACPI: ASL compiled by iasl into a C array (acpi/dsdt.asl -> build/acpi/dsdt_aml.c).
ASL_SRCS := $(wildcard acpi/*.asl)
ASL_C    := $(ASL_SRCS:acpi/%.asl=$(BUILD)/acpi/%_aml.c)
ASL_OBJS := $(ASL_C:.c=.o)

UNIT_SRCS  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_HELP  := $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c))
UNIT_HOBJS := $(UNIT_HELP:%.c=$(BUILD)/%.o)

LIB := $(BUILD)/libenlight.a

.PHONY: all run test unit e2e asan clean deps firmware bench test-nested
all: $(BUILD)/enlight firmware

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/acpi/%_aml.c: acpi/%.asl
	@mkdir -p $(dir $@)
	iasl -p $(BUILD)/acpi/$* -tc $< >$(BUILD)/acpi/$*.iasl.log 2>&1 || { cat $(BUILD)/acpi/$*.iasl.log; exit 1; }
	sed -e 's/unsigned char \([A-Za-z_]*\)_aml_code\[\]/const unsigned char acpi_$*_aml[]/' \
	    $(BUILD)/acpi/$*.hex >$@
	echo 'const unsigned int acpi_$*_aml_len = sizeof(acpi_$*_aml);' >>$@

$(BUILD)/acpi/%_aml.o: $(BUILD)/acpi/%_aml.c
	$(CC) $(CPPFLAGS) -std=gnu11 -c -o $@ $<

$(LIB): $(PURE_OBJS) $(ASL_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/enlight: $(GLUE_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(GLUE_OBJS) $(LIB) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(UNIT_HOBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-cast-qual -Wno-write-strings -Itests/unit -o $@ $< $(UNIT_HOBJS) $(LIB) $(LDLIBS) -lcmocka

firmware:
	$(MAKE) -C firmware BUILD=$(abspath $(BUILD))/firmware

# Debian packages the build and the tests need; installed only when missing.
DEB_PKGS := gcc make linux-libc-dev uuid-dev acpica-tools libcmocka-dev binutils libjson-c-dev gdb python3
DEB_PKGS += libseccomp-dev # vmm/sandbox.c
DEB_PKGS += seabios        # tests/e2e/cases/50-acpi.sh boots bios-256k.bin
DEB_PKGS += qemu-system-data # linuxboot_dma.bin: -bios with -kernel (vmm/bios_linux.c)
deps:
	@missing=""; for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

run: deps
	$(MAKE) all
	$(BUILD)/enlight -machine q35 -cpu host,hv-windows -smp 2 -m 64 -nographic \
	    -device isa-debug-exit,iobase=0xf4,iosize=0x4 -device hyperv-testdev --timeout 20 \
	    -kernel $(BUILD)/firmware/demo.elf -append testdev; st=$$?; \
	  echo "enlight exited with status $$st (1: every guest check passed, 3: some failed)"; \
	  [ $$st -eq 1 ]

unit: $(UNIT_BINS)
	@pass=0; fail=0; for t in $(UNIT_BINS); do \
	  if $$t; then pass=$$((pass+1)); else fail=$$((fail+1)); echo "FAILED: $$t"; fi; done; \
	  echo "unit test programs: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

# Hand-written test kernels for the loader paths the firmware payloads do not take
# (tests/e2e/images/*.S): plain ELF64, bzImage, multiboot with modules.
E2E_IMG := $(BUILD)/e2e-images
E2E_IMAGES := $(E2E_IMG)/elf64_direct.elf $(E2E_IMG)/bzimage_stub.bin $(E2E_IMG)/multiboot_mods.elf
$(E2E_IMG)/%.o: tests/e2e/images/%.S
	@mkdir -p $(dir $@)
	$(CC) $(if $(filter multiboot%,$*),-m32) -c -o $@ $<
$(E2E_IMG)/elf64_direct.elf: $(E2E_IMG)/elf64_direct.o
	ld -N -m elf_x86_64 -Ttext=0x200000 -e _start -o $@ $<
$(E2E_IMG)/multiboot_mods.elf: $(E2E_IMG)/multiboot_mods.o
	ld -N --no-warn-rwx-segments -m elf_i386 -Ttext=0x100000 -e _start -o $@ $<
$(E2E_IMG)/bzimage_stub.bin: $(E2E_IMG)/bzimage_stub.o
	objcopy -O binary -j .text $< $@

e2e: all $(E2E_IMAGES)
	bash tests/e2e/run.sh $(BUILD)

# The nested full-KVM run (shared/TEST-ENVIRONMENTS.md section 2): the e2e suite inside a
# TCG-emulated Linux whose KVM has in-kernel Hyper-V, with hv-backend=kernel and user.
test-nested: all $(E2E_IMAGES)
	bash tests/nested/run.sh $(BUILD)

# The e2e suite with enlight under valgrind's memcheck: an invalid access or a definite leak
# makes enlight exit 99 and fails its case. --sandbox=off: the seccomp filter would refuse
# valgrind's own system calls in the vCPU threads. Cases that drive enlight through their
# own launcher (QMP, gdb) are not wrapped; cases/06-wrapper.sh skips the timing ones.
VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
.PHONY: valgrind
valgrind: all $(E2E_IMAGES)
	@rm -rf $(BUILD)/valgrind && mkdir -p $(BUILD)/valgrind
	@ENLIGHT_EXTRA_ARGS="--sandbox=off $(ENLIGHT_EXTRA_ARGS)" \
	ENLIGHT_WRAPPER="$(VALGRIND) --log-file=$(abspath $(BUILD))/valgrind/vg.%p.log" \
	    bash tests/e2e/run.sh $(BUILD); st=$$?; \
	for f in $(BUILD)/valgrind/vg.*.log; do \
	    grep -qE "Invalid|uninitialised|definitely lost|ERROR SUMMARY: [1-9]" $$f && \
	        { echo "== $$f"; head -40 $$f; st=1; }; \
	done; exit $$st

# README's table of bad inputs, from the list the e2e case runs (tests/e2e/bad_inputs.sh).
.PHONY: bad-inputs-table
bad-inputs-table:
	bash tests/e2e/bad_inputs.sh --update README.md

test: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) fuzz-regress
	$(MAKE) e2e

asan:
	$(MAKE) BUILD=build/asan OPT="-O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	    LDFLAGS="-pthread -fsanitize=address,undefined" unit fuzz-regress e2e

bench: all
	bash bench/run.sh $(BUILD)

# The Linux guest (tests/linux): a minimal Linux 6.1 built once into $(BUILD)/linux from
# Debian's linux-source (about 10 minutes on 2 cores), booted as a Hyper-V guest and checked
# by its own report. Not part of `make test`: see tests/linux/README.md.
.PHONY: test-linux
test-linux: all
	bash tests/linux/run.sh $(BUILD)

clean:
	rm -rf $(BUILD)

include tests/fuzz/fuzz.mk

# Only our own objects' dependency files (build/ also holds other trees, e.g. build/linux).
-include $(wildcard $(PURE_OBJS:.o=.d) $(GLUE_OBJS:.o=.d) $(UNIT_HOBJS:.o=.d) $(UNIT_BINS:=.d))
