// C library start-up: read the bootstrap message, keep the well-known handles, build argv, run
// global constructors, call main and exit with its result. The protocol is in
// docs/userspace.md and <zircon/processargs.h>.
#include <bootfs.h>
#include <stdlib.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/processargs.h>
#include <zircon/syscalls.h>

extern "C" int main(int argc, char** argv);
extern "C" [[noreturn]] void __libc_start(zx_handle_t bootstrap);

// Bounds of .init_array, from user/lib/user.ld.
extern "C" void (*__init_array_start[])();
extern "C" void (*__init_array_end[])();

namespace {

constexpr uint32_t kMaxHandles = 64;  // the channel limit
constexpr int kMaxArgs = 64;

alignas(8) char g_msg[16384];
zx_handle_t g_handles[kMaxHandles];
uint32_t g_info[kMaxHandles];
uint32_t g_nhandles;

zx_handle_t g_proc_self;
zx_handle_t g_vmar_root;
zx_handle_t g_thread_self;

char* g_argv[kMaxArgs + 1];
char* g_envp[kMaxArgs + 1];

[[noreturn]] void die(const char* msg) {
  zx_debug_write(msg, strlen(msg));
  zx_process_exit(-1);
}

uint32_t read_u32(const char* p) {
  uint32_t v;
  memcpy(&v, p, sizeof(v));
  return v;
}

// Removes the entry for `info` from the table and returns its handle (or invalid).
zx_handle_t take(uint32_t info) {
  for (uint32_t i = 0; i < g_nhandles; i++) {
    if (g_info[i] == info && g_handles[i] != ZX_HANDLE_INVALID) {
      zx_handle_t h = g_handles[i];
      g_handles[i] = ZX_HANDLE_INVALID;
      return h;
    }
  }
  return ZX_HANDLE_INVALID;
}

// Collects `num` NUL-terminated strings laid back to back from offset `off` of the message (the
// arguments, or the environment) into out[] (at most kMaxArgs, then a nullptr); returns how many.
int read_strings(uint32_t off, uint32_t num, uint32_t nbytes, char** out) {
  int n = 0;
  if (num > 0 && off >= nbytes) die("libc: bootstrap strings out of bounds\n");
  for (uint32_t i = 0; i < num; i++) {
    char* str = g_msg + off;
    size_t len = strnlen(str, nbytes - off);
    if (len == nbytes - off) die("libc: bootstrap string not terminated\n");
    if (n < kMaxArgs) out[n++] = str;
    off += static_cast<uint32_t>(len) + 1;
  }
  out[n] = nullptr;
  return n;
}

// Reads and checks the bootstrap message; returns argc and fills g_argv and g_envp.
int read_bootstrap(zx_handle_t bootstrap) {
  uint32_t nbytes = 0, nhandles = 0;
  zx_status_t s = zx_channel_read(bootstrap, 0, g_msg, g_handles, sizeof(g_msg), kMaxHandles,
                                  &nbytes, &nhandles);
  if (s != ZX_OK) die("libc: cannot read the bootstrap message\n");
  zx_handle_close(bootstrap);
  g_nhandles = nhandles;

  if (nbytes < sizeof(zx_proc_args_t)) die("libc: bootstrap message too short\n");
  zx_proc_args_t pa;
  memcpy(&pa, g_msg, sizeof(pa));
  if (pa.protocol != ZX_PROCARGS_PROTOCOL || pa.version != ZX_PROCARGS_VERSION) {
    die("libc: bootstrap message has a bad protocol or version\n");
  }
  if (pa.handle_info_off > nbytes || (nbytes - pa.handle_info_off) / 4 < nhandles) {
    die("libc: bootstrap handle info out of bounds\n");
  }
  for (uint32_t i = 0; i < nhandles; i++) g_info[i] = read_u32(g_msg + pa.handle_info_off + 4 * i);

  int argc = read_strings(pa.args_off, pa.args_num, nbytes, g_argv);
  read_strings(pa.environ_off, pa.environ_num, nbytes, g_envp);  // NAME=VALUE strings
  return argc;
}

}  // namespace

extern "C" zx_handle_t zx_process_self(void) { return g_proc_self; }
extern "C" zx_handle_t zx_vmar_root_self(void) { return g_vmar_root; }
extern "C" zx_handle_t zx_thread_self(void) { return g_thread_self; }
// The job stays in the table (the launcher duplicates it for children).
extern "C" zx_handle_t zx_job_default(void) {
  for (uint32_t i = 0; i < g_nhandles; i++) {
    if (g_info[i] == PA_JOB_DEFAULT) return g_handles[i];
  }
  return ZX_HANDLE_INVALID;
}

extern "C" char* getenv(const char* name) {
  size_t n = strlen(name);
  for (char** e = g_envp; *e != nullptr; e++)
    if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') return *e + n + 1;
  return nullptr;
}

extern "C" zx_handle_t zx_take_startup_handle(uint32_t info) {
  if (info == PA_PROC_SELF || info == PA_THREAD_SELF || info == PA_VMAR_ROOT) {
    return ZX_HANDLE_INVALID;
  }
  return take(info);
}

// The boot image stays in the table (the launcher duplicates it for children) until a program
// takes it.
extern "C" zx_handle_t bootfs_vmo(void) {
  for (uint32_t i = 0; i < g_nhandles; i++) {
    if (g_info[i] == PA_VMO_BOOTFS) return g_handles[i];
  }
  return ZX_HANDLE_INVALID;
}

extern "C" [[noreturn]] void __libc_start(zx_handle_t bootstrap) {
  int argc = read_bootstrap(bootstrap);
  g_proc_self = take(PA_PROC_SELF);
  g_vmar_root = take(PA_VMAR_ROOT);
  g_thread_self = take(PA_THREAD_SELF);
  if (g_vmar_root == ZX_HANDLE_INVALID) die("libc: no PA_VMAR_ROOT handle\n");

  for (void (**f)() = __init_array_start; f < __init_array_end; f++) (*f)();
  exit(main(argc, g_argv));
}
