#!/bin/sh
# make bench: run the runtime's benchmarks and, when Go is there, the same
# workloads in Go; print one table (workload, gokata, Go, ratio, target) and
# write it as Markdown and CSV (and an SVG chart of the ratios with CHART=1).
#
#   run.sh BENCH_BINARY OUT_DIR [REPS]
set -eu
bin=$1 out=$2 reps=${3:-5}
here=$(dirname "$0")
mkdir -p "$out"

echo "gokata benchmarks: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d)"
echo "median of $reps repetitions; lower is better; ratio = gokata / Go"
echo

# Each workload in a process of its own: no idle threads, heap or RSS left
# over from the one before (Go keeps freed goroutine stacks mapped).
workloads="pingpong spsc1024 spsc1 mpmc4x4 select4 spawn rss10k mutex2 atomic2 ctxtree1000 after1ms"
: > "$out/gokata.tsv"
# RSS is measured once, in a fresh process: a second round would reuse what
# the first left resident (Go's stack pool, idle threads) and measure ~0.
reps_of() { if [ "$1" = rss10k ]; then echo 1; else echo "$reps"; fi; }
for w in $workloads; do "$bin" --reps "$(reps_of $w)" "$w" >> "$out/gokata.tsv"; done

if ! command -v go >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bench: installing golang-go (apt-get) for the side-by-side"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
fi
if command -v go >/dev/null 2>&1; then
    export GOCACHE="$PWD/$out/gocache" GOFLAGS=-buildvcs=false
    (cd "$here/go" && go build -o "$OLDPWD/$out/gobench" main.go)
    : > "$out/go.tsv"
    for w in $workloads; do "$out/gobench" -reps "$(reps_of $w)" "$w" >> "$out/go.tsv"; done
    gover=$(go version | awk '{print $3}')
else
    echo "bench: Go not found (apt-get install golang-go): gokata's figures only"
    : > "$out/go.tsv"
    gover="-"
fi

# Targets, as ratios to Go (DESIGN.md, "Performance").
cat > "$out/targets.tsv" <<'T'
pingpong	2
spsc1024	1
spsc1	3
mpmc4x4	1.5
select4	1
spawn	10
rss10k	3.2
mutex2	1.2
atomic2	-
ctxtree1000	25
after1ms	1
T

awk -F'\t' -v gover="$gover" -v md="$out/table.md" -v csv="$out/table.csv" '
FILENAME ~ /targets/ { target[$1] = $2; next }
FILENAME ~ /go.tsv/  { gov[$1] = $3; next }
{ name[++n] = $1; unit[$1] = $2; gk[$1] = $3 }
END {
    printf "%-12s %-16s %14s %14s %8s %8s  %s\n", "workload", "unit", "gokata", "Go " gover, "ratio", "target", ""
    print "| workload | unit | gokata | Go " gover " | ratio | target | met |" > md
    print "|---|---|---:|---:|---:|---:|---|" > md
    print "workload,unit,gokata,go,ratio,target,met" > csv
    for (i = 1; i <= n; i++) {
        w = name[i]; g = (w in gov) ? gov[w] : ""; r = ""; met = ""
        if (g != "" && g + 0 > 0) r = sprintf("%.2f", gk[w] / g)
        if (w == "after1ms" && g != "") { r = sprintf("%.2f", (gk[w] + 0.001) / (g + 0.001)) }
        t = target[w]
        if (r != "" && t != "-" && t != "") met = (r + 0 <= t + 0) ? "yes" : "no"
        printf "%-12s %-16s %14.4g %14s %8s %8s  %s\n", w, unit[w], gk[w], (g == "" ? "-" : sprintf("%.4g", g)), (r == "" ? "-" : r "x"), (t == "-" ? "-" : "<= " t "x"), met
        printf "| %s | %s | %.4g | %s | %s | %s | %s |\n", w, unit[w], gk[w], (g == "" ? "-" : sprintf("%.4g", g)), (r == "" ? "-" : r "x"), (t == "-" ? "-" : "<= " t "x"), met > md
        printf "%s,%s,%s,%s,%s,%s,%s\n", w, unit[w], gk[w], g, r, t, met > csv
        ratio[i] = r
    }
}' "$out/targets.tsv" "$out/go.tsv" "$out/gokata.tsv"

echo
echo "written: $out/table.md, $out/table.csv"

if [ "${CHART:-0}" = 1 ]; then
    awk -F, 'NR > 1 && $5 != "" { n++; w[n] = $1; r[n] = $5; t[n] = $6 }
    END {
        h = 30 * n + 40
        printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", h
        printf "<text x=\"10\" y=\"18\">gokata / Go (log scale, 1x = Go; tick = target)</text>\n"
        for (i = 1; i <= n; i++) {
            y = 30 * i + 10; x = 130 + 80 * log(r[i] < 0.01 ? 0.01 : r[i]) / log(10) * 2
            w0 = 130 + 0
            printf "<text x=\"10\" y=\"%d\">%s</text>\n", y + 14, w[i]
            printf "<rect x=\"130\" y=\"%d\" width=\"%d\" height=\"18\" fill=\"%s\"/>\n", y, (x > 131 ? x - 130 : 1), (t[i] != "-" && r[i] + 0 <= t[i] + 0) ? "#4a9" : "#d65"
            printf "<text x=\"%d\" y=\"%d\">%sx</text>\n", (x > 131 ? x : 131) + 4, y + 14, r[i]
            if (t[i] != "-") { tx = 130 + 160 * log(t[i]) / log(10); printf "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", tx, tx, y - 2, y + 20 }
        }
        print "</svg>"
    }' "$out/table.csv" > "$out/ratios.svg"
    echo "chart:   $out/ratios.svg"
fi
