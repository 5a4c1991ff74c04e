// zx_status_t and the status codes the kernel returns, with Zircon's names and values, so that
// errors mean the same thing in the kernel, in host tests and (later) in userspace.
#pragma once
#include <stdint.h>

using zx_status_t = int32_t;

constexpr zx_status_t ZX_OK = 0;
constexpr zx_status_t ZX_ERR_INTERNAL = -1;
constexpr zx_status_t ZX_ERR_NOT_SUPPORTED = -2;
constexpr zx_status_t ZX_ERR_NO_RESOURCES = -3;
constexpr zx_status_t ZX_ERR_NO_MEMORY = -4;
constexpr zx_status_t ZX_ERR_INTERNAL_INTR_RETRY = -6;
constexpr zx_status_t ZX_ERR_INVALID_ARGS = -10;
constexpr zx_status_t ZX_ERR_BAD_HANDLE = -11;
constexpr zx_status_t ZX_ERR_WRONG_TYPE = -12;
constexpr zx_status_t ZX_ERR_BAD_SYSCALL = -13;
constexpr zx_status_t ZX_ERR_OUT_OF_RANGE = -14;
constexpr zx_status_t ZX_ERR_BUFFER_TOO_SMALL = -15;
constexpr zx_status_t ZX_ERR_BAD_STATE = -20;
constexpr zx_status_t ZX_ERR_TIMED_OUT = -21;
constexpr zx_status_t ZX_ERR_SHOULD_WAIT = -22;
constexpr zx_status_t ZX_ERR_CANCELED = -23;
constexpr zx_status_t ZX_ERR_PEER_CLOSED = -24;
constexpr zx_status_t ZX_ERR_NOT_FOUND = -25;
constexpr zx_status_t ZX_ERR_ALREADY_EXISTS = -26;
constexpr zx_status_t ZX_ERR_ALREADY_BOUND = -27;
constexpr zx_status_t ZX_ERR_UNAVAILABLE = -28;
constexpr zx_status_t ZX_ERR_ACCESS_DENIED = -30;
constexpr zx_status_t ZX_ERR_IO = -40;
constexpr zx_status_t ZX_ERR_IO_REFUSED = -41;
constexpr zx_status_t ZX_ERR_IO_DATA_INTEGRITY = -42;
constexpr zx_status_t ZX_ERR_IO_DATA_LOSS = -43;
constexpr zx_status_t ZX_ERR_BAD_PATH = -50;
constexpr zx_status_t ZX_ERR_NOT_DIR = -51;
constexpr zx_status_t ZX_ERR_NOT_FILE = -52;
constexpr zx_status_t ZX_ERR_FILE_BIG = -53;
constexpr zx_status_t ZX_ERR_NO_SPACE = -54;
constexpr zx_status_t ZX_ERR_NOT_EMPTY = -55;
constexpr zx_status_t ZX_ERR_STOP = -60;
constexpr zx_status_t ZX_ERR_NEXT = -61;
constexpr zx_status_t ZX_ERR_ASYNC = -62;

// The Zircon name of a status code, for log lines and test failures. C linkage: user programs
// call the same function through <zircon/status.h>, as on Fuchsia.
extern "C" const char* zx_status_get_string(zx_status_t status);
