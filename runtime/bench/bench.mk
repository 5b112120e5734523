# make bench: the runtime's benchmarks beside Go's (runtime/bench/run.sh).
# make test runs each once at a tiny size (test-bench), so they cannot rot;
# no timing is asserted anywhere in make test.
BENCH_BIN := $(BUILD)/bench/bench
BENCH_REPS ?= 5

$(BENCH_BIN): runtime/bench/bench.c $(RT_LIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CSTD) $(WARN) -O2 -D_GNU_SOURCE -Iruntime/include $< $(RT_LIB) $(RT_LDLIBS) -o $@

.PHONY: bench test-bench
bench: $(BENCH_BIN)
	$(Q)runtime/bench/run.sh $(BENCH_BIN) $(BUILD)/bench $(BENCH_REPS)

test-bench: $(BENCH_BIN)
	@echo "== benchmarks, once each at a tiny size"
	$(Q)$(BENCH_BIN) --quick > $(BUILD)/bench/quick.tsv
	$(Q)test "$$(wc -l < $(BUILD)/bench/quick.tsv)" -eq 11 || { cat $(BUILD)/bench/quick.tsv; exit 1; }
	@echo "11 workloads ran"
