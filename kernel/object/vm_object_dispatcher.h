// The handle-facing side of a VM object.
#pragma once
#include "kernel/object/dispatcher.h"
#include "mm/vm_object.h"

class VmObjectDispatcher : public Dispatcher {
 public:
  static constexpr zx_obj_type_t kType = ZX_OBJ_TYPE_VMO;
  explicit VmObjectDispatcher(RefPtr<VmObject> vmo) : vmo_(move(vmo)) {}
  zx_obj_type_t type() const override { return kType; }
  const RefPtr<VmObject>& vmo() const { return vmo_; }

 private:
  RefPtr<VmObject> vmo_;
};
