# The grader: $(BUILD)/grader/gokata-grade, and its make targets.
#
#   make grade                  grade the learner's katas/ in place
#   make grade KATA=03          one kata (number, id or name; comma-separated list)
#   make grade SOLUTIONS=1      the reference solutions (fails under 100 %)
#   make grade SUBMISSION=DIR   another checkout (an instructor's path)
#   make grade GRADE_FLAGS=...  anything else gokata-grade takes (--help)
#   make test-grader            the grader's own tests (tests/grader/)
#
# Included by the top Makefile, which defines BUILD, CC, Q and RT_LIB.

GRADER        := $(BUILD)/grader/gokata-grade
GRADER_LIB    := $(BUILD)/grader/libgrader.a
GRADER_SRCS   := $(filter-out grader/main.c,$(wildcard grader/*.c))
GRADER_OBJS   := $(GRADER_SRCS:grader/%.c=$(BUILD)/grader/obj/%.o)
GRADER_HDRS   := $(wildcard grader/*.h)
# What kata test binaries link with (baked into the grader, which builds them).
GRADER_KATA_CFLAGS = $(shell pkg-config --cflags check json-c 2>/dev/null)
GRADER_KATA_LIBS   = $(shell pkg-config --libs check json-c 2>/dev/null)
GRADER_CFLAGS = -std=c11 -Wall -Wextra -Werror -O2 -g -D_GNU_SOURCE \
                $(shell pkg-config --cflags json-c 2>/dev/null) \
                -DGRADER_KATA_CFLAGS='"$(GRADER_KATA_CFLAGS)"' \
                -DGRADER_KATA_LIBS='"$(GRADER_KATA_LIBS)"'
GRADER_LIBS   = $(shell pkg-config --libs json-c 2>/dev/null)

GRADER_TEST   := $(BUILD)/grader/test_grader

.PHONY: grade grader test-grader

grader: $(GRADER)

$(BUILD)/grader/obj/%.o: grader/%.c $(GRADER_HDRS) grader/grader.mk | $(BUILD)/.deps-ok
	@mkdir -p $(@D)
	$(Q)$(CC) $(GRADER_CFLAGS) -c $< -o $@

$(GRADER_LIB): $(GRADER_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(GRADER): $(BUILD)/grader/obj/main.o $(GRADER_LIB)
	$(Q)$(CC) $^ $(GRADER_LIBS) -o $@

grade: $(GRADER) $(RT_LIB)
	$(Q)$(GRADER) --cc $(CC) --runtime $(RT_LIB) --build-dir $(BUILD)/grader \
	  $(if $(KATA),--kata $(KATA)) \
	  $(if $(filter 1 yes true,$(SOLUTIONS)),--solutions --fail-under 100) \
	  $(if $(SUBMISSION),--submission $(SUBMISSION)) $(GRADE_FLAGS)

# ---- the grader's own tests ---------------------------------------------------
$(GRADER_TEST): $(wildcard tests/grader/*.c tests/grader/*.h) $(GRADER_LIB) | $(BUILD)/.deps-ok
	@mkdir -p $(@D)
	$(Q)$(CC) $(GRADER_CFLAGS) $(shell pkg-config --cflags check) -Igrader $(filter %.c,$^) $(GRADER_LIB) \
	  $(shell pkg-config --libs check json-c) -o $@

test-grader: $(GRADER) $(GRADER_TEST) $(RT_LIB)
	$(Q)$(GRADER_TEST) --grader $(GRADER) --cc $(CC) --work $(BUILD)/grader/test \
	  --runtime $(RT_LIB) --build-dir $(BUILD)/grader
