// fuzz: a seeded random syscall fuzzer. Each iteration calls one syscall of
// kernel/syscalls.table with random arguments: handles from a pool of handles it created (plus
// random values, 0, ZX_HANDLE_INVALID and values with the fixed bits set), sizes and offsets
// biased to edge values, and pointers that are valid (a scratch buffer), NULL, kernel addresses,
// unmapped, misaligned or at the top of user space. The seed is fixed, so a run is
// reproducible. It prints "fuzz: seed 0x..." first and "fuzz: N calls, M returned ZX_OK,
// K distinct statuses" last, and exits 0; run as the first process (run=fuzz) the kernel's
// leak check then shows that nothing leaked.
//
// What the fuzzer must not do to itself, and how it avoids it:
// - never zx_process_exit / zx_thread_exit / zx_debug_read (blocks on the console);
// - its own process, thread, root VMAR and boot-image VMO ("self" handles) are passed only to
//   calls that cannot destroy, consume or kill them; a duplicate of one is closed at once
//   instead of entering the pool; a random value that happens to name some other live handle
//   is replaced by ZX_HANDLE_INVALID;
// - threads it creates in its own process are never started (their entry would be garbage);
// - on its root VMAR, unmap/protect/op_range only get ranges inside mappings it made itself
//   (sub-VMARs it allocated are its own: anything goes there);
// - out pointers are only ever the scratch buffer (guarded by unmapped pages on both sides) or
//   invalid addresses, never its code, stack or heap; handle arrays the kernel consumes are
//   filled with pool handles or invalid values first;
// - deadlines are capped at now + 1 ms. The loop itself never allocates (no malloc, no
//   printf), so nothing but the fuzzer maps memory while it runs.
//
// Besides single calls with random arguments, a share of the iterations build structures with
// meaningful arguments (build_structure): nested VMARs, VMO clone chains, channels carrying
// channel ends (nested a few levels), ports with many asynchronous waits that then fire,
// messages carrying handles, zx_channel_call on channels whose other end the fuzzer holds (the
// request is read back and answered late), and zx_object_get_child with koids of objects it
// made. Depths stay small (at most 24): the deep versions are the hostile suite's.
//
// `fuzz [SEED [ITERATIONS]]` (run=fuzz,SEED,ITERATIONS) replays another seed.
#include <bootfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>
#include <zircon/syscalls/object.h>
#include <zircon/syscalls/port.h>

namespace {

constexpr uint64_t kDefaultSeed = 0x5eedf022c0ffee01ull;
constexpr int kDefaultIterations = 40000;
constexpr size_t kPage = 4096;
constexpr size_t kScratchSize = 64 * 1024;
constexpr int kPoolMax = 64;
constexpr int kMapsMax = 64;
constexpr int kOwnThreadsMax = 256;
constexpr uintptr_t kKernelAddr = 0xffffffc000000000ull;
constexpr uintptr_t kUserTop = 1ull << 38;

// ---- randomness -------------------------------------------------------------------------------
uint64_t g_rng;

uint64_t rnd() {  // xorshift64*
  g_rng ^= g_rng >> 12;
  g_rng ^= g_rng << 25;
  g_rng ^= g_rng >> 27;
  return g_rng * 0x2545f4914f6cdd1dull;
}
uint64_t below(uint64_t n) { return n ? rnd() % n : 0; }
bool chance(int percent) { return below(100) < static_cast<uint64_t>(percent); }

// Sizes, offsets and lengths: mostly edge values.
uint64_t pick_size() {
  switch (below(14)) {
    case 0:
      return 0;
    case 1:
      return 1;
    case 2:
      return kPage - 1;
    case 3:
      return kPage;
    case 4:
      return kPage + 1;
    case 5:
      return 2 * kPage;
    case 6:
      return UINT64_MAX;
    case 7:
      return 1ull << 40;
    case 8:
      return 1ull << 63;
    case 9:
      return rnd();
    case 10:
      return below(64);
    case 11:
      return below(16) * kPage;
    case 12:
      return below(1 << 20);
    default:
      return UINT64_MAX - below(kPage);
  }
}

uint32_t pick_options32() {
  switch (below(6)) {
    case 0:
    case 1:
      return 0;
    case 2:
      return 1u << below(32);
    case 3:
      return static_cast<uint32_t>(below(4));
    case 4:
      return ~0u;
    default:
      return static_cast<uint32_t>(rnd());
  }
}

zx_time_t pick_deadline() {
  zx_time_t now = zx_clock_get_monotonic();
  switch (below(6)) {
    case 0:
      return 0;
    case 1:
      return ZX_TIME_INFINITE_PAST;
    case 2:
      return -1;
    case 3:
      return now;
    default:
      return now + static_cast<zx_time_t>(below(ZX_MSEC(1)));  // never past now + 1 ms
  }
}

// ---- self handles and the handle pool ---------------------------------------------------------
zx_handle_t g_self_proc, g_self_thread, g_root_vmar;
zx_koid_t g_protected_koids[4];
zx_koid_t g_self_proc_koid;

zx_handle_t g_pool[kPoolMax];
int g_npool;

zx_koid_t g_own_threads[kOwnThreadsMax];  // threads created in this process: never started
int g_nown_threads;
zx_koid_t g_own_vmars[kOwnThreadsMax];  // sub-VMARs of our own address space
int g_nown_vmars;

bool koid_in(const zx_koid_t* set, int n, zx_koid_t koid) {
  for (int i = 0; i < n; i++)
    if (set[i] == koid) return true;
  return false;
}

// Is `vmar` our root VMAR or a region inside our own address space?
bool is_own_vmar(zx_handle_t vmar) {
  if (vmar == g_root_vmar) return true;
  zx_info_handle_basic_t info;
  if (zx_object_get_info(vmar, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), nullptr, nullptr) !=
      ZX_OK)
    return false;
  return koid_in(g_own_vmars, g_nown_vmars, info.koid);
}

bool basic_info(zx_handle_t h, zx_info_handle_basic_t* info) {
  return zx_object_get_info(h, ZX_INFO_HANDLE_BASIC, info, sizeof(*info), nullptr, nullptr) ==
         ZX_OK;
}

bool in_pool(zx_handle_t h) {
  for (int i = 0; i < g_npool; i++)
    if (g_pool[i] == h) return true;
  return false;
}

bool is_self(zx_handle_t h) {
  return h == g_self_proc || h == g_self_thread || h == g_root_vmar || h == bootfs_vmo();
}

bool is_own_thread(zx_koid_t koid) {
  for (int i = 0; i < g_nown_threads; i++)
    if (g_own_threads[i] == koid) return true;
  return false;
}

// Takes a handle the kernel gave us into the pool (or closes it if it names a self object).
void pool_add(zx_handle_t h) {
  if (h == ZX_HANDLE_INVALID || in_pool(h) || is_self(h)) return;
  zx_info_handle_basic_t info;
  if (!basic_info(h, &info)) return;  // not a live handle of ours
  for (zx_koid_t k : g_protected_koids) {
    if (info.koid == k) {
      zx_handle_close(h);
      return;
    }
  }
  if (g_npool == kPoolMax) {
    int victim = static_cast<int>(below(kPoolMax));
    zx_handle_close(g_pool[victim]);
    g_pool[victim] = h;
    return;
  }
  g_pool[g_npool++] = h;
}

