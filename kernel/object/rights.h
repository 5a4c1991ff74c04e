// Handle rights (zx_rights_t) with Zircon's names and bit values, so that rights masks mean the
// same thing to the kernel, to host tests and to userspace built against Fuchsia's headers.
#pragma once
#include <stdint.h>

#include "kernel/object/dispatcher.h"

constexpr zx_rights_t ZX_RIGHT_NONE = 0u;
constexpr zx_rights_t ZX_RIGHT_DUPLICATE = 1u << 0;
constexpr zx_rights_t ZX_RIGHT_TRANSFER = 1u << 1;
constexpr zx_rights_t ZX_RIGHT_READ = 1u << 2;
constexpr zx_rights_t ZX_RIGHT_WRITE = 1u << 3;
constexpr zx_rights_t ZX_RIGHT_EXECUTE = 1u << 4;
constexpr zx_rights_t ZX_RIGHT_MAP = 1u << 5;
constexpr zx_rights_t ZX_RIGHT_GET_PROPERTY = 1u << 6;
constexpr zx_rights_t ZX_RIGHT_SET_PROPERTY = 1u << 7;
constexpr zx_rights_t ZX_RIGHT_ENUMERATE = 1u << 8;
constexpr zx_rights_t ZX_RIGHT_DESTROY = 1u << 9;
constexpr zx_rights_t ZX_RIGHT_SET_POLICY = 1u << 10;
constexpr zx_rights_t ZX_RIGHT_GET_POLICY = 1u << 11;
constexpr zx_rights_t ZX_RIGHT_SIGNAL = 1u << 12;
constexpr zx_rights_t ZX_RIGHT_SIGNAL_PEER = 1u << 13;
constexpr zx_rights_t ZX_RIGHT_WAIT = 1u << 14;
constexpr zx_rights_t ZX_RIGHT_INSPECT = 1u << 15;
constexpr zx_rights_t ZX_RIGHT_MANAGE_JOB = 1u << 16;
constexpr zx_rights_t ZX_RIGHT_MANAGE_PROCESS = 1u << 17;
constexpr zx_rights_t ZX_RIGHT_MANAGE_THREAD = 1u << 18;
constexpr zx_rights_t ZX_RIGHT_APPLY_PROFILE = 1u << 19;
constexpr zx_rights_t ZX_RIGHT_MANAGE_SOCKET = 1u << 20;
constexpr zx_rights_t ZX_RIGHT_OP_CHILDREN = 1u << 21;
constexpr zx_rights_t ZX_RIGHT_RESIZE = 1u << 22;
constexpr zx_rights_t ZX_RIGHT_ATTACH_VMO = 1u << 23;
constexpr zx_rights_t ZX_RIGHT_MANAGE_VMO = 1u << 24;
// Not a right: asks duplicate/replace to keep the source handle's rights.
constexpr zx_rights_t ZX_RIGHT_SAME_RIGHTS = 1u << 31;

// Zircon's groupings, which the per-type default rights below are built from.
constexpr zx_rights_t ZX_RIGHTS_BASIC =
    ZX_RIGHT_TRANSFER | ZX_RIGHT_DUPLICATE | ZX_RIGHT_WAIT | ZX_RIGHT_INSPECT;
constexpr zx_rights_t ZX_RIGHTS_IO = ZX_RIGHT_READ | ZX_RIGHT_WRITE;
constexpr zx_rights_t ZX_RIGHTS_PROPERTY = ZX_RIGHT_GET_PROPERTY | ZX_RIGHT_SET_PROPERTY;
constexpr zx_rights_t ZX_RIGHTS_POLICY = ZX_RIGHT_GET_POLICY | ZX_RIGHT_SET_POLICY;

// Rights a freshly created object's first handle carries, as in Zircon.
constexpr zx_rights_t ZX_DEFAULT_CHANNEL_RIGHTS =
    (ZX_RIGHTS_BASIC & ~ZX_RIGHT_DUPLICATE) | ZX_RIGHTS_IO | ZX_RIGHT_SIGNAL | ZX_RIGHT_SIGNAL_PEER;
constexpr zx_rights_t ZX_DEFAULT_JOB_RIGHTS =
    ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHTS_PROPERTY | ZX_RIGHTS_POLICY | ZX_RIGHT_ENUMERATE |
    ZX_RIGHT_DESTROY | ZX_RIGHT_SIGNAL | ZX_RIGHT_MANAGE_JOB | ZX_RIGHT_MANAGE_PROCESS |
    ZX_RIGHT_MANAGE_THREAD;
constexpr zx_rights_t ZX_DEFAULT_EVENT_RIGHTS = ZX_RIGHTS_BASIC | ZX_RIGHT_SIGNAL;
constexpr zx_rights_t ZX_DEFAULT_PORT_RIGHTS = (ZX_RIGHTS_BASIC & ~ZX_RIGHT_WAIT) | ZX_RIGHTS_IO;
constexpr zx_rights_t ZX_DEFAULT_PROCESS_RIGHTS =
    ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHTS_PROPERTY | ZX_RIGHT_ENUMERATE | ZX_RIGHT_DESTROY |
    ZX_RIGHT_SIGNAL | ZX_RIGHT_MANAGE_PROCESS | ZX_RIGHT_MANAGE_THREAD;
constexpr zx_rights_t ZX_DEFAULT_THREAD_RIGHTS = ZX_RIGHTS_BASIC | ZX_RIGHTS_IO |
                                                 ZX_RIGHTS_PROPERTY | ZX_RIGHT_DESTROY |
                                                 ZX_RIGHT_SIGNAL | ZX_RIGHT_MANAGE_THREAD;
constexpr zx_rights_t ZX_DEFAULT_VMAR_RIGHTS =
    (ZX_RIGHTS_BASIC & ~ZX_RIGHT_WAIT) | ZX_RIGHT_OP_CHILDREN;
constexpr zx_rights_t ZX_DEFAULT_VMO_RIGHTS =
    ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHTS_PROPERTY | ZX_RIGHT_MAP | ZX_RIGHT_SIGNAL;
constexpr zx_rights_t ZX_DEFAULT_PAGER_RIGHTS =
    ZX_RIGHT_INSPECT | ZX_RIGHT_TRANSFER | ZX_RIGHT_ATTACH_VMO | ZX_RIGHT_MANAGE_VMO;
constexpr zx_rights_t ZX_DEFAULT_RESOURCE_RIGHTS =
    (ZX_RIGHTS_BASIC & ~ZX_RIGHT_WAIT) | ZX_RIGHT_WRITE | ZX_RIGHT_GET_PROPERTY;
constexpr zx_rights_t ZX_DEFAULT_INTERRUPT_RIGHTS =
    ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHT_SIGNAL;
constexpr zx_rights_t ZX_DEFAULT_IOMMU_RIGHTS = ZX_RIGHTS_BASIC & ~ZX_RIGHT_WAIT;
constexpr zx_rights_t ZX_DEFAULT_BTI_RIGHTS =
    (ZX_RIGHTS_BASIC & ~ZX_RIGHT_WAIT) | ZX_RIGHTS_IO | ZX_RIGHT_MAP;
constexpr zx_rights_t ZX_DEFAULT_PMT_RIGHTS = ZX_RIGHT_INSPECT;
constexpr zx_rights_t ZX_DEFAULT_LOG_RIGHTS = ZX_RIGHTS_BASIC | ZX_RIGHT_WRITE | ZX_RIGHT_SIGNAL;
