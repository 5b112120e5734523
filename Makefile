# gokata: every entry point.
#
#   make grade            grade your katas (plain, ThreadSanitizer, Helgrind)
#   make grade KATA=03    grade one kata
#   make test             the project's own tests: runtime, grader, katas
#   make coverage         runtime line coverage (gcovr)
#   make help             everything else
#
# The runtime is built without -fsanitize=thread on purpose: it tells both
# race detectors the happens-before edges of Go's memory model itself (see
# runtime/README.md), so one libgokata.a serves plain, TSan and Helgrind
# programs. Only learner code and tests are instrumented.

CC      ?= gcc
ifeq ($(origin CC),default)
CC      := gcc
endif
BUILD   ?= build
V       ?= 0
Q       := $(if $(filter 1,$(V)),,@)

CSTD     := -std=c11
WARN     := -Wall -Wextra -Werror
# DWARF 4: Valgrind 3.19 cannot read the DWARF 5 that clang 14 writes.
OPT      := -O2 -g -gdwarf-4 -fno-omit-frame-pointer
# The runtime copies element values with its own loop (runtime/src/copy.c):
# the compiler must not turn it back into a memcpy call.
RT_NOLIBCALL := -fno-builtin $(shell $(CC) -fno-tree-loop-distribute-patterns -Werror -x c \
                  -c /dev/null -o /dev/null 2>/dev/null && echo -fno-tree-loop-distribute-patterns)
RT_CFLAGS    := $(CSTD) $(WARN) $(OPT) $(RT_NOLIBCALL) -D_GNU_SOURCE -pthread -Iruntime/include
TSAN_FLAGS   := -fsanitize=thread
CHECK_CFLAGS  = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS    = $(shell pkg-config --libs check 2>/dev/null)

# Helgrind: runtime/helgrind.supp holds glibc-internal suppressions only.
HELGRIND := valgrind --tool=helgrind --error-exitcode=42 --quiet \
            --suppressions=runtime/helgrind.supp
# ThreadSanitizer from gcc 12 / clang 14 dies on high-entropy ASLR kernels:
# run its binaries with ASLR off for that process.
NOASLR   := setarch $(shell uname -m) -R
# TSan sleeps 1 s at every exit by default (to catch races with threads still
# running); leak checks catch those here, and Check forks a process per test.
export TSAN_OPTIONS ?= atexit_sleep_ms=0
HELGRIND_SCALE := 40

.PHONY: all help deps runtime test test-runtime test-racy test-clang coverage format clean example
.DEFAULT_GOAL := help

help:
	@echo "gokata: Go's concurrency roadmap as C katas, with an autograder."
	@echo
	@echo "  make grade              grade every kata in katas/ (plain, TSan, Helgrind)"
	@echo "  make grade KATA=03      grade one kata (number or name)"
	@echo "  make grade SOLUTIONS=1  grade the reference solutions"
	@echo "  make test               run the project's own tests"
	@echo "  make example KATA=02 NAME=deadlock-no-receiver [DETECTOR=tsan|helgrind]"
	@echo "                          run one of a kata's examples of what goes wrong"
	@echo "  make coverage           runtime line coverage, HTML in $(BUILD)/coverage/"
	@echo "  make bench              runtime benchmarks beside Go's (CHART=1 for an SVG)"
	@echo "  make deps               install or name the tools gokata needs"
	@echo "  make format             clang-format every C file"
	@echo "  make clean              remove $(BUILD)/"

all: runtime

# ---- dependencies ----------------------------------------------------------
# Each tool gokata needs, the Debian package that brings it, and how to tell
# it is there. As root with apt-get, missing ones are installed (and said);
# otherwise make stops with the exact command to run.
deps: $(BUILD)/.deps-ok
$(BUILD)/.deps-ok: Makefile
	$(Q)missing=""; \
	need() { eval "$$2" >/dev/null 2>&1 || missing="$$missing $$1"; }; \
	need pkg-config     'command -v pkg-config'; \
	need check          'pkg-config --exists check'; \
	need libsubunit-dev 'pkg-config --exists check && test -n "$$(ls /usr/lib/*/libsubunit.so 2>/dev/null)"'; \
	need valgrind       'command -v valgrind && test -f /usr/include/valgrind/helgrind.h'; \
	need gcovr          'command -v gcovr'; \
	need libjson-c-dev  'pkg-config --exists json-c'; \
	need clang          'command -v clang'; \
	need libtsan2       'echo "int main(void){return 0;}" | $(CC) -fsanitize=thread -x c - -o /dev/null'; \
	need libclang-rt-dev '! command -v clang || echo "int main(void){return 0;}" | clang -fsanitize=thread -x c - -o /dev/null'; \
	need util-linux     'command -v setarch'; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "make: installing$$missing (apt-get)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$$missing \
	      >/tmp/gokata-apt.log 2>&1 || { cat /tmp/gokata-apt.log; exit 1; }; \
	  else \
	    echo "gokata needs these Debian packages:$$missing"; \
	    echo "install them with:  sudo apt-get install$$missing"; \
	    exit 1; \
	  fi; \
	fi; \
	mkdir -p $(BUILD) && touch $@
