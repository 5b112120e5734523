/*
 * range-without-close: `for v := range ch` ends only when ch is closed.
 *
 *   Go:   bufferChan := make(chan int, 1)
 *         bufferChan <- 76
 *         for val := range bufferChan { // gets 76, then waits for more
 *             fmt.Println(val)
 *         }
 *
 * The loop receives 76 and prints it. Then it asks for the next value. An
 * empty channel that is still open may get more values later, so the
 * receive waits; nobody will ever send or close, so it waits forever. A
 * range loop stops only when the channel is closed AND drained: whoever
 * sends must close the channel after the last value (chan_close(ch)).
 *
 * In gokata the range loop is `while (chan_recv(ch, &v)) { ... }`:
 * chan_recv returns false once the channel is closed and empty.
 *
 * Run:  make example KATA=02 NAME=range-without-close
 * You will see:
 *   76
 *   fatal error: all goroutines are asleep - deadlock!
 *
 *   goroutine 1 [chan receive]:
 *   main(...)
 *           katas/02-channels/examples/range-without-close.c:40
 *   (exit status 2)
 */
#include <stdio.h>

#include "gokata.h"

int main(void)
{
    chan_t *buffer_chan = chan_make(sizeof(int), 1);
    int v = 76;
    chan_send(buffer_chan, &v);
    /* chan_close(buffer_chan); here would end the loop after 76 */
    int val;
    while (chan_recv(buffer_chan, &val)) { /* for val := range bufferChan */
        printf("%d\n", val);
        fflush(stdout);
    }
    printf("never printed\n");
    return 0;
}
