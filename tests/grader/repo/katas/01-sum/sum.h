/* Fixture kata for the grader's own tests: add up 1..n with goroutines. */
#ifndef SUM_H
#define SUM_H

/* 1 + 2 + ... + n (0 when n is 0), computed by goroutines. */
long sum_to(int n);

#endif
