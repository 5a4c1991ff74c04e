// Userboot: the kernel-side loader for the very first program. It does what the user
// launcher (user/lib/launch.cc) does for every later program: read the ELF from the boot
// image, map each segment from a fresh VMO at its address, map a stack with a guard page
// below it, and send the startup message over a bootstrap channel. Nothing else is ambient:
// init gets exactly the handles in that message (its process, thread and root VMAR, the boot
// image, and the root job).
#include "kernel/userboot.h"

#include "kernel/lib/elf.h"
#include "kernel/lib/string.h"
#include "kernel/object/channel_dispatcher.h"
#include "kernel/object/job_dispatcher.h"
#include "kernel/object/resource_dispatcher.h"
#include "kernel/object/rights.h"
#include "kernel/object/thread_dispatcher.h"
#include "kernel/object/vm_address_region_dispatcher.h"
#include "kernel/object/vm_object_dispatcher.h"
#include "kernel/panic.h"
#include "kernel/user_copy.h"

extern "C" const uint8_t bootfs_image_start[], bootfs_image_end[];

namespace {
constexpr uint64_t kStackSize = 64 * 1024;
constexpr size_t kMaxCmdline = 256;  // bytes of a run= command line
// processargs (docs/userspace.md): the startup message header and handle kinds.
constexpr uint32_t kProcArgsProtocol = 0x4150585a;
constexpr uint32_t kPaProcSelf = 0x01, kPaThreadSelf = 0x02, kPaJobDefault = 0x03,
                   kPaVmarRoot = 0x04, kPaVmoBootfs = 0x1B, kPaResource = 0x3F;
struct ProcArgs {
  uint32_t protocol, version, handle_info_off, args_off, args_num, environ_off, environ_num;
};

uint32_t rd32(const uint8_t* p) {
  return p[0] | p[1] << 8 | p[2] << 16 | static_cast<uint32_t>(p[3]) << 24;
}
uint64_t rd64(const uint8_t* p) { return rd32(p) | static_cast<uint64_t>(rd32(p + 4)) << 32; }

// Finds a file in the boot image (format: docs/userspace.md).
zx_status_t bootfs_find(const char* name, const uint8_t** data, uint64_t* size) {
  const uint8_t* img = bootfs_image_start;
  uint64_t img_size = static_cast<uint64_t>(bootfs_image_end - bootfs_image_start);
  if (img_size < 8 || memcmp(img, "BFS1", 4) != 0) return ZX_ERR_NOT_FOUND;
  uint32_t count = rd32(img + 4);
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t* e = img + 8 + i * 48;
    if (e + 48 > bootfs_image_end) return ZX_ERR_IO_DATA_INTEGRITY;
    if (strncmp(reinterpret_cast<const char*>(e), name, 32) != 0) continue;
    uint64_t off = rd64(e + 32), sz = rd64(e + 40);
    if (off > img_size || sz > img_size - off) return ZX_ERR_IO_DATA_INTEGRITY;
    *data = img + off;
    *size = sz;
    return ZX_OK;
  }
  return ZX_ERR_NOT_FOUND;
}

uint32_t elf_to_vm(uint32_t f) {
  return (f & kElfR ? kVmRead : 0) | (f & kElfW ? kVmWrite : 0) | (f & kElfX ? kVmExecute : 0);
}

zx_status_t map_segments(ProcessDispatcher* p, const uint8_t* file, const ElfImage& img) {
  VmAddressRegion* root = p->aspace()->root().get();
  for (int i = 0; i < img.nsegments; i++) {
    const ElfSegment& seg = img.segments[i];
    uint64_t start = seg.vaddr & ~4095ull;
    uint64_t end = (seg.vaddr + seg.memsz + 4095) & ~4095ull;
    RefPtr<VmObject> vmo;
    zx_status_t s = VmObject::create(end - start, 0, &vmo);
    if (s == ZX_OK && seg.filesz) s = vmo->write(file + seg.offset, seg.vaddr - start, seg.filesz);
    if (s != ZX_OK) return s;
    if (start < root->base()) return ZX_ERR_OUT_OF_RANGE;
    RefPtr<VmMapping> m;
    s = root->map(start - root->base(), end - start, vmo, 0, elf_to_vm(seg.flags) | kVmSpecific, 0,
                  &m);
    if (s != ZX_OK) return s;
  }
  return ZX_OK;
}

// A message handle: counted as a handle of its object while it is in flight.
void put_handle(MessagePacket* m, RefPtr<Dispatcher> obj, zx_rights_t rights) {
  if (m->num_handles >= m->max_handles) panic("userboot: bootstrap message has too many handles");
  obj->increment_handle_count();
  m->handles[m->num_handles].obj = move(obj);
  m->handles[m->num_handles].rights = rights;
  m->num_handles++;
}
}  // namespace

