#!/bin/sh
# The racy-program set: each racy_*.c must be reported by ThreadSanitizer and
# by Helgrind, every time; each clean_*.c by neither. Proves that the runtime
# hides no race (no edge Go lacks) and invents none (drops no edge Go has).
#
#   run.sh CC RUNTIME_LIB BUILD_DIR [tsan|helgrind|both]
set -u
cc=$1 lib=$2 out=$3 which=${4:-both}
here=$(dirname "$0")
mkdir -p "$out"
noaslr="setarch $(uname -m) -R"
fail=0 passed=0

check() { # name pass ok message
    if [ "$3" = 1 ]; then passed=$((passed + 1)); else
        fail=$((fail + 1)); echo "FAIL: $1 ($2): $4"; sed 's/^/    /' "$out/$1.$2.log" | head -40
    fi
}

for src in "$here"/racy_*.c "$here"/clean_*.c; do
    name=$(basename "$src" .c)
    case $name in racy_*) racy=1 ;; *) racy=0 ;; esac
    cflags="-std=c11 -O1 -g -pthread -Iruntime/include"
    if [ "$which" != helgrind ]; then
        $cc $cflags -fsanitize=thread "$src" $lib -o "$out/$name.tsan" || exit 1
        $noaslr "$out/$name.tsan" >"$out/$name.tsan.log" 2>&1
        rc=$?
        log=$out/$name.tsan.log
        if [ $racy = 1 ]; then
            ok=0; [ $rc = 66 ] && grep -q "WARNING: ThreadSanitizer: data race" "$log" && ok=1
            check "$name" tsan $ok "expected a data race report (exit 66), got exit $rc"
        else
            ok=0; [ $rc = 0 ] && ! grep -q "ThreadSanitizer" "$log" && ok=1
            check "$name" tsan $ok "expected no report and exit 0, got exit $rc"
        fi
    fi
    if [ "$which" != tsan ]; then
        $cc $cflags "$src" $lib -o "$out/$name" || exit 1
        valgrind --tool=helgrind --error-exitcode=42 --quiet \
            --suppressions=runtime/helgrind.supp "$out/$name" >"$out/$name.helgrind.log" 2>&1
        rc=$?
        log=$out/$name.helgrind.log
        if [ $racy = 1 ]; then
            ok=0; [ $rc = 42 ] && grep -q "Possible data race" "$log" && ok=1
            check "$name" helgrind $ok "expected a data race report (exit 42), got exit $rc"
        else
            ok=0; [ $rc = 0 ] && ! grep -q "Possible data race\|lock order" "$log" && ok=1
            check "$name" helgrind $ok "expected no report and exit 0, got exit $rc"
        fi
    fi
done
echo "racy-program set ($cc, $which): $passed passed, $fail failed"
[ $fail = 0 ]