// Drops pool entries that are no longer live (after calls that consume handles).
void pool_revalidate() {
  for (int i = 0; i < g_npool;) {
    if (zx_object_get_info(g_pool[i], ZX_INFO_HANDLE_VALID, nullptr, 0, nullptr, nullptr) !=
        ZX_OK) {
      g_pool[i] = g_pool[--g_npool];
    } else {
      i++;
    }
  }
}

// A handle argument. `allow_self`: the call cannot hurt a self handle (it only reads it, waits
// on it, or creates something in it).
zx_handle_t pick_handle(bool allow_self) {
  zx_handle_t h;
  switch (below(12)) {
    case 0:
      h = static_cast<zx_handle_t>(rnd());
      break;
    case 1:
      h = 0;
      break;
    case 2:
      h = ZX_HANDLE_INVALID;
      break;
    case 3:
      h = static_cast<zx_handle_t>(rnd()) | ZX_HANDLE_FIXED_BITS_MASK;
      break;
    case 4:
    case 5: {
      zx_handle_t self[] = {g_self_proc, g_self_thread, g_root_vmar, bootfs_vmo()};
      h = self[below(4)];
      break;
    }
    default:
      h = g_npool ? g_pool[below(static_cast<uint64_t>(g_npool))] : 0;
      break;
  }
  if (in_pool(h)) return h;
  if (is_self(h)) return allow_self ? h : ZX_HANDLE_INVALID;
  // A random value: fine as long as it does not name some live handle we do not own.
  if (h != ZX_HANDLE_INVALID &&
      zx_object_get_info(h, ZX_INFO_HANDLE_VALID, nullptr, 0, nullptr, nullptr) == ZX_OK) {
    return ZX_HANDLE_INVALID;
  }
  return h;
}

// ---- memory: scratch, fuzz-made mappings, pointer choices -------------------------------------
char* g_scratch;       // kScratchSize bytes, unmapped pages on both sides
uintptr_t g_unmapped;  // the guard page below the scratch buffer
uintptr_t g_top;       // 4 bytes below the end of the root VMAR (or its end)
uintptr_t g_root_base, g_root_len;

// Where handle-returning calls write: kOutSlots slots, zeroed before each call.
constexpr size_t kOutHandlesOff = 0x100;
constexpr int kOutSlots = 64;
// An array of handles for calls that take (and consume) handle arrays.
constexpr size_t kInHandlesOff = 0x1000;
constexpr size_t kInHandlesMax = 80;

zx_handle_t* out_handle_slot(int i) {
  return reinterpret_cast<zx_handle_t*>(g_scratch + kOutHandlesOff) + i;
}

struct Mapping {
  zx_vaddr_t addr;
  size_t len;
};
Mapping g_maps[kMapsMax];
int g_nmaps;

void record_mapping(zx_vaddr_t addr, size_t len) {
  len = (len + kPage - 1) & ~(kPage - 1);
  if (len == 0) return;
  Mapping m = {addr, len};
  if (g_nmaps < kMapsMax) {
    g_maps[g_nmaps++] = m;
  } else {
    g_maps[below(kMapsMax)] = m;
  }
}

// A pointer the kernel will write through: the scratch buffer or an invalid address.
void* pick_out_ptr() {
  switch (below(10)) {
    case 0:
      return nullptr;
    case 1:
      return reinterpret_cast<void*>(kKernelAddr + below(kPage));
    case 2:
      return reinterpret_cast<void*>(g_unmapped + below(kPage));
    case 3:
      return g_scratch + 1 + below(7);  // misaligned
    case 4:
      return reinterpret_cast<void*>(g_top);
    case 5:
      return reinterpret_cast<void*>(~uintptr_t{0} - below(16));
    case 6:
      return g_scratch + kScratchSize - 1 - below(16);  // runs into the guard page
    default:
      return g_scratch + 0x2000 + below(0x1000) * 8;
  }
}

// A pointer the kernel will only read: any address at all is harmless.
const void* pick_in_ptr() {
  switch (below(10)) {
    case 0:
      return reinterpret_cast<const void*>(rnd());
    case 1:
      return reinterpret_cast<const void*>(0x1000000 + below(1 << 20));  // our own text
    case 2:
      return reinterpret_cast<const void*>(rnd() % kUserTop);
    default:
      return pick_out_ptr();
  }
}

// Fills the in-handle array with safe handle choices; returns a pointer to it, or a bad pointer.
// Handles written into a channel may be channel ends landing in their own peer's queue or in
// each other's: cycles the kernel must collect once their writers close (docs/objects/channel.md,
// "Cycles"), which the leak check after the run proves.
zx_handle_t* pick_in_handles(size_t* count) {
  switch (below(8)) {
    case 0:
      *count = below(4);
      return nullptr;
    case 1:
      *count = 1 + below(4);
      return reinterpret_cast<zx_handle_t*>(kKernelAddr);
    case 2:
      *count = 1 + below(4);
      return reinterpret_cast<zx_handle_t*>(g_unmapped);
    default:
      break;
  }
  switch (below(6)) {
    case 0:
      *count = 0;
      break;
    case 1:
      *count = 64;
      break;
    case 2:
      *count = 65;
      break;
    case 3:
      *count = pick_size();
      break;
    default:
      *count = 1 + below(4);
      break;
  }
  zx_handle_t* arr = reinterpret_cast<zx_handle_t*>(g_scratch + kInHandlesOff);
  // A count past the filled entries would have the kernel read on into the rest of the scratch
  // buffer, where other calls leave handle values (zx_object_wait_many's items name the self
  // handles): such an array ends at the guard page instead, so nothing past it is read.
  if (*count > kInHandlesMax)
    arr = reinterpret_cast<zx_handle_t*>(g_scratch + kScratchSize) - kInHandlesMax;
  size_t fill = *count < kInHandlesMax ? *count : kInHandlesMax;
  for (size_t i = 0; i < kInHandlesMax; i++) arr[i] = i < fill ? pick_handle(false) : 0;
  return arr;
}

// An (address, length) on the root VMAR: inside one of our own mappings.
bool pick_own_range(zx_vaddr_t* addr, size_t* len) {
  if (g_nmaps == 0) return false;
  const Mapping& m = g_maps[below(static_cast<uint64_t>(g_nmaps))];
  size_t pages = m.len / kPage;
  size_t first = below(pages);
  *addr = m.addr + first * kPage;
  size_t left = m.len - first * kPage;
  switch (below(6)) {
    case 0:
      *len = 0;
      break;
    case 1:
      *len = 1 + below(kPage);
      break;
    case 2:
      *len = kPage;
      break;
    case 3:
      *len = left;
      break;
    default:
      *len = (1 + below(left / kPage)) * kPage;
      break;
  }
  if (chance(5)) *addr += 1 + below(kPage - 1);  // unaligned (then the length stays in range)
  if (*len > left - (*addr - m.addr - first * kPage))
    *len = left - (*addr - m.addr - first * kPage);
  return true;
}

// An address for a VMAR we own (not the root): anything, biased to our mappings.
zx_vaddr_t pick_vaddr() {
  switch (below(5)) {
    case 0:
      return rnd();
    case 1:
      return g_nmaps ? g_maps[below(static_cast<uint64_t>(g_nmaps))].addr : 0;
    case 2:
      return g_root_base + below(g_root_len / kPage) * kPage;
    case 3:
      return 0;
    default:
      return g_nmaps ? g_maps[below(static_cast<uint64_t>(g_nmaps))].addr + below(4) * kPage
                     : kPage;
  }
}

