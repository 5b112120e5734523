/* Element copies between learner memory and runtime memory (see copy.c). */
#ifndef GK_COPY_H
#define GK_COPY_H

#include <stddef.h>

void copy_from_user(void *rt, const void *user, size_t n);
void copy_to_user(void *user, const void *rt, size_t n);
void copy_user_to_user(void *dst, const void *src, size_t n);
void zero_user(void *user, size_t n);
void copy_to_parked(void *parked, const void *own, size_t n);
void copy_from_parked(void *rt, const void *parked, size_t n);

#endif
