// The process bootstrap message (the "processargs" protocol). Handle-info ids and their
// values are Fuchsia's (<zircon/processargs.h>); the message layout is this system's, a
// trimmed zx_proc_args without the names table. docs/userspace.md describes the protocol.

#ifndef ZIRCON_PROCESSARGS_H_
#define ZIRCON_PROCESSARGS_H_

#include <zircon/types.h>

__BEGIN_CDECLS

#define ZX_PROCARGS_PROTOCOL ((uint32_t)0x4150585au)  // "ZXPA" little-endian
#define ZX_PROCARGS_VERSION ((uint32_t)1u)

// The first message on a new process's bootstrap channel starts with this header. Offsets
// are from the start of the message bytes.
typedef struct zx_proc_args {
  uint32_t protocol;         // ZX_PROCARGS_PROTOCOL
  uint32_t version;          // ZX_PROCARGS_VERSION
  uint32_t handle_info_off;  // uint32_t handle_info[num_handles], one per message handle
  uint32_t args_off;         // args_num NUL-terminated strings, back to back
  uint32_t args_num;
  uint32_t environ_off;  // environ_num NUL-terminated strings (0 and 0: none)
  uint32_t environ_num;
} zx_proc_args_t;

// A handle-info entry: the type in the low 16 bits, a type-specific argument above.
#define PA_HND(type, arg) (((type)&0xFFu) | (((arg)&0xFFFFu) << 16))
#define PA_HND_TYPE(n) ((n)&0xFFu)
#define PA_HND_ARG(n) (((n) >> 16) & 0xFFFFu)

#define PA_PROC_SELF 0x01u    // the process itself
#define PA_THREAD_SELF 0x02u  // the process's first thread
#define PA_JOB_DEFAULT 0x03u  // the job new processes are created in
#define PA_VMAR_ROOT 0x04u    // the process's root VMAR
#define PA_VMAR_LOADED 0x05u  // the VMAR the program was loaded into
#define PA_VMO_BOOTFS 0x1Bu   // the boot image (see docs/userspace.md)
#define PA_NS_DIR 0x20u       // a filesystem connection; arg 0 is the root "/" (docs/fs.md)
#define PA_RESOURCE 0x3Fu  // the root resource (the first process only: docs/objects/resource.md)
#define PA_USER0 0xF0u     // free for the launcher and the program to agree on
#define PA_USER1 0xF1u
#define PA_USER2 0xF2u

// Takes the startup handle with handle-info `info` out of the bootstrap message: the first
// call returns it and hands ownership to the caller, later calls return ZX_HANDLE_INVALID.
// PA_PROC_SELF, PA_THREAD_SELF and PA_VMAR_ROOT are kept by the C library (use
// zx_process_self() and zx_vmar_root_self()) and are never returned here.
zx_handle_t zx_take_startup_handle(uint32_t info);

__END_CDECLS

#endif  // ZIRCON_PROCESSARGS_H_
