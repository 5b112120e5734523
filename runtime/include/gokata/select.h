/*
 * The select statement, over an array of cases built at run time (so it is
 * also Go's reflect.Select).
 *
 *   Go                                 gokata
 *   select {                           select_case_t cs[] = {
 *   case v := <-in:                        select_recv(in, &v),
 *   case out <- w:                         select_send(out, &w),
 *   }                                  };
 *                                      switch (chan_select(cs, 2, SELECT_BLOCK)) {
 *                                      case 0: ...  case 1: ...  }
 *
 * With SELECT_NONBLOCK the select has a `default:`: chan_select returns
 * SELECT_DEFAULT (-1) when no case is ready. Among ready cases one is chosen
 * uniformly at random. A case on a NULL channel is never ready: set a channel
 * to NULL to switch its case off. After a receive case, .ok says whether a
 * value was received (false: the channel is closed).
 */
#ifndef GOKATA_SELECT_H
#define GOKATA_SELECT_H

#include <stdbool.h>
#include "chan.h"

typedef enum { SELECT_SEND = 1, SELECT_RECV = 2 } select_dir_t;

typedef struct {
    chan_t *ch;
    select_dir_t dir;
    void *elem; /* send: the value to send; receive: where to store it, or NULL */
    bool ok;    /* receive: set by chan_select, false if the channel was closed */
} select_case_t;

#define select_recv(chan_, elem_)                                                                  \
    ((select_case_t){.ch = (chan_), .dir = SELECT_RECV, .elem = (void *)(elem_)})
#define select_send(chan_, elem_)                                                                  \
    ((select_case_t){.ch = (chan_), .dir = SELECT_SEND, .elem = (void *)(elem_)})

typedef enum { SELECT_BLOCK = 0, SELECT_NONBLOCK = 1 } select_mode_t;
#define SELECT_DEFAULT (-1)

/* Returns the index of the case that ran, or SELECT_DEFAULT. */
#define chan_select(cases, n, mode) chan_select_at((cases), (n), (mode), GK_HERE)
int chan_select_at(select_case_t *cases, int n, select_mode_t mode, GK_SITE_PARAMS);

#endif
