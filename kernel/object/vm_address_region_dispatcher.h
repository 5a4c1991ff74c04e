// The handle-facing side of a VMAR. The handle's rights bound what may be mapped through it
// (ZX_RIGHT_READ/WRITE/EXECUTE), on top of the VMAR's own CAN_MAP flags.
#pragma once
#include "kernel/object/dispatcher.h"
#include "kernel/object/rights.h"
#include "mm/vm_address_region.h"
#include "mm/vm_aspace.h"

// A process's root VMAR handle may map with every permission (as in Zircon, where a VMAR
// handle's READ/WRITE/EXECUTE follow its CAN_MAP flags, all set on the root).
constexpr zx_rights_t kRootVmarRights =
    ZX_DEFAULT_VMAR_RIGHTS | ZX_RIGHT_READ | ZX_RIGHT_WRITE | ZX_RIGHT_EXECUTE;

class VmAddressRegionDispatcher : public Dispatcher {
 public:
  static constexpr zx_obj_type_t kType = ZX_OBJ_TYPE_VMAR;
  VmAddressRegionDispatcher(RefPtr<VmAddressRegion> vmar, bool is_root)
      : aspace_(vmar->aspace()), vmar_(move(vmar)), is_root_(is_root) {}
  zx_obj_type_t type() const override { return kType; }
  const RefPtr<VmAddressRegion>& vmar() const { return vmar_; }
  bool is_root() const { return is_root_; }

 private:
  // A handle may outlive its process: the region's address space (whose lock every VMAR
  // operation takes first) must outlive the handle. The region then reports itself destroyed.
  RefPtr<VmAspace> aspace_;
  RefPtr<VmAddressRegion> vmar_;
  bool is_root_;
};