// ---- statistics -------------------------------------------------------------------------------
uint64_t g_calls, g_ok;
zx_status_t g_statuses[64];
int g_nstatuses;

void count(zx_status_t s) {
  g_calls++;
  if (s == ZX_OK) g_ok++;
  for (int i = 0; i < g_nstatuses; i++)
    if (g_statuses[i] == s) return;
  if (g_nstatuses < 64) g_statuses[g_nstatuses++] = s;
}

void clear_out_handles() { memset(g_scratch + kOutHandlesOff, 0, kOutSlots * sizeof(zx_handle_t)); }
void collect_out_handles() {
  for (int i = 0; i < kOutSlots; i++) pool_add(*out_handle_slot(i));
}

// An out handle pointer: usually a slot we collect from.
zx_handle_t* pick_out_handle(int slot) {
  return chance(85) ? out_handle_slot(slot) : static_cast<zx_handle_t*>(pick_out_ptr());
}

const char kText[] = "~";  // debug_write output stays short

// ---- one call ---------------------------------------------------------------------------------
enum Sys {
  kHandleClose,
  kHandleCloseMany,
  kHandleDuplicate,
  kHandleReplace,
  kGetInfo,
  kGetProperty,
  kSetProperty,
  kSignal,
  kWaitOne,
  kWaitMany,
  kEventCreate,
  kClockGet,
  kNanosleep,
  kDeadlineAfter,
  kDebugWrite,
  kProcessCreate,
  kProcessStart,
  kThreadCreate,
  kThreadStart,
  kTaskKill,
  kVmoCreate,
  kVmoRead,
  kVmoWrite,
  kVmoGetSize,
  kVmoSetSize,
  kVmoOpRange,
  kVmoCreateChild,
  kVmoReplaceAsExecutable,
  kVmarAllocate,
  kVmarMap,
  kVmarUnmap,
  kVmarProtect,
  kVmarDestroy,
  kVmarOpRange,
  kChannelCreate,
  kChannelRead,
  kChannelWrite,
  kPortCreate,
  kPortQueue,
  kPortWait,
  kPagerCreate,
  kPagerCreateVmo,
  kPagerDetachVmo,
  kPagerSupplyPages,
  kPagerOpRange,
  kPagerQueryDirtyRanges,
  kPagerQueryVmoStats,
  kPortCancel,
  kWaitAsync,
  kChannelCall,
  kGetChild,
  kDriverCall,
  kStructure,  // build_structure: weighted to a few times each of the others
  kStructure2,
  kStructure3,
  kNumSys
};

zx_vm_option_t pick_vm_options() {
  switch (below(4)) {
    case 0:
      return pick_options32();
    case 1:
      return ZX_VM_PERM_READ | ZX_VM_PERM_WRITE;
    case 2:
      return ZX_VM_PERM_READ | ZX_VM_SPECIFIC;
    default: {
      zx_vm_option_t o = static_cast<zx_vm_option_t>(below(1 << 11));
      if (chance(20)) o |= static_cast<zx_vm_option_t>(below(25)) << ZX_VM_ALIGN_BASE;
      return o;
    }
  }
}

uint32_t pick_topic() {
  static const uint32_t kTopics[] = {ZX_INFO_NONE,
                                     ZX_INFO_HANDLE_VALID,
                                     ZX_INFO_HANDLE_BASIC,
                                     ZX_INFO_PROCESS,
                                     ZX_INFO_PROCESS_THREADS,
                                     ZX_INFO_VMAR,
                                     ZX_INFO_THREAD,
                                     ZX_INFO_PROCESS_MAPS,
                                     ZX_INFO_PROCESS_VMOS,
                                     ZX_INFO_HANDLE_COUNT,
                                     ZX_INFO_VMO,
                                     ZX_INFO_VMAR_MAPS,
                                     ZX_INFO_KMEM_STATS,
                                     ZX_INFO_JOB_PROCESSES,
                                     ZX_INFO_TASK_STATS,
                                     ZX_INFO_PAGER_PAGES};
  if (chance(10)) return pick_options32();
  return kTopics[below(sizeof(kTopics) / sizeof(kTopics[0]))];
}

// ---- structures ---------------------------------------------------------------------------------
// A pool handle of `type` (scanning from a random start), or ZX_HANDLE_INVALID.
zx_handle_t pick_typed(zx_obj_type_t type) {
  if (g_npool == 0) return ZX_HANDLE_INVALID;
  int start = static_cast<int>(below(static_cast<uint64_t>(g_npool)));
  for (int i = 0; i < g_npool; i++) {
    zx_handle_t h = g_pool[(start + i) % g_npool];
    zx_info_handle_basic_t info;
    if (basic_info(h, &info) && info.type == type) return h;
  }
  return ZX_HANDLE_INVALID;
}

zx_koid_t koid_of(zx_handle_t h) {
  zx_info_handle_basic_t info;
  return basic_info(h, &info) ? info.koid : ZX_KOID_INVALID;
}

// A duplicate of a pool handle that may travel in a message (or ZX_HANDLE_INVALID).
zx_handle_t dup_for_transfer() {
  zx_handle_t h = pick_handle(false);
  zx_handle_t d = ZX_HANDLE_INVALID;
  if (h == ZX_HANDLE_INVALID || zx_handle_duplicate(h, ZX_RIGHT_SAME_RIGHTS, &d) != ZX_OK)
    return ZX_HANDLE_INVALID;
  zx_info_handle_basic_t info;
  // No channel ends: one sent into its own peer's queue (or two into each other's) would be a
  // cycle nothing reclaims (issue 11, item 7); nest_channels sends channels without cycles.
  if (!basic_info(d, &info) || !(info.rights & ZX_RIGHT_TRANSFER) ||
      info.type == ZX_OBJ_TYPE_CHANNEL) {
    zx_handle_close(d);
    return ZX_HANDLE_INVALID;
  }
  return d;
}

// Nested VMARs: a chain of sub-regions, each inside the last; the outermost (ours: its parent
// is ours) and the innermost go to the pool, the ones between live on as children.
zx_status_t nest_vmars() {
  zx_handle_t parent = pick_typed(ZX_OBJ_TYPE_VMAR);
  if (parent == ZX_HANDLE_INVALID || !is_own_vmar(parent) || chance(30)) parent = g_root_vmar;
  int depth = 1 + static_cast<int>(below(24));
  size_t size = (depth + 2 + below(8)) * kPage;
  zx_handle_t outer = ZX_HANDLE_INVALID, cur = parent;
  zx_status_t s = ZX_OK;
  for (int i = 0; i < depth && s == ZX_OK; i++) {
    zx_handle_t child;
    zx_vaddr_t addr;
    // Half the time at a given offset (not in the root VMAR: that place may be taken).
    bool specific = cur != g_root_vmar && chance(50);
    s = zx_vmar_allocate(cur,
                         ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_SPECIFIC |
                             (specific ? ZX_VM_SPECIFIC : 0),
                         specific ? kPage : 0, size - (i + 1) * kPage, &child, &addr);
    if (s != ZX_OK) break;
    if (outer == ZX_HANDLE_INVALID) {
      outer = child;
    } else if (cur != parent && cur != outer) {
      zx_handle_close(cur);
    }
    cur = child;
    if (chance(20)) {  // a mapping on the way down
      zx_handle_t vmo;
      zx_vaddr_t m;
      if (zx_vmo_create(kPage, 0, &vmo) == ZX_OK) {
        zx_vmar_map(cur, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, kPage, &m);
        zx_handle_close(vmo);
      }
    }
  }
  // Register what goes to the pool as ours (it is: its ancestors are ours).
  zx_handle_t keep[2] = {outer, cur != outer && cur != parent ? cur : ZX_HANDLE_INVALID};
  for (zx_handle_t k : keep) {
    if (k == ZX_HANDLE_INVALID) continue;
    if (g_nown_vmars < kOwnThreadsMax) {
      g_own_vmars[g_nown_vmars++] = koid_of(k);
      pool_add(k);
    } else {
      zx_handle_close(k);
    }
  }
  // Sometimes the whole chain goes at once, from the top.
  if (outer != ZX_HANDLE_INVALID && chance(30)) s = zx_vmar_destroy(outer);
  return s;
}

