# libFuzzer targets (tests/fuzz/README.md), included by the top-level Makefile.
#
#   make fuzz            build with clang + libFuzzer + ASan/UBSan, run each target for
#                        FUZZ_SECONDS (default 30) from its committed seed corpus
#   make fuzz-regress    replay every committed corpus file and crash reproducer through
#                        the targets built with $(CC) (no clang needed); part of make test
#
# A new target is one file tests/fuzz/fuzz_<name>.c defining LLVMFuzzerTestOneInput and
# a seed directory tests/fuzz/corpus/<name>/.

FUZZ_SECONDS ?= 30
FUZZ_CC      ?= clang-14
FUZZ_BUILD   := build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_SRCS    := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES   := $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=%)
FUZZ_BINS    := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/bin/fuzz_%)
FUZZ_REPLAYS := $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz_replay_%)
FUZZ_CFLAGS   = $(CPPFLAGS) -Itests/fuzz -std=gnu11 -g -O1 -fno-omit-frame-pointer \
		$(WARN) -Wno-cast-qual -Wno-write-strings -pthread

.PHONY: fuzz fuzz-build fuzz-regress fuzz-deps

# clang and its libFuzzer runtime, only for make fuzz (make deps stays lean for make run).
FUZZ_PKGS := clang-14 libclang-rt-14-dev
fuzz-deps:
	@missing=""; for p in $(FUZZ_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# The library again, instrumented, by a sub-make whose BUILD is $(FUZZ_BUILD) (where the
# top-level $(LIB) rule builds it). WERROR=0: clang warns about GNU extensions gcc accepts;
# the gcc build (-Werror) is the one that gates the code.
ifneq ($(BUILD),$(FUZZ_BUILD))
$(FUZZ_BUILD)/libenlight.a: FORCE_FUZZ_LIB
	$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) WERROR=0 \
	    OPT="-O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SAN)" \
	    $(FUZZ_BUILD)/libenlight.a
.PHONY: FORCE_FUZZ_LIB
FORCE_FUZZ_LIB:
endif

$(FUZZ_BUILD)/bin/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(FUZZ_BUILD)/libenlight.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< \
	    $(FUZZ_BUILD)/libenlight.a $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

# Each target runs from a scratch copy of its seeds; findings land in build/fuzz/findings/.
# The summary line per target: executions, corpus size, crashes (tests/fuzz/README.md).
fuzz: fuzz-build
	@mkdir -p $(FUZZ_BUILD)/findings; fails=0; \
	for t in $(FUZZ_NAMES); do \
	  work=$(FUZZ_BUILD)/work/$$t; rm -rf $$work; mkdir -p $$work; \
	  cp tests/fuzz/corpus/$$t/* $$work/ 2>/dev/null; \
	  $(FUZZ_BUILD)/bin/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 \
	      -timeout=10 -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/findings/$$t- \
	      $$work >$(FUZZ_BUILD)/findings/$$t.log 2>&1; st=$$?; \
	  execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(FUZZ_BUILD)/findings/$$t.log); \
	  crashes=$$(ls $(FUZZ_BUILD)/findings/$$t-crash-* $(FUZZ_BUILD)/findings/$$t-leak-* \
	      $(FUZZ_BUILD)/findings/$$t-timeout-* 2>/dev/null | wc -l); \
	  echo "fuzz $$t: $${execs:-?} executions in $(FUZZ_SECONDS) s, $$(ls $$work | wc -l) corpus inputs, $$crashes findings (status $$st)"; \
	  if [ $$st -ne 0 ]; then fails=$$((fails+1)); tail -30 $(FUZZ_BUILD)/findings/$$t.log; fi; \
	done; [ $$fails -eq 0 ]

$(BUILD)/tests/fuzz_replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(wildcard tests/fuzz/*.h) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/fuzz $(CFLAGS) -Wno-cast-qual -Wno-write-strings -o $@ \
	    $< tests/fuzz/replay.c $(LIB) $(LDLIBS)

# Seeds and reproducers (tests/fuzz/regress/<target>/) must pass through every target.
fuzz-regress: $(FUZZ_REPLAYS)
	@fail=0; for t in $(FUZZ_NAMES); do \
	  dirs="tests/fuzz/corpus/$$t"; [ -d tests/fuzz/regress/$$t ] && dirs="$$dirs tests/fuzz/regress/$$t"; \
	  $(BUILD)/tests/fuzz_replay_$$t $$dirs || { fail=1; echo "FAILED: fuzz-regress $$t"; }; \
	done; [ $$fail -eq 0 ]
