#include "echo.h"

int echo(int x)
{
    return x;
}
