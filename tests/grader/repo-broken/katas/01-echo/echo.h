/* Fixture kata whose kata.json and tests disagree (an authoring error). */
#ifndef ECHO_H
#define ECHO_H
int echo(int x);
#endif
