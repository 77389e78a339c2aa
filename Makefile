# nmt.c build. `make` builds bin/nmt and build/libnmt.a; `make test` runs the suite;
# `make demo` trains a small model on generated dates in a minute or two; `make run`
# trains the book's model and translates (see README.md).
#
# Knobs: CC, OPT (default -O2: baseline x86-64, one binary for every x86-64 CPU;
# the AVX2 and AVX-512 kernels carry target attributes and are chosen at run time,
# src/core/cpu.h), SAN=1 (ASan+UBSan build in build-san/),
# NMT_DATA (corpus folder for tests/run).

CC      ?= cc
OPT     ?= -O2
# Missing Debian build packages are installed (as root) or named in one message.
ifeq ($(filter clean deps,$(MAKECMDGOALS)),)
DEPS_STATUS := $(shell bash tools/install_deps.sh >&2; echo $$?)
ifneq ($(DEPS_STATUS),0)
$(error build packages are missing: see the message above, or run 'make deps' as root)
endif
endif

BLAS_CFLAGS := $(shell pkg-config --cflags openblas 2>/dev/null)
BLAS_LIBS   := $(shell pkg-config --libs openblas 2>/dev/null || echo -lopenblas)
# oneDNN (Debian's libdnnl-dev ships no pkg-config file); its calls are all in src/kernels/gemm_dnnl.c
DNNL_LIBS   := -ldnnl

ifeq ($(SAN),1)
BUILD   := build-san
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
# GCC links ASan and UBSan as two shared runtimes, and then their reports do not
# all go to the log_path through which tests/run_tests.sh collects them: where
# the compiler can, both are linked statically (clang's are static already).
SANLD   := -fsanitize=address,undefined $(shell printf 'int main(void){return 0;}' | $(CC) -fsanitize=address,undefined \
           -static-libasan -static-libubsan -x c - -o /dev/null 2>/dev/null && echo -static-libasan -static-libubsan)
else
BUILD   := build
endif

CFLAGS  := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -fno-math-errno -ffp-contract=off $(OPT) -fopenmp \
           -Iinclude -Isrc $(BLAS_CFLAGS)
LDLIBS  := $(SANLD) -fopenmp $(BLAS_LIBS) $(DNNL_LIBS) -lcurl -lzip -ljansson -lm

