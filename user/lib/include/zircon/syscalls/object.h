// zx_object_get_info() topics and records, and object properties. Names, values and
// layouts are Zircon's (zircon/system/public/zircon/syscalls/object.h), restricted to
// the topics this kernel supports.

#ifndef ZIRCON_SYSCALLS_OBJECT_H_
#define ZIRCON_SYSCALLS_OBJECT_H_

#include <zircon/types.h>

__BEGIN_CDECLS

// Versioned topics: the version lives in the upper 4 bits.
#define __ZX_INFO_TOPIC(t, v) ((zx_object_info_topic_t)((t) | ((v) << 28)))

typedef uint32_t zx_object_info_topic_t;
#define ZX_INFO_NONE ((zx_object_info_topic_t)0u)
#define ZX_INFO_HANDLE_VALID ((zx_object_info_topic_t)1u)
#define ZX_INFO_HANDLE_BASIC ((zx_object_info_topic_t)2u)     // zx_info_handle_basic_t[1]
#define ZX_INFO_PROCESS __ZX_INFO_TOPIC(3u, 1u)               // zx_info_process_t[1]
#define ZX_INFO_PROCESS_THREADS ((zx_object_info_topic_t)4u)  // zx_koid_t[n]
#define ZX_INFO_VMAR ((zx_object_info_topic_t)7u)             // zx_info_vmar_t[1]
#define ZX_INFO_JOB_CHILDREN ((zx_object_info_topic_t)8u)     // zx_koid_t[n]
#define ZX_INFO_JOB_PROCESSES ((zx_object_info_topic_t)9u)    // zx_koid_t[n]
#define ZX_INFO_THREAD ((zx_object_info_topic_t)10u)          // zx_info_thread_t[1]
#define ZX_INFO_TASK_STATS ((zx_object_info_topic_t)12u)      // zx_info_task_stats_t[1]
#define ZX_INFO_PROCESS_MAPS __ZX_INFO_TOPIC(13u, 2u)         // zx_info_maps_t[n]
#define ZX_INFO_PROCESS_VMOS __ZX_INFO_TOPIC(14u, 3u)         // zx_info_vmo_t[n]
#define ZX_INFO_KMEM_STATS ((zx_object_info_topic_t)17u)      // zx_info_kmem_stats_t[1]
#define ZX_INFO_HANDLE_COUNT ((zx_object_info_topic_t)19u)    // zx_info_handle_count_t[1]
#define ZX_INFO_VMO __ZX_INFO_TOPIC(23u, 3u)                  // zx_info_vmo_t[1]
#define ZX_INFO_VMAR_MAPS ((zx_object_info_topic_t)36u)       // zx_info_maps_t[n]

// Return codes of killed tasks.
#define ZX_TASK_RETCODE_SYSCALL_KILL ((int64_t)-1024)  // via zx_task_kill()
#define ZX_TASK_RETCODE_OOM_KILL ((int64_t)-1025)
#define ZX_TASK_RETCODE_POLICY_KILL ((int64_t)-1026)
#define ZX_TASK_RETCODE_VDSO_KILL ((int64_t)-1027)
#define ZX_TASK_RETCODE_EXCEPTION_KILL ((int64_t)-1028)
#define ZX_TASK_RETCODE_CRITICAL_PROCESS_KILL ((int64_t)-1029)

typedef struct zx_info_handle_basic {
  zx_koid_t koid;          // the object's kernel id
  zx_rights_t rights;      // the handle's rights
  zx_obj_type_t type;      // ZX_OBJ_TYPE_*
  zx_koid_t related_koid;  // e.g. the peer or parent, else 0
  uint32_t reserved;
  uint8_t padding1[4];
} zx_info_handle_basic_t;

typedef struct zx_info_handle_count {
  uint32_t handle_count;
} zx_info_handle_count_t;

typedef uint32_t zx_info_process_flags_t;
#define ZX_INFO_PROCESS_FLAG_STARTED ((zx_info_process_flags_t)(1u << 0))
#define ZX_INFO_PROCESS_FLAG_EXITED ((zx_info_process_flags_t)(1u << 1))
#define ZX_INFO_PROCESS_FLAG_DEBUGGER_ATTACHED ((zx_info_process_flags_t)(1u << 2))

typedef struct zx_info_process {
  int64_t return_code;           // valid if ZX_INFO_PROCESS_FLAG_EXITED
  zx_instant_mono_t start_time;  // valid if ZX_INFO_PROCESS_FLAG_STARTED
  zx_info_process_flags_t flags;
  uint8_t padding1[4];
} zx_info_process_t;

typedef struct zx_info_vmar {
  uintptr_t base;  // base address of the region
  size_t len;      // length of the region in bytes
} zx_info_vmar_t;

typedef struct zx_info_task_stats {
  size_t mem_mapped_bytes;         // mapped ranges, committed or not
  size_t mem_private_bytes;        // committed and only this task's
  size_t mem_shared_bytes;         // committed and shared with other tasks
  size_t mem_scaled_shared_bytes;  // mem_shared_bytes divided among the sharers
} zx_info_task_stats_t;

typedef struct zx_info_kmem_stats {
  uint64_t total_bytes;         // physical memory
  uint64_t free_bytes;          // unallocated
  uint64_t wired_bytes;         // kernel image, reserved ranges, kernel stacks
  uint64_t total_heap_bytes;    // kernel heap
  uint64_t free_heap_bytes;     // the unused part of it
  uint64_t vmo_bytes;           // committed to VMOs
  uint64_t mmu_overhead_bytes;  // page tables
  uint64_t ipc_bytes;           // messages in flight
  uint64_t other_bytes;         // in use, none of the above
} zx_info_kmem_stats_t;

