// Page sources (see page_source.h).
#include "pager/page_source.h"

#include "kernel/lib/placement_new.h"
#include "mm/vm_object.h"

namespace {
// What a waiting thread keeps in its PageWaitSlot.
struct Wait {
  PageRequest req;
  Event done;
  PageRequestType type;
};
static_assert(sizeof(Wait) <= sizeof(PageWaitSlot), "PageWaitSlot too small for a page wait");
constexpr PageRequestType kTypes[] = {PageRequestType::kRead, PageRequestType::kDirty};
}  // namespace

TrackedPageSource::TrackedPageSource(PagerProxy* provider)
    : provider_(provider),
      trackers_{{on_complete, is_present, this}, {on_complete, is_dirty, this}} {}

TrackedPageSource::~TrackedPageSource() { delete provider_; }

void TrackedPageSource::attach(VmObject* vmo) {
  {
    MutexGuard g(lock_);
    vmo_ = vmo;
  }
  // Not under lock_: attaching takes the port's client lock, and a port closing calls detach()
  // (which takes lock_) under that lock. Nothing else sees this source before it is attached.
  if (!provider_->attach(this)) close();  // the port's last handle went meanwhile
}

void TrackedPageSource::on_complete(PageRequest* r, void*) {
  static_cast<Wait*>(r->waiter)->done.signal();
}

// The trackers' presence tests run from begin_wait, whose caller holds the VMO's lock.
bool TrackedPageSource::is_present(uint64_t offset, void* ctx) {
  auto* self = static_cast<TrackedPageSource*>(ctx);
  return self->vmo_ && self->vmo_->present_locked(offset);
}

bool TrackedPageSource::is_dirty(uint64_t offset, void* ctx) {
  auto* self = static_cast<TrackedPageSource*>(ctx);
  return self->vmo_ && self->vmo_->dirty_locked(offset);
}

void TrackedPageSource::send_next_locked() {
  if (detached_) return;
  for (PageRequestType t : kTypes) {
    uint64_t offset, len;
    if (tracker(t).next_to_send(&offset, &len)) provider_->send_request(t, offset, len);
  }
}

zx_status_t TrackedPageSource::begin_wait(PageRequestType type, uint64_t offset, uint64_t len,
                                          PageWaitSlot* slot) {
  MutexGuard g(lock_);
  if (detached_) return ZX_ERR_BAD_STATE;
  auto* w = new (slot->storage) Wait();
  w->req.offset = offset;
  w->req.length = len;
  w->req.waiter = w;
  w->type = type;
  tracker(type).add(&w->req);
  send_next_locked();
  return ZX_ERR_SHOULD_WAIT;  // even if already done: finish_wait reads the status
}

zx_status_t TrackedPageSource::finish_wait(PageWaitSlot* slot) {
  auto* w = reinterpret_cast<Wait*>(slot->storage);
  zx_status_t s = w->done.wait(kInfiniteTime, /*interruptible=*/true);
  {
    MutexGuard g(lock_);
    if (!w->req.done) {
      // Killed while waiting: give up our part of the request.
      tracker(w->type).withdraw(&w->req);
      send_next_locked();
    } else {
      s = w->req.status;
    }
  }
  w->~Wait();
  return s;
}

void TrackedPageSource::supplied(uint64_t offset, uint64_t len) {
  MutexGuard g(lock_);
  tracker(PageRequestType::kRead).supply(offset, len);
  send_next_locked();
}

void TrackedPageSource::dirtied(uint64_t offset, uint64_t len) {
  MutexGuard g(lock_);
  tracker(PageRequestType::kDirty).supply(offset, len);
  send_next_locked();
}

void TrackedPageSource::fail(uint64_t offset, uint64_t len, zx_status_t status) {
  MutexGuard g(lock_);
  for (RequestTracker& t : trackers_) t.fail(offset, len, status);
  send_next_locked();
}

void TrackedPageSource::on_resize(uint64_t new_size) {
  MutexGuard g(lock_);
  for (RequestTracker& t : trackers_) t.shrink(new_size);
  send_next_locked();
}

void TrackedPageSource::detach_locked(bool complete) {
  if (!detached_) {
    detached_ = true;
    for (RequestTracker& t : trackers_) t.detach(ZX_ERR_BAD_STATE);
    if (complete) provider_->send_complete();
  }
  if (!complete) provider_->cancel_all();
}

void TrackedPageSource::detach() {
  MutexGuard g(lock_);
  detach_locked(true);
}

void TrackedPageSource::close() {
  MutexGuard g(lock_);
  detach_locked(false);
}

void TrackedPageSource::on_object_destroyed() {
  MutexGuard g(lock_);
  vmo_ = nullptr;
  detach_locked(true);
}

bool TrackedPageSource::detached() const {
  MutexGuard g(lock_);
  return detached_;
}

bool TrackedPageSource::vmo_gone() const {
  MutexGuard g(lock_);
  return vmo_ == nullptr;
}
