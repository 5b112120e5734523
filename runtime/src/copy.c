/*
 * Moving element values between the learner's memory and the runtime's.
 *
 * A channel's buffer is runtime memory: its slots are ordered by race.h's
 * edges, not by what the detectors see of the copying. So the copy itself is
 * a plain loop the compiler may not turn into a memcpy call (the runtime is
 * built with -fno-builtin): ThreadSanitizer would intercept memcpy and then
 * check the slots, and report freeing a buffer that still held a value.
 * The learner's side of every copy is reported to ThreadSanitizer
 * explicitly, so a race on the variable a value comes from or goes to is
 * still caught (Go's race detector checks those accesses too). Helgrind
 * instruments everything and needs no help: the runtime's memory is
 * untracked, the learner's is not.
 */
#include <stdint.h>

#include "copy.h"

void __tsan_read_range(void *addr, unsigned long size) __attribute__((weak));
void __tsan_write_range(void *addr, unsigned long size) __attribute__((weak));

static void copy_bytes(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n >= sizeof(uint64_t)) {
        uint64_t w;
        __builtin_memcpy(&w, s, sizeof w); /* a single load: never a call */
        __builtin_memcpy(d, &w, sizeof w);
        d += sizeof w;
        s += sizeof w;
        n -= sizeof w;
    }
    while (n--)
        *d++ = *s++;
}

void copy_from_user(void *rt, const void *user, size_t n)
{
    if (n == 0) return;
    if (__tsan_read_range) __tsan_read_range((void *)user, n);
    copy_bytes(rt, user, n);
}

void copy_to_user(void *user, const void *rt, size_t n)
{
    if (n == 0 || !user) return;
    if (__tsan_write_range) __tsan_write_range(user, n);
    copy_bytes(user, rt, n);
}

void copy_user_to_user(void *dst, const void *src, size_t n)
{
    if (n == 0 || !dst) return;
    if (__tsan_read_range) __tsan_read_range((void *)src, n);
    if (__tsan_write_range) __tsan_write_range(dst, n);
    copy_bytes(dst, src, n);
}

void zero_user(void *user, size_t n)
{
    if (n == 0 || !user) return;
    if (__tsan_write_range) __tsan_write_range(user, n);
    unsigned char *d = user;
    while (n--)
        *d++ = 0;
}

/*
 * A parked partner's variable, read or written on its behalf while it is
 * blocked in its channel operation (a buffered channel's direct handoff,
 * where no edge orders the two sides: chan.c). The partner cannot touch it
 * until it is woken, and Go's race detector does not check this copy
 * either: it is hidden from both detectors.
 */
#include "race.h"

void copy_to_parked(void *parked, const void *own, size_t n)
{
    if (n == 0 || !parked) return;
    if (__tsan_read_range) __tsan_read_range((void *)own, n);
    race_untrack(parked, n);
    copy_bytes(parked, own, n);
    race_retrack(parked, n);
}

void copy_from_parked(void *rt, const void *parked, size_t n)
{
    if (n == 0) return;
    race_untrack(parked, n);
    copy_bytes(rt, parked, n);
    race_retrack(parked, n);
}
