# nmt.c build. `make` builds bin/nmt and build/libnmt.a; `make test` runs the suite;
# `make demo` trains a small model on generated dates in a minute or two; `make run`
# trains the book's model and translates (see README.md).
#
# Knobs: CC, OPT (default -O2 -march=native), SAN=1 (ASan+UBSan build in build-san/),
# GEMM=cblas|dnnl|naive (default matrix backend, reported by `nmt version`; all three
# are always built and tests/test_gemm.c checks each), NMT_DATA (corpus folder for tests/run).

CC      ?= cc
OPT     ?= -O2 -march=native
GEMM    ?= cblas
ifeq ($(filter $(GEMM),cblas dnnl naive),)
$(error GEMM=$(GEMM): choose cblas, dnnl or naive)
endif
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

CFLAGS  := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -fno-math-errno $(OPT) -fopenmp \
           -Iinclude -Isrc $(BLAS_CFLAGS) -DNMT_GEMM_DEFAULT=\"$(GEMM)\"
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

.PHONY: all test demo run chapter clean deps bench check-san
all: $(NMT) $(BUILD)/libnmt.a

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/%.f64.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DNMT_F64 -MMD -MP -c $< -o $@

# The default backend is compiled into gemm.o: rebuild it when GEMM changes.
GEMM_STAMP := $(BUILD)/gemm-default
ifeq ($(filter clean,$(MAKECMDGOALS)),)
$(shell mkdir -p $(BUILD) && { [ "$$(cat $(GEMM_STAMP) 2>/dev/null)" = "$(GEMM)" ] || echo "$(GEMM)" > $(GEMM_STAMP); })
endif
$(BUILD)/src/kernels/gemm.o: $(GEMM_STAMP)

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
$(BENCH_GEMM): tools/bench_gemm.c $(BUILD)/libnmt.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -MF $@.d $< $(BUILD)/libnmt.a $(LDLIBS) -o $@

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

clean:
	rm -rf build build-san bin

-include $(OBJS:.o=.d) $(CLIOBJS:.o=.d) $(TESTBIN:=.d) $(BENCH_GEMM).d
