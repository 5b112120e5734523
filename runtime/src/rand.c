/*
 * Randomness for select: each goroutine has its own xorshift64* stream,
 * seeded from its id (and GOKATA_SEED when set), so that a run is
 * reproducible as far as the OS scheduler allows, and no goroutine shares
 * state with another (a shared generator would be a hidden edge).
 */
#include "runtime.h"

uint32_t fastrandn(G *g, uint32_t n)
{
    uint64_t x = g->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    g->rng = x;
    uint32_t r = (uint32_t)((x * 0x2545F4914F6CDD1Dull) >> 32);
    return (uint32_t)(((uint64_t)r * n) >> 32);
}
