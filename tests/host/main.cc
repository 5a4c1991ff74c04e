// Entry point of the host unit-test binary: doctest supplies main().
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