# Sources compiled once (float only) and "real-generic" sources compiled twice:
# once for float (production) and once with -DNMT_F64 for the double-precision
# gradient checks (src/core/real.h explains the naming).
GENERIC := $(shell grep -l '"core/real.h"' src/*/*.c)
SOURCES := $(filter-out $(wildcard src/cli/*.c),$(wildcard src/*/*.c))
OBJS    := $(SOURCES:%.c=$(BUILD)/%.o) $(GENERIC:%.c=$(BUILD)/%.f64.o)
CLI     := $(wildcard src/cli/*.c)
CLIOBJS := $(CLI:%.c=$(BUILD)/%.o)
TESTS   := $(wildcard tests/test_*.c)
TESTBIN := $(TESTS:tests/%.c=$(BUILD)/tests/%)

ifeq ($(SAN),1)
NMT     := $(BUILD)/nmt
else
NMT     := bin/nmt
endif

.PHONY: all test demo run chapter clean deps bench check-san fuzz
all: $(NMT) $(BUILD)/libnmt.a

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/%.f64.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DNMT_F64 -MMD -MP -c $< -o $@


$(BUILD)/libnmt.a: $(OBJS)
	@rm -f $@
	ar rcs $@ $^

$(NMT): $(CLIOBJS) $(BUILD)/libnmt.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CLIOBJS) $(BUILD)/libnmt.a $(LDLIBS) -o $@

$(BUILD)/tests/%: tests/%.c tests/check.h tests/fixture.h $(BUILD)/libnmt.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -MMD -MP -MF $@.d $< $(BUILD)/libnmt.a $(LDLIBS) -o $@

# The benchmark's matrix-product program (make bench; tests/cli/bench.sh runs it quickly).
BENCH_GEMM := $(BUILD)/tools/bench_gemm
# -march=native: its FMA-peak loop measures this machine's widest vectors.
$(BENCH_GEMM): tools/bench_gemm.c $(BUILD)/libnmt.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -march=native -MMD -MP -MF $@.d $< $(BUILD)/libnmt.a $(LDLIBS) -o $@

# The whole suite: every tests/test_*.c binary, then the CLI tests. Sanitizer
# reports fail the test that produced them, whatever the exit status of the
# program that printed them (tests/run_tests.sh; check-san is the same under ASan + UBSan).
test: $(NMT) $(TESTBIN) $(BENCH_GEMM)
	@NMT_BIN=$(NMT) BUILD=$(BUILD) BENCH_GEMM_BIN=$(BENCH_GEMM) bash tests/run_tests.sh $(TESTBIN)

check-san:
	$(MAKE) SAN=1 test

deps:
	@bash tools/install_deps.sh

# The built-in demo: exercise 9 of the chapter, dates to ISO 8601, no download (nmt demo).
demo: $(NMT)
	@$(NMT) demo

run: $(NMT)
	@NMT_BIN=$(NMT) bash tools/run_book.sh

# The chapter's three translators: basic, then bidirectional and attention from its
# embeddings (NMT_CHAPTER_FRESH=1: also from fresh initialization); see tools/run_chapter.sh.
chapter: $(NMT)
	@NMT_BIN=$(NMT) bash tools/run_chapter.sh

# Benchmarks (issue 3): GEMM backends, nmt vs PyTorch vs Keras training, translation;
# prints a table and appends it to docs/PERFORMANCE.md (knobs: tools/bench.sh).
bench: $(NMT) $(BENCH_GEMM)
	@NMT_BIN=$(NMT) BENCH_GEMM_BIN=$(BENCH_GEMM) CC="$(CC)" bash tools/bench.sh

# libFuzzer targets (tests/fuzz/fuzz_*.c, seeds in tests/fuzz/seeds/NAME/): clang with
# -fsanitize=fuzzer,address,undefined, no OpenMP; `make fuzz FUZZ_S=600` runs each for
# FUZZ_S seconds from the repository root, keeping its corpus in build-fuzz/corpus/NAME and
# any crash in build-fuzz/ (see docs/RELIABILITY.md). The loader ignores checksum
# mismatches in this build only, so that mutations reach the checks behind them. Needs clang and libFuzzer (Debian:
# clang, libclang-rt-14-dev); not part of `make test`.
FUZZ_CC   ?= clang
FUZZ_S    ?= 60
FUZZ_SAN  := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Wno-unused-parameter \
           -Wno-unknown-pragmas -Wno-unused-but-set-variable -Iinclude -Isrc $(BLAS_CFLAGS) -DNMT_GEMM_DEFAULT=\"naive\" \
           -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
FUZZ_OBJS := $(SOURCES:%.c=build-fuzz/%.o) $(GENERIC:%.c=build-fuzz/%.f64.o)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

build-fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@
build-fuzz/%.f64.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -DNMT_F64 -MMD -MP -c $< -o $@
build-fuzz/libnmt.a: $(FUZZ_OBJS)
	@rm -f $@
	ar rcs $@ $^
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c build-fuzz/libnmt.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer $< build-fuzz/libnmt.a \
	    $(BLAS_LIBS) $(DNNL_LIBS) -lcurl -lzip -ljansson -lm -o $@

fuzz: SHELL := /bin/bash
fuzz:
	@command -v $(FUZZ_CC) >/dev/null || { echo "make fuzz needs clang and libFuzzer (Debian: apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@for b in $(FUZZ_BINS); do n=$${b#build-fuzz/fuzz_}; mkdir -p build-fuzz/corpus/$$n; \
	    echo "fuzz: $$n for $(FUZZ_S) s"; \
	    $$b -max_total_time=$(FUZZ_S) -print_final_stats=1 -artifact_prefix=build-fuzz/$$n- \
	        build-fuzz/corpus/$$n tests/fuzz/seeds/$$n 2>&1 | tee build-fuzz/$$n.log | \
	        grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|==[0-9]+==ERROR|SUMMARY)" ; \
	    [ $${PIPESTATUS[0]} -eq 0 ] || { echo "fuzz: $$n found a problem: see build-fuzz/$$n.log" >&2; exit 1; }; \
	done

clean:
	rm -rf build build-san build-fuzz bin

-include $(OBJS:.o=.d) $(CLIOBJS:.o=.d) $(TESTBIN:=.d) $(BENCH_GEMM).d $(wildcard build-fuzz/src/*/*.d)
