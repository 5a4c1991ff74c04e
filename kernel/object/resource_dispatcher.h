// Resources: the capability to reach hardware. The kernel makes one root resource at boot and
// hands it to the first process (PA_RESOURCE); with it, and only with it, a process may map
// device registers (zx_vmo_create_physical), own a device interrupt (zx_interrupt_create) and
// get physical addresses for DMA (zx_iommu_create, then BTIs). A process that was not given
// the handle cannot reach any of it.
//
// Zircon carves the root resource into ranges (MMIO, IRQ, ...) with zx_resource_create; this
// kernel has only the root kind (docs/objects/resource.md).
#pragma once
#include "kernel/object/dispatcher.h"

class ResourceDispatcher : public Dispatcher {
 public:
  static constexpr zx_obj_type_t kType = ZX_OBJ_TYPE_RESOURCE;
  zx_obj_type_t type() const override { return kType; }
  // The one root resource (made on first use, lives for the life of the kernel).
  static RefPtr<ResourceDispatcher> root();
};