// A chain of VMO clones of mixed kinds, written along the way; the last goes to the pool.
zx_status_t clone_chain() {
  zx_handle_t vmo = pick_typed(ZX_OBJ_TYPE_VMO);
  bool own = false;
  if (vmo == ZX_HANDLE_INVALID || chance(30)) {
    if (zx_vmo_create((1 + below(4)) * kPage, 0, &vmo) != ZX_OK) return ZX_ERR_NO_MEMORY;
    own = true;
  }
  static const uint32_t kKinds[] = {ZX_VMO_CHILD_SNAPSHOT, ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE,
                                    ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, ZX_VMO_CHILD_SLICE,
                                    ZX_VMO_CHILD_SNAPSHOT_MODIFIED};
  int depth = 1 + static_cast<int>(below(24));
  zx_status_t s = ZX_OK;
  for (int i = 0; i < depth; i++) {
    zx_handle_t child;
    uint32_t kind = kKinds[below(5)];
    uint64_t size = 0;
    zx_vmo_get_size(vmo, &size);
    if (size < kPage) size = kPage;
    // A slice lies within its parent; a snapshot may reach past it (and may be resizable).
    uint64_t off = 0, len = (1 + below(size / kPage)) * kPage;
    if (kind != ZX_VMO_CHILD_SLICE) {
      off = below(2) * kPage;
      len = (1 + below(4)) * kPage;
      if (chance(20)) kind |= ZX_VMO_CHILD_RESIZABLE;
    }
    s = zx_vmo_create_child(vmo, kind, off, len, &child);
    if (s != ZX_OK) break;
    if (chance(40)) zx_vmo_write(child, &i, below(2 * kPage), sizeof(i));
    if (chance(20)) zx_vmo_op_range(child, ZX_VMO_OP_COMMIT, 0, kPage, nullptr, 0);
    if (own) zx_handle_close(vmo);
    vmo = child;
    own = true;
  }
  if (own) pool_add(vmo);
  return s;
}

// Channels in channels: each pair's two ends are written into the next pair's channel, a few
// levels deep; the last pair goes to the pool (closing it tears the nest down).
zx_status_t nest_channels() {
  zx_handle_t a, b;
  zx_status_t s = zx_channel_create(0, &a, &b);
  if (s != ZX_OK) return s;
  int depth = 1 + static_cast<int>(below(16));
  for (int i = 0; i < depth; i++) {
    zx_handle_t c, d;
    s = zx_channel_create(0, &c, &d);
    if (s != ZX_OK) break;
    zx_handle_t ends[3] = {a, b, dup_for_transfer()};
    uint32_t n = ends[2] == ZX_HANDLE_INVALID ? 2 : 3;
    s = zx_channel_write(chance(50) ? c : d, 0, &i, sizeof(i), ends, n);  // consumed either way
    a = c;
    b = d;
    if (s != ZX_OK) break;
  }
  pool_add(a);
  pool_add(b);
  return s;
}

// A port with many waits on pool objects (and a fresh event), some of which then fire; the
// port goes to the pool with whatever is still armed or queued.
zx_status_t port_with_waits() {
  zx_handle_t port = pick_typed(ZX_OBJ_TYPE_PORT);
  if (port == ZX_HANDLE_INVALID || chance(30)) {
    if (zx_port_create(0, &port) != ZX_OK) return ZX_ERR_NO_MEMORY;
    pool_add(port);
  }
  zx_handle_t ev;
  zx_status_t s = zx_event_create(0, &ev);
  if (s != ZX_OK) return s;
  int n = static_cast<int>(below(200));
  for (int i = 0; i < n; i++) {
    zx_handle_t target = chance(50) ? ev : pick_handle(true);
    zx_signals_t sig =
        chance(50) ? ZX_USER_SIGNAL_0 << below(3) : static_cast<zx_signals_t>(1u << below(4));
    uint32_t opts = chance(70) ? 0 : static_cast<uint32_t>(below(4));
    s = zx_object_wait_async(target, port, below(8), sig, opts);
    count(s);
  }
  if (chance(60)) zx_object_signal(ev, 0, ZX_USER_SIGNAL_0 << below(3));
  if (chance(30)) zx_port_cancel(port, ev, below(8));
  zx_port_packet_t p;
  for (int i = static_cast<int>(below(n + 1)); i > 0; i--)
    if (zx_port_wait(port, 0, &p) != ZX_OK) break;
  if (chance(70)) {
    zx_handle_close(ev);  // withdraws its waits
  } else {
    pool_add(ev);
  }
  return s;
}

// A message carrying duplicates of pool handles, on a pool channel; sometimes read at the
// other end (when the fuzzer holds it), its handles joining the pool.
zx_status_t message_with_handles() {
  zx_handle_t ch = pick_typed(ZX_OBJ_TYPE_CHANNEL);
  if (ch == ZX_HANDLE_INVALID) return ZX_ERR_NOT_FOUND;
  zx_handle_t hs[4];
  uint32_t n = 0;
  for (uint64_t i = below(5); i > 0; i--) {
    zx_handle_t d = dup_for_transfer();
    if (d != ZX_HANDLE_INVALID) hs[n++] = d;
  }
  if (n >= 2 && chance(10)) {  // twice: ZX_ERR_BAD_HANDLE, and all are consumed
    zx_handle_close(hs[1]);
    hs[1] = hs[0];
  }
  zx_status_t s = zx_channel_write(ch, 0, g_scratch, static_cast<uint32_t>(below(256)), hs, n);
  if (chance(60)) {
    // The other end, if we hold it: its koid is our channel's related koid.
    zx_info_handle_basic_t info;
    if (basic_info(ch, &info)) {
      for (int i = 0; i < g_npool; i++) {
        zx_info_handle_basic_t pi;
        if (basic_info(g_pool[i], &pi) && pi.koid == info.related_koid) {
          clear_out_handles();
          uint32_t nb, nh;
          zx_channel_read(g_pool[i], 0, g_scratch + 0x2000, out_handle_slot(0), 0x1000, kOutSlots,
                          &nb, &nh);
          collect_out_handles();
          break;
        }
      }
    }
  }
  return s;
}

