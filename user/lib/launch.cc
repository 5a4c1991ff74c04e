// The launcher: loads a boot-image program into a new process and starts it with the
// bootstrap message of docs/userspace.md.
//
// kernel/lib/elf.h must come first: it includes kernel/status.h, whose constexpr ZX_* names
// would collide with the macros of <zircon/errors.h> if those were defined before it.
#include "kernel/lib/elf.h"
// clang-format off
#include <bootfs.h>
#include <fs.h>
#include <launch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/processargs.h>
#include <zircon/syscalls.h>
#include <zx/handle.h>
// clang-format on

namespace {

constexpr uint64_t kPage = 4096;
constexpr size_t kStackSize = 64 * 1024;
constexpr size_t kGuardSize = kPage;
constexpr uint32_t kBaseHandles = 4;  // PROC_SELF, THREAD_SELF, VMAR_ROOT, VMO_BOOTFS
constexpr uint32_t kMaxHandles = 64;  // per channel message
constexpr uint32_t kMaxExtra = kMaxHandles - kBaseHandles - 1;  // one left for the job
constexpr size_t kMaxMessage = 65536;

uint64_t page_down(uint64_t v) { return v & ~(kPage - 1); }
uint64_t page_up(uint64_t v) { return (v + kPage - 1) & ~(kPage - 1); }

// Frees a malloc'd buffer at scope exit.
struct Buffer {
  Buffer() = default;
  explicit Buffer(size_t n) : p(static_cast<uint8_t*>(malloc(n))) {}
  ~Buffer() { free(p); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  uint8_t* p = nullptr;
};

// Where a program's bytes are: a file of `size` bytes at `offset` in `vmo` (the boot image, or
// the file's own VMO from the filesystem server, whose pages its pager supplies).
struct Program {
  zx_handle_t vmo = ZX_HANDLE_INVALID;
  uint64_t offset = 0;
  uint64_t size = 0;
  bool from_disk = false;
  zx::handle file_vmo;  // owns vmo when it came from the filesystem
};

// Maps one segment at its link address. A read-only segment of a file from disk maps the file's
// VMO itself: every process running the program shares those pages, and they come from the
// filesystem's pager on first touch. Any other segment is a copy-on-write snapshot of the file's
// pages: bytes of the last file page past the segment's end belong to whatever follows in the
// file, so they are cleared, and the object grows to cover .bss, which reads as zero.
zx_status_t map_segment(zx_handle_t vmar, uint64_t vmar_base, const Program& prog,
                        const ElfSegment& seg) {
  uint64_t start = page_down(seg.vaddr);
  uint64_t len = page_up(seg.vaddr + seg.memsz) - start;
  if (start < vmar_base) return ZX_ERR_OUT_OF_RANGE;
  zx_vm_option_t perms = ZX_VM_PERM_READ;  // W and X both need R
  if (seg.flags & kElfW) perms |= ZX_VM_PERM_WRITE;
  if (seg.flags & kElfX) perms |= ZX_VM_PERM_EXECUTE;
  zx_vaddr_t addr;
  bool shared = prog.from_disk && !(seg.flags & kElfW) && seg.filesz == seg.memsz &&
                (seg.vaddr - seg.offset) % kPage == 0 &&
                page_up(seg.offset + seg.filesz) <= page_up(prog.size);
  if (shared)
    return zx_vmar_map(vmar, perms | ZX_VM_SPECIFIC, start - vmar_base, prog.vmo,
                       page_down(seg.offset), len, &addr);
  zx::handle vmo;
  zx_status_t s;
  if (seg.filesz == 0) {
    s = zx_vmo_create(len, 0, vmo.reset_and_get_address());
  } else {
    uint64_t file_page = page_down(seg.offset);
    uint64_t file_len = page_up(seg.offset + seg.filesz) - file_page;
    uint64_t data_end = seg.offset + seg.filesz - file_page;
    // Only bytes the segment covers (its .bss) must read as zero; past memsz nothing sees them.
    uint64_t zero_end = page_up(seg.offset + seg.memsz) - file_page;
    if (zero_end > file_len) zero_end = file_len;
    s = zx_vmo_create_child(prog.vmo,
                            ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE | ZX_VMO_CHILD_RESIZABLE,
                            prog.offset + file_page, file_len, vmo.reset_and_get_address());
    // Less than a page (the tail of the last one): written, which copies that page.
    static const uint8_t kZeros[kPage] = {};
    if (s == ZX_OK && seg.memsz > seg.filesz && data_end < zero_end)
      s = zx_vmo_write(vmo.get(), kZeros, data_end, zero_end - data_end);
    if (s == ZX_OK && len > file_len) s = zx_vmo_set_size(vmo.get(), len);
  }
  if (s != ZX_OK) return s;
  if (seg.flags & kElfX) {
    zx_handle_t exec;
    s = zx_vmo_replace_as_executable(vmo.release(), ZX_HANDLE_INVALID, &exec);
    if (s != ZX_OK) return s;
    vmo.reset(exec);
  }
  return zx_vmar_map(vmar, perms | ZX_VM_SPECIFIC, start - vmar_base, vmo.get(), 0, len, &addr);
}

// Maps the program's segments into the process's root VMAR; returns the entry point. `headers`
// holds the first `avail` bytes of the program.
zx_status_t load_elf(zx_handle_t vmar, const uint8_t* headers, uint64_t avail, const Program& prog,
                     zx_vaddr_t* entry) {
  zx_info_vmar_t info;
  zx_status_t s = zx_object_get_info(vmar, ZX_INFO_VMAR, &info, sizeof(info), nullptr, nullptr);
  if (s != ZX_OK) return s;
  ElfImage image;
  s = elf_parse_headers(headers, avail, prog.size, info.base + info.len, &image);
  if (s != ZX_OK) return s;
  if (image.is_pie) return ZX_ERR_NOT_SUPPORTED;  // programs are linked at a fixed address
  for (int i = 0; i < image.nsegments; i++) {
    s = map_segment(vmar, info.base, prog, image.segments[i]);
    if (s != ZX_OK) return s;
  }
  *entry = image.entry;
  return ZX_OK;
}

// Maps a stack with an unmapped guard page below it; returns the initial sp.
zx_status_t map_stack(zx_handle_t vmar, zx_vaddr_t* sp) {
  zx::handle region;
  zx_vaddr_t region_base;
  zx_status_t s =
      zx_vmar_allocate(vmar, ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_SPECIFIC, 0,
                       kGuardSize + kStackSize, region.reset_and_get_address(), &region_base);
  if (s != ZX_OK) return s;
  zx::handle vmo;
  if ((s = zx_vmo_create(kStackSize, 0, vmo.reset_and_get_address())) != ZX_OK) return s;
  zx_vaddr_t stack_base;
  s = zx_vmar_map(region.get(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_SPECIFIC, kGuardSize,
                  vmo.get(), 0, kStackSize, &stack_base);
  if (s != ZX_OK) return s;
  *sp = stack_base + kStackSize;  // page-aligned, so 16-byte aligned
  return ZX_OK;
}

// Opens a program file on the filesystem for execution.
zx_status_t open_from_disk(const char* path, Program* prog) {
  int fd = fs_open(path, FS_O_READ | FS_O_EXEC, 0);
  if (fd < 0) return fd;
  fs_stat_t st;
  zx_status_t s = fs_fstat(fd, &st);
  if (s == ZX_OK && (st.mode & FS_S_IFMT) != FS_S_IFREG) s = ZX_ERR_NOT_FILE;
  if (s == ZX_OK)  // the descriptor goes; the VMO (a handle of our own) stays
    s = zx_handle_duplicate(fs_vmo(fd), ZX_RIGHT_SAME_RIGHTS,
                            prog->file_vmo.reset_and_get_address());
  fs_close(fd);
  if (s != ZX_OK) return s;
  prog->vmo = prog->file_vmo.get();
  prog->size = st.size;
  prog->from_disk = true;
  return ZX_OK;
}

// Finds a program: a name with a '/' is a path on the filesystem; a bare name is looked for in
// the boot image, then in /bin on the filesystem. Reads its first page (the ELF and program
// headers, for elf_parse_headers).
zx_status_t find_program(const char* name, Program* prog, uint8_t* page, uint64_t* avail) {
  zx_status_t s;
  if (strchr(name, '/') != nullptr) {
    s = open_from_disk(name, prog);
  } else {
    zx_handle_t bootfs = bootfs_vmo();
    bootfs_entry_t e;
    s = bootfs == ZX_HANDLE_INVALID ? ZX_ERR_NOT_FOUND : bootfs_find(bootfs, name, &e);
    if (s == ZX_OK) {
      prog->vmo = bootfs;
      prog->offset = e.offset;
      prog->size = e.size;
    } else if (s == ZX_ERR_NOT_FOUND && fs_status() == ZX_OK) {
      char path[FS_MAX_NAME + 6];
      if (strlen(name) > FS_MAX_NAME) return ZX_ERR_NOT_FOUND;
      snprintf(path, sizeof(path), "/bin/%s", name);
      s = open_from_disk(path, prog);
    }
  }
  if (s != ZX_OK) return s;
  *avail = prog->size < kPage ? prog->size : kPage;
  return zx_vmo_read(prog->vmo, page, prog->offset, *avail);
}

}  // namespace

extern "C" zx_status_t launch(const char* name, int argc, const char* const* argv,
                              zx_handle_t* extra_handles, const uint32_t* extra_info,
                              uint32_t n_extra, zx_handle_t* process_out) {
  // Take ownership of the extra handles first, so every failure path closes them.
  if (n_extra > kMaxExtra) {
    zx_handle_close_many(extra_handles, n_extra);
    return ZX_ERR_OUT_OF_RANGE;
  }
  zx::handle extras[kMaxExtra];
  uint32_t extra_types[kMaxExtra];
  for (uint32_t i = 0; i < n_extra; i++) {
    extras[i].reset(extra_handles[i]);
    extra_types[i] = extra_info[i];
  }
  if (name == nullptr || argc < 0 || (argc > 0 && argv == nullptr)) return ZX_ERR_INVALID_ARGS;

  uint8_t headers[kPage];
  uint64_t avail = 0;
  Program prog;
  zx_status_t s = find_program(name, &prog, headers, &avail);
  if (s != ZX_OK) return s;
  // The process is named after the program, not its path.
  const char* base = strrchr(name, '/');
  base = base != nullptr ? base + 1 : name;

  // The child shares this process's filesystem (a new connection to the same server), unless
  // the caller passes it a namespace of its own (or leaves no room for one). Without a
  // filesystem here it gets none. Cloning is a call to the server, so it must be running: a
  // process that starts the server installs its connection (fs_set_connection) afterwards.
  bool has_ns = false;
  for (uint32_t i = 0; i < n_extra; i++) has_ns |= PA_HND_TYPE(extra_info[i]) == PA_NS_DIR;
  zx_handle_t ns = ZX_HANDLE_INVALID;
  if (!has_ns && n_extra < kMaxExtra && fs_status() == ZX_OK && fs_clone_connection(&ns) == ZX_OK) {
    extras[n_extra].reset(ns);
    extra_types[n_extra++] = PA_HND(PA_NS_DIR, 0);
  }

  zx::handle proc, vmar, thread;
  s = zx_process_create(zx_job_default(), base, strlen(base), 0, proc.reset_and_get_address(),
                        vmar.reset_and_get_address());
  if (s != ZX_OK) return s;
  zx_vaddr_t entry = 0, sp = 0;
  if ((s = load_elf(vmar.get(), headers, avail, prog, &entry)) != ZX_OK) return s;
  if ((s = map_stack(vmar.get(), &sp)) != ZX_OK) return s;
  static const char kThreadName[] = "initial-thread";
  s = zx_thread_create(proc.get(), kThreadName, sizeof(kThreadName) - 1, 0,
                       thread.reset_and_get_address());
  if (s != ZX_OK) return s;

  // The bootstrap message: header, handle info, argv strings, then the environment: PWD, the
  // working directory, when the child has a filesystem to resolve relative paths in.
  size_t args_bytes = 0;
  for (int i = 0; i < argc; i++) args_bytes += strlen(argv[i]) + 1;
  char pwd[FS_MAX_PATH + 8] = "";
  if (fs_status() == ZX_OK) snprintf(pwd, sizeof(pwd), "PWD=%s", fs_getcwd());
  size_t env_bytes = pwd[0] ? strlen(pwd) + 1 : 0;
  // The child also gets our job, so it can launch programs in turn.
  bool pass_job = zx_job_default() != ZX_HANDLE_INVALID;
  uint32_t nhandles = kBaseHandles + n_extra + (pass_job ? 1 : 0);
  size_t info_off = sizeof(zx_proc_args_t);
  size_t args_off = info_off + 4 * nhandles;
  size_t env_off = args_off + args_bytes;
  size_t msg_size = env_off + env_bytes;
  if (msg_size > kMaxMessage) return ZX_ERR_OUT_OF_RANGE;
  Buffer msg(msg_size);
  if (msg.p == nullptr) return ZX_ERR_NO_MEMORY;
  zx_proc_args_t header = {ZX_PROCARGS_PROTOCOL,
                           ZX_PROCARGS_VERSION,
                           static_cast<uint32_t>(info_off),
                           static_cast<uint32_t>(args_off),
                           static_cast<uint32_t>(argc),
                           static_cast<uint32_t>(env_off),
                           env_bytes ? 1u : 0u};
  memcpy(msg.p, &header, sizeof(header));
  uint32_t info[kMaxHandles] = {PA_PROC_SELF, PA_THREAD_SELF, PA_VMAR_ROOT, PA_VMO_BOOTFS};
  for (uint32_t i = 0; i < n_extra; i++) info[kBaseHandles + i] = extra_types[i];
  if (pass_job) info[kBaseHandles + n_extra] = PA_JOB_DEFAULT;
  memcpy(msg.p + info_off, info, 4 * nhandles);
  char* p = reinterpret_cast<char*>(msg.p + args_off);
  for (int i = 0; i < argc; i++) {
    size_t n = strlen(argv[i]) + 1;
    memcpy(p, argv[i], n);
    p += n;
  }
  memcpy(p, pwd, env_bytes);

  zx::handle proc_dup, thread_dup, bootfs_dup, job_dup, ch0, ch1;
  if (pass_job && (s = zx_handle_duplicate(zx_job_default(), ZX_RIGHT_SAME_RIGHTS,
                                           job_dup.reset_and_get_address())) != ZX_OK)
    return s;
  if ((s = zx_handle_duplicate(proc.get(), ZX_RIGHT_SAME_RIGHTS,
                               proc_dup.reset_and_get_address())) != ZX_OK ||
      (s = zx_handle_duplicate(thread.get(), ZX_RIGHT_SAME_RIGHTS,
                               thread_dup.reset_and_get_address())) != ZX_OK ||
      (s = zx_handle_duplicate(bootfs_vmo(), ZX_RIGHT_SAME_RIGHTS,
                               bootfs_dup.reset_and_get_address())) != ZX_OK ||
      (s = zx_channel_create(0, ch0.reset_and_get_address(), ch1.reset_and_get_address())) !=
          ZX_OK) {
    return s;
  }
  // The write moves every handle, even when it fails, so release them all before it.
  zx_handle_t handles[kMaxHandles] = {proc_dup.release(), thread_dup.release(), vmar.release(),
                                      bootfs_dup.release()};
  for (uint32_t i = 0; i < n_extra; i++) handles[kBaseHandles + i] = extras[i].release();
  if (pass_job) handles[kBaseHandles + n_extra] = job_dup.release();
  s = zx_channel_write(ch0.get(), 0, msg.p, static_cast<uint32_t>(msg_size), handles, nhandles);
  if (s != ZX_OK) return s;
  ch0.reset();  // the message stays queued for the child

  // zx_process_start takes ch1 even if it fails.
  s = zx_process_start(proc.get(), thread.get(), entry, sp, ch1.release(), 0);
  if (s != ZX_OK) return s;
  if (process_out != nullptr) *process_out = proc.release();
  return ZX_OK;
}

extern "C" zx_status_t wait_process(zx_handle_t process, int64_t* return_code) {
  zx_signals_t observed;
  zx_status_t s = zx_object_wait_one(process, ZX_PROCESS_TERMINATED, ZX_TIME_INFINITE, &observed);
  if (s != ZX_OK) return s;
  zx_info_process_t info;
  s = zx_object_get_info(process, ZX_INFO_PROCESS, &info, sizeof(info), nullptr, nullptr);
  if (s != ZX_OK) return s;
  *return_code = info.return_code;
  return ZX_OK;
}