zx_status_t userboot_start(const char* cmdline, RefPtr<ProcessDispatcher>* out) {
  // argv: the command line with each comma made a NUL; argv[0] names the program.
  char args[kMaxCmdline];
  size_t args_len = strlen(cmdline) + 1;
  if (args_len > sizeof(args)) return ZX_ERR_INVALID_ARGS;
  memcpy(args, cmdline, args_len);
  uint32_t argc = 1;
  for (size_t i = 0; i + 1 < args_len; i++) {
    if (args[i] == ',') {
      args[i] = 0;
      argc++;
    }
  }
  const char* name = args;
  const uint8_t* file;
  uint64_t size;
  zx_status_t s = bootfs_find(name, &file, &size);
  if (s != ZX_OK) return s;
  ElfImage img;
  s = elf_parse(file, size, kUserTop, &img);
  if (s != ZX_OK) return s;

  RefPtr<ProcessDispatcher> p;
  s = ProcessDispatcher::create(name, &p);
  if (s != ZX_OK) return s;
  s = map_segments(p.get(), file, img);
  // The stack: a sub-VMAR one page bigger than the stack, whose lowest page stays unmapped.
  RefPtr<VmAddressRegion> stack_vmar;
  RefPtr<VmObject> stack;
  RefPtr<VmMapping> stack_map;
  if (s == ZX_OK)
    s = p->aspace()->root()->allocate(
        0, kStackSize + 4096, kVmCanMapRead | kVmCanMapWrite | kVmCanMapSpecific, 0, &stack_vmar);
  if (s == ZX_OK) s = VmObject::create(kStackSize, 0, &stack);
  if (s == ZX_OK)
    s = stack_vmar->map(4096, kStackSize, stack, 0, kVmRead | kVmWrite | kVmSpecific, 0,
                        &stack_map);
  RefPtr<ThreadDispatcher> t;
  if (s == ZX_OK) s = ThreadDispatcher::create(p, "initial-thread", &t);

  // The boot image as a VMO, so init (and the programs it launches) can read programs from it.
  RefPtr<VmObject> bootfs;
  uint64_t img_size = static_cast<uint64_t>(bootfs_image_end - bootfs_image_start);
  if (s == ZX_OK) s = VmObject::create(img_size, 0, &bootfs);
  if (s == ZX_OK) s = bootfs->write(bootfs_image_start, 0, img_size);
  if (s == ZX_OK) bootfs->set_name("bootfs");

  RefPtr<ChannelDispatcher> mine, theirs;
  if (s == ZX_OK) s = ChannelDispatcher::create(&mine, &theirs);
  MessagePacket* m = nullptr;
  if (s == ZX_OK) {
    // Header, six handle-info words, then the argv strings.
    size_t name_len = args_len;
    uint32_t bytes = sizeof(ProcArgs) + 6 * sizeof(uint32_t) + static_cast<uint32_t>(name_len);
    m = MessagePacket::create(bytes, 6);
    if (!m) s = ZX_ERR_NO_MEMORY;
    if (s == ZX_OK) {
      ProcArgs pa{kProcArgsProtocol, 1, sizeof(ProcArgs), sizeof(ProcArgs) + 24, argc, 0, 0};
      // The first process alone gets the root resource: the right to reach hardware, which it
      // hands on to drivers (docs/objects/resource.md).
      uint32_t info[6] = {kPaProcSelf,  kPaThreadSelf, kPaVmarRoot,
                          kPaVmoBootfs, kPaJobDefault, kPaResource};
      memcpy(m->bytes, &pa, sizeof(pa));
      memcpy(m->bytes + sizeof(pa), info, sizeof(info));
      memcpy(m->bytes + sizeof(pa) + sizeof(info), args, name_len);
      auto* vmar = new VmAddressRegionDispatcher(p->aspace()->root(), true);
      auto* vmo = new VmObjectDispatcher(bootfs);
      if (!vmar || !vmo) {
        delete vmar;
        delete vmo;
        s = ZX_ERR_NO_MEMORY;
      } else {
        put_handle(m, RefPtr<Dispatcher>(p), ZX_DEFAULT_PROCESS_RIGHTS);
        put_handle(m, RefPtr<Dispatcher>(t), ZX_DEFAULT_THREAD_RIGHTS);
        put_handle(m, adopt<Dispatcher>(vmar), kRootVmarRights);
        put_handle(m, adopt<Dispatcher>(vmo), ZX_DEFAULT_VMO_RIGHTS & ~ZX_RIGHT_WRITE);
        put_handle(m, RefPtr<Dispatcher>(JobDispatcher::root()), ZX_DEFAULT_JOB_RIGHTS);
        put_handle(m, RefPtr<Dispatcher>(ResourceDispatcher::root()), ZX_DEFAULT_RESOURCE_RIGHTS);
        s = mine->write(m);
      }
    }
  }
  if (s != ZX_OK && m) MessagePacket::destroy(m);
  // The bootstrap channel's other end is init's first handle, passed in a0.
  zx_handle_t bootstrap = ZX_HANDLE_INVALID;
  if (s == ZX_OK)
    s = p->handles().add(RefPtr<Dispatcher>(theirs), ZX_DEFAULT_CHANNEL_RIGHTS, &bootstrap);
  // Our end goes away: the message stays queued for init to read.
  if (mine) {
    mine->increment_handle_count();
    mine->decrement_handle_count();
  }
  if (s == ZX_OK) s = t->start(img.entry, stack_map->base() + kStackSize, bootstrap, 0);
  if (s != ZX_OK) {
    p->kill(ZX_TASK_RETCODE_SYSCALL_KILL);
    return s;
  }
  *out = p;
  return ZX_OK;
}
