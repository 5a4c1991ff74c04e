// DMA objects. An IOMMU object stands for the translation hardware between devices and memory;
// QEMU virt has none, so the only kind is Zircon's "dummy" IOMMU, under which devices see
// physical addresses. A BTI (bus transaction initiator) is one device's view through it: a
// driver pins VMO pages through the BTI (zx_bti_pin) to learn the addresses to hand the
// device, and gets a PMT (pinned memory token) that keeps the pages in place until
// zx_pmt_unpin. Pinned pages are never decommitted, shrunk away, moved by copy-on-write or
// evicted (docs/drivers.md).
#pragma once
#include "kernel/object/dispatcher.h"
#include "mm/vm_object.h"

class IommuDispatcher : public Dispatcher {
 public:
  static constexpr zx_obj_type_t kType = ZX_OBJ_TYPE_IOMMU;
  zx_obj_type_t type() const override { return kType; }
};

class BtiDispatcher : public Dispatcher {
 public:
  static constexpr zx_obj_type_t kType = ZX_OBJ_TYPE_BTI;
  explicit BtiDispatcher(uint64_t bti_id) : bti_id_(bti_id) {}
  zx_obj_type_t type() const override { return kType; }
  uint64_t bti_id() const { return bti_id_; }

 private:
  const uint64_t bti_id_;
};

class PmtDispatcher : public Dispatcher {
 public:
  static constexpr zx_obj_type_t kType = ZX_OBJ_TYPE_PMT;
  // Pins [offset, offset+len) of vmo, storing each page's physical address in paddrs[].
  static zx_status_t create(RefPtr<VmObject> vmo, uint64_t offset, uint64_t len, uint64_t* paddrs,
                            RefPtr<PmtDispatcher>* out);
  ~PmtDispatcher() override;
  zx_obj_type_t type() const override { return kType; }
  // zx_pmt_unpin (the handle is closed next, quietly).
  void unpin_by_call() {
    unpinned_by_call_ = true;
    unpin();
  }

 protected:
  // Closing the handle without zx_pmt_unpin: unpinned all the same (Zircon would quarantine
  // the pages instead), and said so in the log.
  void on_zero_handles() override;

 private:
  RefPtr<VmObject> vmo_;
  VmObject::PinnedRange range_;
  bool pinned_ = false;
  bool unpinned_by_call_ = false;
  void unpin();
};