// zx_channel_call on a channel whose other end the fuzzer holds, with handles in the request:
// nobody answers in time (the deadline is at most 1 ms away), so it times out; the request is
// then read at the other end and answered late with its transaction id (the reply waits in the
// queue), or the other end is closed (PEER_CLOSED next time).
zx_status_t call_and_answer_late() {
  zx_handle_t a, b;
  zx_status_t s = zx_channel_create(0, &a, &b);
  if (s != ZX_OK) return s;
  zx_handle_t hs[2];
  uint32_t nh = 0;
  for (uint64_t i = below(3); i > 0; i--) {
    zx_handle_t d = dup_for_transfer();
    if (d != ZX_HANDLE_INVALID) hs[nh++] = d;
  }
  uint8_t* req = reinterpret_cast<uint8_t*>(g_scratch + 0x6100);
  uint8_t* rep = reinterpret_cast<uint8_t*>(g_scratch + 0x6200);
  zx_channel_call_args_t args = {
      req, hs, rep, out_handle_slot(0), 4 + static_cast<uint32_t>(below(60)), nh, 64, 4};
  uint32_t rb, rh;
  bool answered = false;
  clear_out_handles();
  s = zx_channel_call(a, 0, pick_deadline(), &args, &rb, &rh);
  count(s);
  collect_out_handles();
  // The request (with its handles) is at b: read it and reply with its txid.
  clear_out_handles();
  uint32_t nb = 0, nhh = 0;
  if (zx_channel_read(b, 0, g_scratch + 0x2000, out_handle_slot(0), 256, kOutSlots, &nb, &nhh) ==
          ZX_OK &&
      nb >= 4) {
    zx_handle_t back = chance(50) ? dup_for_transfer() : ZX_HANDLE_INVALID;
    answered = zx_channel_write(b, 0, g_scratch + 0x2000, nb, &back,
                                back == ZX_HANDLE_INVALID ? 0 : 1) == ZX_OK;
  }
  collect_out_handles();
  if (chance(50)) {
    zx_handle_close(b);  // the next call on a gets PEER_CLOSED
    s = zx_channel_call(a, 0, pick_deadline(), &args, &rb, &rh);
    count(s);
  } else {
    pool_add(b);
  }
  pool_add(a);
  return answered ? ZX_OK : s;
}

// zx_object_get_child with the koid of something the fuzzer made: a thread of a process in the
// pool, a process under the default job. What comes back joins the pool (self objects are
// closed at once by pool_add).
zx_status_t get_child_meaningful() {
  zx_handle_t parent, child;
  zx_koid_t koid = ZX_KOID_INVALID;
  if (chance(50)) {
    parent = pick_typed(ZX_OBJ_TYPE_PROCESS);
    zx_handle_t t = pick_typed(ZX_OBJ_TYPE_THREAD);
    koid = koid_of(t);
    if (parent == ZX_HANDLE_INVALID) parent = g_self_proc;
  } else {
    parent = zx_job_default();
    koid = koid_of(pick_typed(ZX_OBJ_TYPE_PROCESS));
  }
  if (chance(10)) koid = koid_of(pick_handle(true));
  zx_status_t s = zx_object_get_child(
      parent, koid, chance(70) ? ZX_RIGHT_SAME_RIGHTS : static_cast<zx_rights_t>(rnd()), &child);
  if (s == ZX_OK) pool_add(child);
  return s;
}

// Structures built, and how many of them ended in ZX_OK, per kind (for the closing line).
constexpr int kStructureKinds = 7;
const char* const kStructureNames[kStructureKinds] = {
    "vmar nests",      "clone chains",        "channel nests", "ports with waits",
    "handle messages", "late-answered calls", "get_child"};
uint64_t g_built[kStructureKinds], g_built_ok[kStructureKinds];

zx_status_t build_structure() {
  int kind = static_cast<int>(below(kStructureKinds));
  zx_status_t s;
  switch (kind) {
    case 0:
      s = nest_vmars();
      break;
    case 1:
      s = clone_chain();
      break;
    case 2:
      s = nest_channels();
      break;
    case 3:
      s = port_with_waits();
      break;
    case 4:
      s = message_with_handles();
      break;
    case 5:
      s = call_and_answer_late();
      break;
    default:
      s = get_child_meaningful();
      break;
  }
  g_built[kind]++;
  if (s == ZX_OK) g_built_ok[kind]++;
  return s;
}

