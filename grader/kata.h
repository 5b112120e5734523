/* Finding the katas and reading their metadata (tests/katas/NN-name/kata.json). */
#ifndef GRADER_KATA_H
#define GRADER_KATA_H

#include "model.h"

/* Every kata under REPO/tests/katas, ordered by id. A kata whose kata.json
 * can't be used is still listed, with ->error set. */
kata_t *katas_load(const char *repo, int *n);

/* Does kata k match a --kata word: its number ("03" or "3"), its id
 * ("03-select") or its name ("select")? */
bool kata_matches(const kata_t *k, const char *word);

#endif
