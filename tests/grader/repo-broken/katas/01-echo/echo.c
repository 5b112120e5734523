#include "kata_todo.h"
#include "echo.h"

int echo(int x)
{
    (void)x;
    TODO("echo: return x");
}
