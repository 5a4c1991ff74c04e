// Minimal stdlib: a heap on VMOs mapped into the root VMAR, exit, number parsing, getenv.
#ifndef _STDLIB_H
#define _STDLIB_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

void* malloc(size_t size);
void free(void* p);
void* calloc(size_t n, size_t size);
void* realloc(void* p, size_t size);

// Registers fn to run at exit(), last registered first (at most 32).
int atexit(void (*fn)(void));
// Runs the atexit functions, flushes stdout, then zx_process_exit(status).
__attribute__((noreturn)) void exit(int status);
__attribute__((noreturn)) void abort(void);

int atoi(const char* s);
long strtol(const char* s, char** end, int base);
unsigned long strtoul(const char* s, char** end, int base);
int abs(int v);

// The value of environment variable `name` from the bootstrap message, or NULL. launch() passes
// PWD, the working directory of the filesystem client library.
char* getenv(const char* name);

#ifdef __cplusplus
}
#endif

#endif  // _STDLIB_H