void one_call() {
  zx_status_t s = ZX_OK;
  switch (static_cast<Sys>(below(kNumSys))) {
    case kHandleClose:
      s = zx_handle_close(pick_handle(false));
      pool_revalidate();
      break;
    case kHandleCloseMany: {
      size_t n;
      zx_handle_t* arr = pick_in_handles(&n);
      s = zx_handle_close_many(arr, n);
      pool_revalidate();
      break;
    }
    case kHandleDuplicate:
      clear_out_handles();
      s = zx_handle_duplicate(pick_handle(true),
                              chance(50) ? ZX_RIGHT_SAME_RIGHTS : static_cast<zx_rights_t>(rnd()),
                              pick_out_handle(0));
      collect_out_handles();
      break;
    case kHandleReplace:
      clear_out_handles();
      s = zx_handle_replace(pick_handle(false),
                            chance(50) ? ZX_RIGHT_SAME_RIGHTS : static_cast<zx_rights_t>(rnd()),
                            pick_out_handle(0));
      pool_revalidate();
      collect_out_handles();
      break;
    case kGetInfo:
      s = zx_object_get_info(pick_handle(true), pick_topic(), pick_out_ptr(),
                             chance(70) ? below(2048) : pick_size(),
                             static_cast<size_t*>(chance(70) ? nullptr : pick_out_ptr()),
                             static_cast<size_t*>(chance(70) ? nullptr : pick_out_ptr()));
      break;
    case kGetProperty:
      s = zx_object_get_property(pick_handle(true), chance(70) ? ZX_PROP_NAME : pick_options32(),
                                 pick_out_ptr(), chance(70) ? ZX_MAX_NAME_LEN : pick_size());
      break;
    case kSetProperty:
      s = zx_object_set_property(pick_handle(true),
                                 chance(60)   ? ZX_PROP_NAME
                                 : chance(50) ? ZX_PROP_PAGER_PAGE_BUDGET
                                              : pick_options32(),
                                 pick_in_ptr(), chance(70) ? below(40) : pick_size());
      break;
    case kSignal:
      s = zx_object_signal(pick_handle(true), pick_options32(),
                           chance(50) ? ZX_USER_SIGNAL_0 << below(8) : pick_options32());
      break;
    case kWaitOne:
      s = zx_object_wait_one(pick_handle(true), pick_options32() | (chance(50) ? 0xffffffffu : 0),
                             pick_deadline(),
                             static_cast<zx_signals_t*>(chance(20) ? nullptr : pick_out_ptr()));
      break;
    case kWaitMany: {
      zx_wait_item_t* items = reinterpret_cast<zx_wait_item_t*>(g_scratch + 0x4000);
      size_t n = chance(80) ? below(9) : pick_size();
      for (size_t i = 0; i < 70; i++) {
        items[i].handle = pick_handle(true);
        items[i].waitfor = pick_options32();
        items[i].pending = static_cast<zx_signals_t>(rnd());
      }
      void* p = chance(80) ? items : pick_out_ptr();
      s = zx_object_wait_many(static_cast<zx_wait_item_t*>(p), n, pick_deadline());
      break;
    }
    case kEventCreate:
      clear_out_handles();
      s = zx_event_create(chance(80) ? 0 : pick_options32(), pick_out_handle(0));
      collect_out_handles();
      break;
    case kClockGet:
      zx_clock_get_monotonic();
      break;
    case kNanosleep:
      s = zx_nanosleep(pick_deadline());
      break;
    case kDeadlineAfter:
      zx_deadline_after(static_cast<zx_duration_t>(pick_size()));
      break;
    case kDebugWrite:
      if (chance(50)) {
        s = zx_debug_write(kText, below(sizeof(kText)));
      } else {
        // Only invalid pointers besides kText: the console should not get random bytes.
        static const uintptr_t kBad[] = {0, kKernelAddr, ~uintptr_t{0} - 3, kUserTop - 2};
        uintptr_t p = chance(20) ? g_unmapped + below(kPage) : kBad[below(4)];
        if (chance(20)) p = g_top;
        s = zx_debug_write(reinterpret_cast<const char*>(p), pick_size());
      }
      break;
    case kProcessCreate:
      clear_out_handles();
      s = zx_process_create(pick_handle(true), static_cast<const char*>(pick_in_ptr()),
                            chance(70) ? below(40) : pick_size(), chance(80) ? 0 : pick_options32(),
                            pick_out_handle(0), pick_out_handle(1));
      collect_out_handles();
      break;
    case kProcessStart: {
      zx_handle_t proc = pick_handle(false), thread = pick_handle(false);
      zx_info_handle_basic_t info;
      if (basic_info(thread, &info) && is_own_thread(info.koid)) thread = ZX_HANDLE_INVALID;
      s = zx_process_start(proc, thread, chance(50) ? 0x1000000 : pick_vaddr(),
                           chance(50) ? 0x2000000 : pick_vaddr(), pick_handle(false), rnd());
      pool_revalidate();  // arg1 is consumed
      break;
    }
    case kThreadCreate: {
      clear_out_handles();
      zx_handle_t proc = pick_handle(true);
      s = zx_thread_create(proc, static_cast<const char*>(pick_in_ptr()), below(40),
                           chance(80) ? 0 : pick_options32(), pick_out_handle(0));
      zx_handle_t t = *out_handle_slot(0);
      zx_info_handle_basic_t info;
      if (s == ZX_OK && proc == g_self_proc && basic_info(t, &info)) {
        if (g_nown_threads < kOwnThreadsMax) {
          g_own_threads[g_nown_threads++] = info.koid;
        } else {
          zx_handle_close(t);  // cannot track it: do not keep it
          *out_handle_slot(0) = 0;
        }
      }
      collect_out_handles();
      break;
    }
    case kThreadStart: {
      zx_handle_t thread = pick_handle(false);
      zx_info_handle_basic_t info;
      if (basic_info(thread, &info) && is_own_thread(info.koid)) thread = ZX_HANDLE_INVALID;
      s = zx_thread_start(thread, pick_vaddr(), pick_vaddr(), rnd(), rnd());
      break;
    }
    case kTaskKill:
      s = zx_task_kill(pick_handle(false));
      break;
    case kVmoCreate:
      clear_out_handles();
      s = zx_vmo_create(chance(60) ? below(16) * kPage + below(2) : pick_size(),
                        chance(60) ? 0 : (chance(50) ? ZX_VMO_RESIZABLE : pick_options32()),
                        pick_out_handle(0));
      collect_out_handles();
      break;
    case kVmoRead:
      s = zx_vmo_read(pick_handle(false), pick_out_ptr(), pick_size(),
                      chance(60) ? below(2 * kPage) : pick_size());
      break;
    case kVmoWrite:
      s = zx_vmo_write(pick_handle(false), pick_in_ptr(), pick_size(),
                       chance(60) ? below(2 * kPage) : pick_size());
      break;
    case kVmoGetSize:
      s = zx_vmo_get_size(pick_handle(true), static_cast<uint64_t*>(pick_out_ptr()));
      break;
    case kVmoSetSize:
      s = zx_vmo_set_size(pick_handle(false), chance(50) ? below(32) * kPage : pick_size());
      break;
    case kVmoOpRange:
      s = zx_vmo_op_range(pick_handle(false), chance(80) ? below(16) : pick_options32(),
                          pick_size(), chance(50) ? below(8) * kPage : pick_size(),
                          chance(80) ? nullptr : pick_out_ptr(), chance(80) ? 0 : pick_size());
      break;
    case kVmoCreateChild:
      clear_out_handles();
      s = zx_vmo_create_child(
          pick_handle(false),
          chance(70) ? (1u << below(8)) | (chance(30) ? 1u << below(8) : 0) : pick_options32(),
          chance(50) ? below(4) * kPage : pick_size(), chance(50) ? below(8) * kPage : pick_size(),
          pick_out_handle(0));
      collect_out_handles();
      break;
    case kVmoReplaceAsExecutable:
      clear_out_handles();
      s = zx_vmo_replace_as_executable(pick_handle(false), pick_handle(false), pick_out_handle(0));
      pool_revalidate();
      collect_out_handles();
      break;
    case kVmarAllocate: {
      clear_out_handles();
      zx_vaddr_t* addr_out = reinterpret_cast<zx_vaddr_t*>(g_scratch + 0x400);
      *addr_out = 0;
      zx_vm_option_t opts = chance(60) ? (ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE |
                                          (chance(50) ? ZX_VM_CAN_MAP_SPECIFIC : 0) |
                                          (chance(20) ? ZX_VM_SPECIFIC : 0))
                                       : pick_vm_options();
      zx_handle_t parent = pick_handle(true);
      s = zx_vmar_allocate(parent, opts, chance(50) ? below(1 << 16) * kPage : pick_size(),
                           chance(60) ? (1 + below(64)) * kPage : pick_size(), pick_out_handle(0),
                           chance(85) ? addr_out : static_cast<zx_vaddr_t*>(pick_out_ptr()));
      zx_info_handle_basic_t info;
      if (s == ZX_OK && is_own_vmar(parent) && basic_info(*out_handle_slot(0), &info)) {
        if (g_nown_vmars < kOwnThreadsMax) {
          g_own_vmars[g_nown_vmars++] = info.koid;
        } else {
          zx_handle_close(*out_handle_slot(0));  // cannot track it: do not keep it
          *out_handle_slot(0) = 0;
        }
      }
      collect_out_handles();
      break;
    }
    case kVmarMap: {
      zx_handle_t vmar = pick_handle(true);
      zx_vm_option_t opts = pick_vm_options();
      if (vmar == g_root_vmar) opts &= ~ZX_VM_SPECIFIC_OVERWRITE;
      size_t len = chance(60) ? (1 + below(8)) * kPage : pick_size();
      zx_vaddr_t* addr_out = reinterpret_cast<zx_vaddr_t*>(g_scratch + 0x408);
      *addr_out = 0;
      bool good_out = chance(90);
      s = zx_vmar_map(vmar, opts, chance(50) ? below(1 << 16) * kPage : pick_size(),
                      pick_handle(false), chance(60) ? below(4) * kPage : pick_size(), len,
                      good_out ? addr_out : static_cast<zx_vaddr_t*>(pick_out_ptr()));
      if (s == ZX_OK && good_out && is_own_vmar(vmar)) record_mapping(*addr_out, len);
      break;
    }
    case kVmarUnmap:
    case kVmarProtect:
    case kVmarOpRange: {
      zx_handle_t vmar = pick_handle(true);
      zx_vaddr_t addr = 0;
      size_t len = 0;
      if (vmar == g_root_vmar) {
        if (!pick_own_range(&addr, &len)) vmar = ZX_HANDLE_INVALID;
      }
      if (vmar != g_root_vmar) {
        addr = pick_vaddr();
        len = chance(50) ? below(8) * kPage : pick_size();
      }
      uint64_t r = below(3);
      if (r == 0) {
        s = zx_vmar_unmap(vmar, addr, len);
      } else if (r == 1) {
        s = zx_vmar_protect(vmar, chance(70) ? below(8) : pick_vm_options(), addr, len);
      } else {
        s = zx_vmar_op_range(vmar, chance(80) ? below(16) : pick_options32(), addr, len,
                             chance(80) ? nullptr : pick_out_ptr(), chance(80) ? 0 : pick_size());
      }
      break;
    }
    case kVmarDestroy:
      s = zx_vmar_destroy(pick_handle(false));
      break;
    case kChannelCreate:
      clear_out_handles();
      s = zx_channel_create(chance(80) ? 0 : pick_options32(), pick_out_handle(0),
                            pick_out_handle(1));
      collect_out_handles();
      break;
    case kChannelRead: {
      clear_out_handles();
      uint32_t* actual = reinterpret_cast<uint32_t*>(g_scratch + 0x480);
      bool good_handles = chance(80);
      s = zx_channel_read(
          pick_handle(false), chance(80) ? 0 : pick_options32(),
          chance(80) ? g_scratch + 0x2000 : pick_out_ptr(),
          good_handles ? out_handle_slot(0) : static_cast<zx_handle_t*>(pick_out_ptr()),
          static_cast<uint32_t>(chance(80) ? below(256) : pick_size()),
          static_cast<uint32_t>(chance(80) ? below(kOutSlots + 1) : pick_size()),
          chance(80) ? actual : static_cast<uint32_t*>(pick_out_ptr()),
          chance(80) ? actual + 1 : static_cast<uint32_t*>(pick_out_ptr()));
      collect_out_handles();
      break;
    }
    case kChannelWrite: {
      size_t n;
      zx_handle_t* arr = pick_in_handles(&n);
      if (chance(50)) n = 0;
      s = zx_channel_write(pick_handle(false), chance(80) ? 0 : pick_options32(), pick_in_ptr(),
                           static_cast<uint32_t>(chance(80) ? below(128) : pick_size()), arr,
                           static_cast<uint32_t>(n));
      pool_revalidate();
      break;
    }
    case kPortCreate:
      clear_out_handles();
      s = zx_port_create(chance(80) ? 0 : pick_options32(), pick_out_handle(0));
      collect_out_handles();
      break;
    case kPortQueue:
      s = zx_port_queue(pick_handle(false), static_cast<const zx_port_packet_t*>(pick_in_ptr()));
      break;
    case kPortWait:
      s = zx_port_wait(pick_handle(false), pick_deadline(),
                       static_cast<zx_port_packet_t*>(pick_out_ptr()));
      break;
    case kPagerCreate:
      clear_out_handles();
      s = zx_pager_create(chance(80) ? 0 : pick_options32(), pick_out_handle(0));
      collect_out_handles();
      break;
    case kPagerCreateVmo: {
      // Nobody here serves pages, so a live pager VMO in the pool would block the next read of
      // it for good: the new VMO is detached at once (its absent pages then fail BAD_STATE).
      zx_handle_t pager = pick_handle(false);
      zx_handle_t vmo = ZX_HANDLE_INVALID;
      s = zx_pager_create_vmo(pager, chance(70) ? 0 : pick_options32(), pick_handle(false), rnd(),
                              chance(60) ? below(16) * kPage : pick_size(),
                              chance(90) ? &vmo : static_cast<zx_handle_t*>(pick_out_ptr()));
      if (s == ZX_OK && vmo != ZX_HANDLE_INVALID) {
        if (zx_pager_detach_vmo(pager, vmo) == ZX_OK)
          pool_add(vmo);
        else
          zx_handle_close(vmo);
      }
      break;
    }
    case kPagerDetachVmo:
      s = zx_pager_detach_vmo(pick_handle(false), pick_handle(false));
      break;
    case kPagerSupplyPages:
      s = zx_pager_supply_pages(pick_handle(false), pick_handle(false),
                                chance(50) ? below(16) * kPage : pick_size(),
                                chance(50) ? below(4) * kPage : pick_size(), pick_handle(false),
                                chance(50) ? below(16) * kPage : pick_size());
      break;
    case kPagerOpRange:
      s = zx_pager_op_range(
          pick_handle(false),
          chance(80) ? ZX_PAGER_OP_FAIL + static_cast<uint32_t>(below(4)) : pick_options32(),
          pick_handle(false), chance(50) ? below(16) * kPage : pick_size(),
          chance(50) ? below(4) * kPage : pick_size(),
          chance(50) ? static_cast<uint64_t>(ZX_ERR_IO) : rnd());
      break;
    case kPagerQueryDirtyRanges:
      s = zx_pager_query_dirty_ranges(
          pick_handle(false), pick_handle(false), chance(50) ? below(16) * kPage : pick_size(),
          chance(50) ? below(16) * kPage : pick_size(), pick_out_ptr(),
          chance(70) ? below(8) * sizeof(zx_vmo_dirty_range_t) : pick_size(),
          static_cast<size_t*>(pick_out_ptr()), static_cast<size_t*>(pick_out_ptr()));
      break;
    case kPagerQueryVmoStats:
      s = zx_pager_query_vmo_stats(pick_handle(false), pick_handle(false),
                                   chance(70) ? static_cast<uint32_t>(below(2)) : pick_options32(),
                                   pick_out_ptr(), chance(70) ? 4 : pick_size());
      break;
    case kPortCancel:
      s = zx_port_cancel(pick_handle(false), pick_handle(false), chance(50) ? below(4) : rnd());
      break;
    case kWaitAsync:
      s = zx_object_wait_async(
          pick_handle(false), pick_handle(false), below(4),
          chance(70) ? static_cast<zx_signals_t>(1u << below(26)) : pick_options32(),
          chance(70) ? static_cast<uint32_t>(below(4)) : pick_options32());
      break;
    case kChannelCall: {
      // Nobody answers: the call times out (its deadline is at most 1 ms away) or fails.
      auto* args = reinterpret_cast<zx_channel_call_args_t*>(g_scratch + 0x6000);
      args->wr_bytes = chance(80) ? g_scratch : pick_in_ptr();
      // Handles to send only from a safely filled array (they are consumed).
      size_t nwr = 0;
      args->wr_handles = chance(80) ? nullptr : pick_in_handles(&nwr);
      args->rd_bytes = chance(80) ? g_scratch + 0x7000 : pick_out_ptr();
      args->rd_handles = chance(80) ? nullptr : reinterpret_cast<zx_handle_t*>(pick_out_ptr());
      args->wr_num_bytes = static_cast<uint32_t>(chance(80) ? 4 + below(60) : pick_size());
      args->wr_num_handles = static_cast<uint32_t>(args->wr_handles ? nwr : 0);
      args->rd_num_bytes = static_cast<uint32_t>(chance(80) ? 64 : pick_size());
      args->rd_num_handles = static_cast<uint32_t>(chance(90) ? 0 : below(3));
      const void* a = chance(90) ? static_cast<const void*>(args) : pick_in_ptr();
      s = zx_channel_call(pick_handle(false), chance(80) ? 0 : pick_options32(), pick_deadline(),
                          static_cast<const zx_channel_call_args_t*>(a),
                          static_cast<uint32_t*>(pick_out_ptr()),
                          static_cast<uint32_t*>(pick_out_ptr()));
      pool_revalidate();
      break;
    }
    case kGetChild: {
      // Whatever comes back (perhaps our own thread) is closed at once, never used.
      zx_handle_t child = ZX_HANDLE_INVALID;
      s = zx_object_get_child(pick_handle(false), chance(50) ? below(64) : rnd(),
                              chance(70) ? ZX_RIGHT_SAME_RIGHTS : pick_options32(),
                              chance(90) ? &child : static_cast<zx_handle_t*>(pick_out_ptr()));
      if (s == ZX_OK) zx_handle_close(child);
      break;
    }
    case kDriverCall: {
      // The driver syscalls, with the fuzzer's own handles only: it never takes the root
      // resource it was started with (writing to device registers could stop the machine), so
      // this exercises their argument and rights checks, plus BTIs made from nothing valid.
      zx_handle_t out = ZX_HANDLE_INVALID;
      zx_handle_t* outp = chance(90) ? &out : static_cast<zx_handle_t*>(pick_out_ptr());
      switch (below(9)) {
        case 0:
          s = zx_vmo_create_physical(pick_handle(false), rnd() & ~0xfffull, pick_size(), outp);
          break;
        case 1:
          s = zx_vmo_create_contiguous(pick_handle(false), pick_size(), pick_options32(), outp);
          break;
        case 2:
          s = zx_iommu_create(pick_handle(false), pick_options32(), pick_in_ptr(), pick_size(),
                              outp);
          break;
        case 3:
          s = zx_bti_create(pick_handle(false), pick_options32(), rnd(), outp);
          break;
        case 4:
          s = zx_bti_pin(pick_handle(false), pick_options32(), pick_handle(false), below(4) * kPage,
                         below(4) * kPage, static_cast<zx_paddr_t*>(pick_out_ptr()), below(5),
                         outp);
          break;
        case 5:
          s = zx_pmt_unpin(pick_handle(false));
          pool_revalidate();
          break;
        case 6:
          s = zx_interrupt_create(pick_handle(false), below(16), pick_options32(), outp);
          break;
        case 7:
          s = zx_interrupt_bind(pick_handle(false), pick_handle(false), rnd(), below(3));
          break;
        default:
          s = chance(50) ? zx_interrupt_ack(pick_handle(false))
                         : zx_interrupt_destroy(pick_handle(false));
          break;
      }
      if (s == ZX_OK && out != ZX_HANDLE_INVALID) zx_handle_close(out);
      break;
    }
    case kStructure:
    case kStructure2:
    case kStructure3:
      s = build_structure();
      pool_revalidate();
      break;
    case kNumSys:
      break;
  }
  count(s);
}