// zx_info_vmo_t.flags
#define ZX_INFO_VMO_TYPE_PAGED (1u << 0)
#define ZX_INFO_VMO_TYPE_PHYSICAL (0u << 0)
#define ZX_INFO_VMO_TYPE(flags) ((flags) & (1u << 0))
#define ZX_INFO_VMO_RESIZABLE (1u << 1)
#define ZX_INFO_VMO_IS_COW_CLONE (1u << 2)
#define ZX_INFO_VMO_VIA_HANDLE (1u << 3)
#define ZX_INFO_VMO_VIA_MAPPING (1u << 4)
#define ZX_INFO_VMO_PAGER_BACKED (1u << 5)
#define ZX_INFO_VMO_CONTIGUOUS (1u << 6)
#define ZX_INFO_VMO_DISCARDABLE (1u << 7)
#define ZX_INFO_VMO_IMMUTABLE (1u << 8)

typedef struct zx_info_vmo {
  zx_koid_t koid;
  char name[ZX_MAX_NAME_LEN];
  uint64_t size_bytes;
  zx_koid_t parent_koid;  // 0 unless this is a child
  size_t num_children;
  size_t num_mappings;
  size_t share_count;
  uint32_t flags;  // ZX_INFO_VMO_*
  uint8_t padding1[4];
  uint64_t committed_bytes;
  zx_rights_t handle_rights;  // valid with ZX_INFO_VMO_VIA_HANDLE
  uint32_t cache_policy;
  uint64_t metadata_bytes;
  uint64_t committed_change_events;
  uint64_t populated_bytes;
  uint64_t committed_private_bytes;
  uint64_t populated_private_bytes;
  uint64_t committed_scaled_bytes;
  uint64_t populated_scaled_bytes;
  uint64_t committed_fractional_scaled_bytes;
  uint64_t populated_fractional_scaled_bytes;
} zx_info_vmo_t;

// Entries of ZX_INFO_PROCESS_MAPS / ZX_INFO_VMAR_MAPS.
typedef struct zx_info_maps_mapping {
  zx_vm_option_t mmu_flags;  // ZX_VM_PERM_* bits
  uint8_t padding1[4];
  zx_koid_t vmo_koid;
  uint64_t vmo_offset;
  size_t committed_bytes;
  size_t populated_bytes;
  size_t committed_private_bytes;
  size_t populated_private_bytes;
  size_t committed_scaled_bytes;
  size_t populated_scaled_bytes;
  uint64_t committed_fractional_scaled_bytes;
  uint64_t populated_fractional_scaled_bytes;
} zx_info_maps_mapping_t;

typedef uint32_t zx_info_maps_type_t;
#define ZX_INFO_MAPS_TYPE_NONE ((zx_info_maps_type_t)0u)
#define ZX_INFO_MAPS_TYPE_ASPACE ((zx_info_maps_type_t)1u)
#define ZX_INFO_MAPS_TYPE_VMAR ((zx_info_maps_type_t)2u)
#define ZX_INFO_MAPS_TYPE_MAPPING ((zx_info_maps_type_t)3u)

// One node of the address-space tree, in depth-first pre-order.
typedef struct zx_info_maps {
  char name[ZX_MAX_NAME_LEN];
  zx_vaddr_t base;
  size_t size;
  size_t depth;
  zx_info_maps_type_t type;  // selects the valid member of u
  uint8_t padding1[4];
  union {
    zx_info_maps_mapping_t mapping;
  } u;
} zx_info_maps_t;

// Object properties (zx_object_get_property / zx_object_set_property).
#define ZX_PROP_NAME ((uint32_t)3u)  // char[ZX_MAX_NAME_LEN]
#define ZX_PROP_PROCESS_DEBUG_ADDR ((uint32_t)5u)
#define ZX_PROP_PROCESS_VDSO_BASE_ADDRESS ((uint32_t)6u)
#define ZX_PROP_VMO_CONTENT_SIZE 17u

// ---- Extensions of this kernel (not in Fuchsia) -----------------------------------------------
// Page budget of a pager (uint64_t pages, 0 for none; set with ZX_RIGHT_MANAGE_VMO): before a
// supply adds pages past it, the pager's least recently used clean pages are evicted.
#define ZX_PROP_PAGER_PAGE_BUDGET ((uint32_t)0x8001u)
// On a pager handle, its VMOs' pages; on the root job, every pager's (docs/pager.md).
#define ZX_INFO_PAGER_PAGES ((zx_object_info_topic_t)0x8001u)  // zx_info_pager_pages_t[1]
typedef struct zx_info_pager_pages {
  uint64_t resident_bytes;   // pages pager-backed VMOs hold now
  uint64_t dirty_bytes;      // of those, dirty or being written back (never evicted)
  uint64_t evictable_bytes;  // of those, clean and on the reclaim queue
  uint64_t evicted_pages;    // evicted so far
  uint64_t budget_pages;     // ZX_PROP_PAGER_PAGE_BUDGET (0 on the root job)
} zx_info_pager_pages_t;

__END_CDECLS

// What a process makes the kernel hold (ZX_INFO_PROCESS_KERNEL_CHARGES): its own header, which
// the kernel includes as well.
#include <zircon/syscalls/kernel_charges.h>

#endif  // ZIRCON_SYSCALLS_OBJECT_H_
