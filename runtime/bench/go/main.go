// The same workloads as runtime/bench/bench.c, in Go, for `make bench`.
// Prints: name, unit, median, min, max (tab-separated).
//
//	go run main.go [-quick] [-reps R] [WORKLOAD...]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var quick = flag.Bool("quick", false, "tiny sizes, one repetition")
var reps = flag.Int("reps", 5, "repetitions")

func size(full, tiny int) int {
	if *quick {
		return tiny
	}
	return full
}

func perOp(t0 time.Time, n int) float64 { return float64(time.Since(t0).Nanoseconds()) / float64(n) }

func pingpong() float64 {
	n := size(100000, 100)
	ping, pong := make(chan int), make(chan int)
	go func() {
		for i := 0; i < n; i++ {
			pong <- <-ping
		}
	}()
	t0 := time.Now()
	v := 0
	for i := 0; i < n; i++ {
		ping <- v
		v = <-pong
	}
	return perOp(t0, n)
}

func spsc(capacity int) float64 {
	n := size(2000000, 100)
	if capacity == 1 {
		n = size(200000, 100)
	}
	c := make(chan int, capacity)
	go func() {
		for i := 0; i < n; i++ {
			c <- i
		}
	}()
	t0 := time.Now()
	for i := 0; i < n; i++ {
		<-c
	}
	return perOp(t0, n)
}

func mpmc() float64 {
	const P, C = 4, 4
	n := size(400000, 400)
	c := make(chan int, 64)
	var pw, cw sync.WaitGroup
	t0 := time.Now()
	cw.Add(C)
	for i := 0; i < C; i++ {
		go func() {
			for range c {
			}
			cw.Done()
		}()
	}
	pw.Add(P)
	for i := 0; i < P; i++ {
		go func() {
			for j := 0; j < n/P; j++ {
				c <- j
			}
			pw.Done()
		}()
	}
	pw.Wait()
	close(c)
	cw.Wait()
	return perOp(t0, n)
}

func select4() float64 {
	n := size(400000, 400)
	var cs [4]chan int
	for i := range cs {
		cs[i] = make(chan int, 16)
	}
	t0 := time.Now()
	for i := range cs {
		c := cs[i]
		go func() {
			for j := 0; j < n/4; j++ {
				c <- j
			}
		}()
	}
	for got := 0; got < n; got++ {
		select {
		case <-cs[0]:
		case <-cs[1]:
		case <-cs[2]:
		case <-cs[3]:
		}
	}
	return perOp(t0, n)
}

func spawn() float64 {
	n := size(20000, 50)
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go wg.Done()
	}
	wg.Wait()
	return perOp(t0, n)
}

func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

func rss() float64 {
	n := size(10000, 20)
	c := make(chan struct{})
	runtime.GC()
	before := rssBytes()
	var started sync.WaitGroup
	started.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			started.Done()
			<-c
		}()
	}
	started.Wait()
	time.Sleep(10 * time.Millisecond) // let them all park
	per := float64(rssBytes()-before) / float64(n)
	close(c)
	return per
}

func mutex2() float64 {
	n := size(1000000, 100)
	var mu sync.Mutex
	var wg sync.WaitGroup
	counter := 0
	t0 := time.Now()
	wg.Add(2)
	for g := 0; g < 2; g++ {
		go func() {
			for i := 0; i < n; i++ {
				mu.Lock()
				counter++
				mu.Unlock()
			}
			wg.Done()
		}()
	}
	wg.Wait()
	return perOp(t0, 2*n)
}

func atomic2() float64 {
	n := size(1000000, 100)
	var a int64
	var wg sync.WaitGroup
	t0 := time.Now()
	wg.Add(2)
	for g := 0; g < 2; g++ {
		go func() {
			for i := 0; i < n; i++ {
				atomic.AddInt64(&a, 1)
			}
			wg.Done()
		}()
	}
	wg.Wait()
	return perOp(t0, 2*n)
}

func ctxtree() float64 {
	const N = 1000
	var nodes [N]context.Context
	var cancels [N]context.CancelFunc
	nodes[0], cancels[0] = context.WithCancel(context.Background())
	for i := 1; i < N; i++ {
		nodes[i], cancels[i] = context.WithCancel(nodes[(i-1)/4])
	}
	t0 := time.Now()
	cancels[0]()
	ms := float64(time.Since(t0).Nanoseconds()) / 1e6
	for i := 1; i < N; i++ {
		cancels[i]()
	}
	return ms
}

func after() float64 {
	n := 50
	if *quick {
		n = 3
	}
	d := make([]float64, n)
	for i := range d {
		t0 := time.Now()
		<-time.After(time.Millisecond)
		d[i] = float64(time.Since(t0).Nanoseconds()-1e6) / 1e3
	}
	sort.Float64s(d)
	return d[n/2]
}

type workload struct {
	name, unit string
	fn         func() float64
}

func main() {
	flag.Parse()
	ws := []workload{
		{"pingpong", "ns/roundtrip", pingpong}, {"spsc1024", "ns/item", func() float64 { return spsc(1024) }},
		{"spsc1", "ns/item", func() float64 { return spsc(1) }}, {"mpmc4x4", "ns/item", mpmc},
		{"select4", "ns/item", select4}, {"spawn", "ns/goroutine", spawn},
		{"rss10k", "bytes/goroutine", rss}, {"mutex2", "ns/op", mutex2},
		{"atomic2", "ns/op", atomic2}, {"ctxtree1000", "ms", ctxtree},
		{"after1ms", "us overshoot", after},
	}
	r := *reps
	if *quick {
		r = 1
	}
	only := map[string]bool{}
	for _, a := range flag.Args() {
		only[a] = true
	}
	for _, w := range ws {
		if len(only) > 0 && !only[w.name] {
			continue
		}
		v := make([]float64, r)
		for k := range v {
			v[k] = w.fn()
		}
		sort.Float64s(v)
		fmt.Printf("%s\t%s\t%.3f\t%.3f\t%.3f\n", w.name, w.unit, v[r/2], v[0], v[r-1])
	}
}