// ---- setup and teardown -----------------------------------------------------------------------
bool setup() {
  g_self_proc = zx_process_self();
  g_self_thread = zx_thread_self();
  g_root_vmar = zx_vmar_root_self();
  zx_handle_t self[] = {g_self_proc, g_self_thread, g_root_vmar, bootfs_vmo()};
  for (int i = 0; i < 4; i++) {
    zx_info_handle_basic_t info;
    g_protected_koids[i] = basic_info(self[i], &info) ? info.koid : ZX_KOID_INVALID;
  }
  g_self_proc_koid = g_protected_koids[0];
  zx_info_vmar_t root;
  if (zx_object_get_info(g_root_vmar, ZX_INFO_VMAR, &root, sizeof(root), nullptr, nullptr) != ZX_OK)
    return false;
  g_root_base = root.base;
  g_root_len = root.len;

  // The scratch buffer in a region of its own, with unmapped guard pages on both sides. The
  // region's handle is closed: nothing else can ever be mapped next to the buffer.
  zx_handle_t region, vmo;
  zx_vaddr_t base, addr;
  if (zx_vmar_allocate(g_root_vmar,
                       ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_SPECIFIC, 0,
                       kScratchSize + 2 * kPage, &region, &base) != ZX_OK)
    return false;
  if (zx_vmo_create(kScratchSize, 0, &vmo) != ZX_OK) return false;
  zx_status_t s = zx_vmar_map(region, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_SPECIFIC, kPage,
                              vmo, 0, kScratchSize, &addr);
  zx_handle_close(vmo);
  zx_handle_close(region);
  if (s != ZX_OK) return false;
  g_scratch = reinterpret_cast<char*>(addr);
  g_unmapped = base;

  // "Near the top of user space": the last bytes of the root VMAR if nothing is mapped there
  // (reading them must fail), else the end itself.
  zx_handle_t probe;
  if (zx_vmo_create(kPage, 0, &probe) != ZX_OK) return false;
  g_top = g_root_base + g_root_len - 4;
  if (zx_vmo_write(probe, reinterpret_cast<void*>(g_top), 0, 1) == ZX_OK) {
    g_top = g_root_base + g_root_len;
  }
  zx_handle_close(probe);
  return true;
}

