# The runtime library: build/runtime/libgokata.a, uninstrumented (see the
# top Makefile). RT_EXTRA adds flags (the coverage build uses it).
RT_EXTRA ?=
RT_SRCS  := $(wildcard runtime/src/*.c)
RT_HDRS  := $(wildcard runtime/include/*.h runtime/include/gokata/*.h runtime/src/*.h)
RT_OBJS  := $(RT_SRCS:runtime/src/%.c=$(BUILD)/runtime/%.o)
RT_LIB   := $(BUILD)/runtime/libgokata.a
# What a program linking the runtime needs after libgokata.a.
RT_LDLIBS = -pthread $(shell pkg-config --libs json-c 2>/dev/null)

$(BUILD)/runtime/%.o: runtime/src/%.c $(RT_HDRS) | $(BUILD)/.deps-ok
	@mkdir -p $(@D)
	$(Q)$(CC) $(RT_CFLAGS) $(shell pkg-config --cflags json-c 2>/dev/null) $(RT_EXTRA) -c $< -o $@

$(RT_LIB): $(RT_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

runtime: $(RT_LIB)

# The runtime must not call memcpy/memset/memmove: ThreadSanitizer intercepts
# them and would check runtime memory that only the runtime's own (invisible)
# locks order (see runtime/src/copy.c). A struct copy or a large initializer
# can compile to such a call; this catches it.
check-runtime-libcalls: $(RT_LIB)
	$(Q)bad=$$(for o in $(RT_OBJS); do objdump -dr $$o | \
	  grep -qE 'R_X86_64_PLT32[[:space:]]+(memcpy|memset|memmove)' && echo $$o; done); \
	if [ -n "$$bad" ]; then echo "runtime objects calling memcpy/memset/memmove: $$bad"; exit 1; fi
