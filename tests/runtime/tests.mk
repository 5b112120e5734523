# The runtime's own tests, in the three passes the grader uses: plain,
# ThreadSanitizer, Helgrind. tests/support/ holds helpers shared with the
# kata tests (death tests, leak checks).
SUPPORT_SRCS := tests/support/gkcheck.c
RTT_SRCS     := $(wildcard tests/runtime/*.c) $(SUPPORT_SRCS)
RTT_HDRS     := $(wildcard tests/runtime/*.h tests/support/*.h)
RTT_BIN      := $(BUILD)/tests/runtime_tests
TEST_CFLAGS   = $(CSTD) $(WARN) -O1 -g -gdwarf-4 -fno-omit-frame-pointer -D_GNU_SOURCE -pthread \
                -Iruntime/include -Itests/support $(CHECK_CFLAGS) $(shell pkg-config --cflags json-c 2>/dev/null)

$(RTT_BIN): $(RTT_SRCS) $(RTT_HDRS) $(RT_LIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(TEST_CFLAGS) $(RTT_SRCS) $(RT_LIB) $(RT_LDLIBS) $(CHECK_LIBS) $(LINK_EXTRA) -o $@

$(RTT_BIN).tsan: $(RTT_SRCS) $(RTT_HDRS) $(RT_LIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(TEST_CFLAGS) $(TSAN_FLAGS) $(RTT_SRCS) $(RT_LIB) $(RT_LDLIBS) $(CHECK_LIBS) -o $@

.PHONY: test-runtime-plain test-runtime-tsan test-runtime-helgrind
test-runtime: test-runtime-plain test-runtime-tsan test-runtime-helgrind

test-runtime-plain: $(RTT_BIN)
	@echo "== runtime tests, plain ($(CC))"
	$(Q)$(RTT_BIN)

test-runtime-tsan: $(RTT_BIN).tsan
	@echo "== runtime tests, ThreadSanitizer ($(CC))"
	$(Q)$(NOASLR) $(RTT_BIN).tsan

test-runtime-helgrind: $(RTT_BIN)
	@echo "== runtime tests, Helgrind"
	$(Q)CK_TIMEOUT_MULTIPLIER=$(HELGRIND_SCALE) GOKATA_TIMEOUT_SCALE=$(HELGRIND_SCALE) \
	  $(HELGRIND) $(RTT_BIN)

# Racy programs must be caught by both detectors, clean ones by neither.
RACY_PASSES ?= both
test-racy: $(RT_LIB) check-runtime-libcalls
	@echo "== racy-program set ($(CC))"
	$(Q)tests/runtime/racy/run.sh $(CC) "$(RT_LIB) $(RT_LDLIBS)" $(BUILD)/racy $(RACY_PASSES)

# The same runtime and tests built with clang: plain and its ThreadSanitizer.
test-clang:
	$(Q)$(MAKE) --no-print-directory CC=clang BUILD=$(BUILD)/clang RACY_PASSES=tsan \
	  test-runtime-plain test-runtime-tsan test-racy

# Contexts leak nothing when their ownership rule is followed (memcheck).
test-memcheck: $(RT_LIB)
	@echo "== contexts under memcheck"
	@mkdir -p $(BUILD)/memcheck
	$(Q)$(CC) $(CSTD) $(WARN) -O1 -g -pthread -Iruntime/include tests/runtime/memcheck/ctx_tree.c \
	  $(RT_LIB) $(RT_LDLIBS) -o $(BUILD)/memcheck/ctx_tree
	$(Q)valgrind --quiet --leak-check=full --show-possibly-lost=no --errors-for-leak-kinds=definite,indirect \
	  --error-exitcode=42 $(BUILD)/memcheck/ctx_tree >/dev/null
	@echo "no context leaked"

# Every kata: the reference solutions score 100 % in all three passes, and
# the stubs a fresh clone starts from score 0 (each test says "not
# implemented yet" or shows the bug to fix).
test-katas: $(GRADER) $(RT_LIB)
	@echo "== katas: reference solutions must score 100 %"
	$(Q)NO_COLOR=1 $(GRADER) --cc $(CC) --runtime $(RT_LIB) --build-dir $(BUILD)/grader \
	  --solutions --fail-under 100
	@echo "== katas: the stubs must score 0"
	$(Q)NO_COLOR=1 $(GRADER) --cc $(CC) --runtime $(RT_LIB) --build-dir $(BUILD)/grader \
	  > $(BUILD)/stubs.txt 2>&1; status=$$?; \
	if [ $$status -ne 0 ] || ! grep -q '^Score: 0/' $(BUILD)/stubs.txt; then \
	  cat $(BUILD)/stubs.txt; echo "a stub scored above 0 (or the grader failed)"; exit 1; fi
	@grep '^Score:' $(BUILD)/stubs.txt