void teardown() {
  // Kill the processes we made (a started one might otherwise run on), then close everything.
  for (int i = 0; i < g_npool; i++) {
    zx_info_handle_basic_t info;
    if (basic_info(g_pool[i], &info) && info.type == ZX_OBJ_TYPE_PROCESS &&
        (info.rights & ZX_RIGHT_DESTROY)) {
      zx_task_kill(g_pool[i]);
      zx_object_wait_one(g_pool[i], ZX_PROCESS_TERMINATED, zx_deadline_after(ZX_SEC(5)), nullptr);
    }
  }
  zx_handle_close_many(g_pool, static_cast<size_t>(g_npool));
  g_npool = 0;
  for (int i = 0; i < g_nmaps; i++) zx_vmar_unmap(g_root_vmar, g_maps[i].addr, g_maps[i].len);
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t seed = argc > 1 ? strtoul(argv[1], nullptr, 0) : kDefaultSeed;
  int iterations = argc > 2 ? atoi(argv[2]) : kDefaultIterations;
  if (seed == 0) seed = kDefaultSeed;  // xorshift never leaves 0
  g_rng = seed;
  printf("fuzz: seed 0x%016lx\n", static_cast<unsigned long>(seed));
  if (!setup()) {
    printf("fuzz: setup failed\n");
    return 1;
  }
  for (int i = 0; i < iterations; i++) one_call();
  // The fuzzer must not have hurt itself: a lost self handle means a guard above is missing.
  zx_handle_t self[] = {g_self_proc, g_self_thread, g_root_vmar, bootfs_vmo()};
  for (zx_handle_t h : self) {
    if (zx_object_get_info(h, ZX_INFO_HANDLE_VALID, nullptr, 0, nullptr, nullptr) != ZX_OK) {
      printf("fuzz: lost its own handle %x\n", h);
      return 1;
    }
  }
  teardown();
  printf("fuzz: structures (ok/built):");
  for (int k = 0; k < kStructureKinds; k++)
    printf(" %s %lu/%lu", kStructureNames[k], static_cast<unsigned long>(g_built_ok[k]),
           static_cast<unsigned long>(g_built[k]));
  printf("\n");
  printf("fuzz: %lu calls, %lu returned ZX_OK, %d distinct statuses\n",
         static_cast<unsigned long>(g_calls), static_cast<unsigned long>(g_ok), g_nstatuses);
  return 0;
}
