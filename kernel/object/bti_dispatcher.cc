// Pinned memory tokens (see bti_dispatcher.h).
#include "kernel/object/bti_dispatcher.h"

#include "kernel/console.h"

zx_status_t PmtDispatcher::create(RefPtr<VmObject> vmo, uint64_t offset, uint64_t len,
                                  uint64_t* paddrs, RefPtr<PmtDispatcher>* out) {
  auto* d = new PmtDispatcher();
  if (!d) return ZX_ERR_NO_MEMORY;
  RefPtr<PmtDispatcher> ref = adopt(d);
  zx_status_t s = vmo->pin(offset, len, &d->range_, paddrs);
  if (s != ZX_OK) return s;
  d->vmo_ = move(vmo);
  d->pinned_ = true;
  *out = move(ref);
  return ZX_OK;
}

PmtDispatcher::~PmtDispatcher() { unpin(); }

void PmtDispatcher::unpin() {
  if (!pinned_) return;
  pinned_ = false;
  vmo_->unpin(&range_);
}

void PmtDispatcher::on_zero_handles() {
  if (pinned_ && !unpinned_by_call_) {
    kprintf("pmt: a PMT handle was closed without zx_pmt_unpin: unpinning %lu pages\n",
            range_.len / 4096);
  }
  unpin();
}