include runtime/runtime.mk
include grader/grader.mk
include tests/runtime/tests.mk
include runtime/bench/bench.mk

test: deps test-runtime test-racy test-memcheck test-bench test-clang test-grader test-katas
	@echo "make test: all passed"

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)

# ---- examples -------------------------------------------------------------
# make example KATA=02 NAME=deadlock-no-receiver [DETECTOR=tsan|helgrind]
# Builds katas/NN-*/examples/NAME.c with the runtime and runs it: each example
# shows what goes wrong (a deadlock, a race, a leak) and what gokata says.
EXAMPLE_DIR = $(firstword $(wildcard katas/$(KATA)-*/examples katas/*-$(KATA)/examples katas/$(KATA)/examples))
example: $(RT_LIB)
	$(Q)if [ -z "$(KATA)" ] || [ -z "$(NAME)" ] || [ ! -f "$(EXAMPLE_DIR)/$(NAME).c" ]; then \
	  echo "usage: make example KATA=02 NAME=deadlock-no-receiver [DETECTOR=tsan|helgrind]"; \
	  echo "examples:"; \
	  for f in katas/*/examples/*.c; do [ -f "$$f" ] || continue; \
	    k=$$(basename $$(dirname $$(dirname $$f))); \
	    echo "  make example KATA=$${k%%-*} NAME=$$(basename $$f .c)"; done; \
	  exit 2; fi
	@mkdir -p $(BUILD)/examples
	$(Q)out=$(BUILD)/examples/$(KATA)-$(NAME); \
	case "$(DETECTOR)" in \
	  tsan) $(CC) $(CSTD) -O1 -g -gdwarf-4 $(TSAN_FLAGS) -D_GNU_SOURCE -Iruntime/include -I$(EXAMPLE_DIR)/.. \
	          $(EXAMPLE_DIR)/$(NAME).c $(RT_LIB) $(RT_LDLIBS) -o $$out.tsan && \
	        { $(NOASLR) $$out.tsan; echo "(exit status $$?)"; } ;; \
	  helgrind) $(CC) $(CSTD) -O1 -g -gdwarf-4 -D_GNU_SOURCE -Iruntime/include -I$(EXAMPLE_DIR)/.. \
	          $(EXAMPLE_DIR)/$(NAME).c $(RT_LIB) $(RT_LDLIBS) -o $$out && \
	        { valgrind --tool=helgrind -q --suppressions=runtime/helgrind.supp $$out; \
	          echo "(exit status $$?)"; } ;; \
	  "") $(CC) $(CSTD) -O1 -g -gdwarf-4 -D_GNU_SOURCE -Iruntime/include -I$(EXAMPLE_DIR)/.. \
	          $(EXAMPLE_DIR)/$(NAME).c $(RT_LIB) $(RT_LDLIBS) -o $$out && \
	        { $$out; echo "(exit status $$?)"; } ;; \
	  *) echo "DETECTOR must be tsan or helgrind"; exit 2 ;; \
	esac

# ---- coverage -------------------------------------------------------------
# The runtime suite, plain, against a runtime built with --coverage.
# GK_COVERAGE makes the runtime flush its counters before _exit(2), so the
# panic and deadlock paths count too.
coverage: deps
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/coverage \
	  RT_EXTRA="--coverage -O0 -DGK_COVERAGE" LINK_EXTRA=--coverage test-runtime-plain
	$(Q)mkdir -p $(BUILD)/coverage/html
	$(Q)gcovr --root . --filter runtime/src/ --object-directory $(BUILD)/coverage/runtime \
	  --html-details $(BUILD)/coverage/html/index.html --print-summary \
	  $(BUILD)/coverage/runtime | tail -4
	@echo "HTML report: $(BUILD)/coverage/html/index.html"
