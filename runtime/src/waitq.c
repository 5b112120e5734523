/*
 * A FIFO of waiting goroutines (sudogs), as Go's waitq. The caller holds the
 * lock that guards the queue.
 *
 * A select puts one sudog in many queues; only one may win. Dequeue skips a
 * select's sudog whose goroutine another case has already claimed (the
 * select_done CAS), exactly as Go's waitq.dequeue does.
 */
#include "runtime.h"

void waitq_enqueue(gk_waitq_t *q, sudog_t *sg)
{
    sg->next = NULL;
    sg->prev = q->tail_;
    if (q->tail_)
        ((sudog_t *)q->tail_)->next = sg;
    else
        q->head_ = sg;
    q->tail_ = sg;
}

void waitq_remove(gk_waitq_t *q, sudog_t *sg)
{
    if (sg->prev)
        sg->prev->next = sg->next;
    else if (q->head_ == sg)
        q->head_ = sg->next;
    else
        return; /* not in this queue */
    if (sg->next)
        sg->next->prev = sg->prev;
    else
        q->tail_ = sg->prev;
    sg->next = sg->prev = NULL;
}

sudog_t *waitq_dequeue(gk_waitq_t *q)
{
    for (;;) {
        sudog_t *sg = q->head_;
        if (!sg) return NULL;
        waitq_remove(q, sg);
        if (sg->is_select) {
            uint32_t zero = 0;
            if (!__atomic_compare_exchange_n(&sg->g->select_done, &zero, 1, false, __ATOMIC_ACQ_REL,
                                             __ATOMIC_RELAXED))
                continue; /* another case of that select won */
        }
        return sg;
    }
}

void waitq_park(gk_waitq_t *q, G *g, waitreason_t reason)
{
    sudog_t *sg = &g->sg;
    *sg = (sudog_t){.g = g};
    park_prepare(g, reason);
    waitq_enqueue(q, sg);
    unlock(&q->lock_);
    gopark(g);
}

sudog_t *waitq_dequeue_all(gk_waitq_t *q, int *count)
{
    sudog_t *list = NULL, *sg;
    int n = 0;
    while ((sg = waitq_dequeue(q)) != NULL) {
        sg->g->param = sg;
        sg->next = list;
        list = sg;
        n++;
    }
    if (count) *count = n;
    return list;
}

void ready_all(sudog_t *list)
{
    while (list) {
        sudog_t *next = list->next; /* list belongs to its goroutine once ready */
        goready(list->g);
        list = next;
    }
}
