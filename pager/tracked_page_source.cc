// Tracked page sources (see tracked_page_source.h).
#include "pager/tracked_page_source.h"

#include "kernel/lock_assert.h"
#include "mm/vm_object.h"

namespace {
constexpr PageRequestType kTypes[] = {PageRequestType::kRead, PageRequestType::kDirty};
}  // namespace

TrackedPageSource::TrackedPageSource(RefPtr<PageProvider> provider)
    : PageSource(provider->provider_koid()),
      provider_(move(provider)),
      trackers_{{on_complete, is_present, this}, {on_complete, is_dirty, this}} {}

TrackedPageSource::~TrackedPageSource() = default;

void TrackedPageSource::attach(VmObject* vmo) {
  {
    MutexGuard g(lock_);
    vmo_ = vmo;
  }
  // Not under lock_: attaching takes the port's client lock, and a port closing calls detach()
  // (which takes lock_) under that lock. Nothing else sees this source before it is attached.
  if (!provider_->attach(this)) close();  // the port's last handle went meanwhile
}

void TrackedPageSource::on_complete(PageRequest* r, void*) { event(r).signal(); }

// The trackers' presence tests run from get_pages, whose caller holds the VMO's lock
// (present_locked and dirty_locked assert it).
bool TrackedPageSource::is_present(uint64_t offset, void* ctx) {
  auto* self = static_cast<TrackedPageSource*>(ctx);
  return self->vmo_ && self->vmo_->present_locked(offset);
}

bool TrackedPageSource::is_dirty(uint64_t offset, void* ctx) {
  auto* self = static_cast<TrackedPageSource*>(ctx);
  return self->vmo_ && self->vmo_->dirty_locked(offset);
}

void TrackedPageSource::send_next_locked() {
  assert_held(lock_);
  if (detached_) return;
  for (PageRequestType t : kTypes) {
    uint64_t offset, len;
    if (tracker(t).next_to_send(&offset, &len)) provider_->send_request(t, offset, len);
  }
}

zx_status_t TrackedPageSource::get_pages(PageRequest* r) {
  MutexGuard g(lock_);
  if (detached_) return ZX_ERR_BAD_STATE;
  // Pages are asked for one at a time, so early and late wake are the same; a longer request
  // would need the tracker to wake it at its first page.
  assert(r->early_wake() ? r->length == PAGE_SIZE : true);
  link(r, this);
  tracker(r->type()).add(r);
  send_next_locked();
  return ZX_ERR_SHOULD_WAIT;  // even if already done: wait() reads the status
}

void TrackedPageSource::withdraw_locked(PageRequest* r) {
  assert_held(lock_);
  if (r->done) return;
  tracker(r->type()).withdraw(r);
  send_next_locked();
}

zx_status_t TrackedPageSource::wait_on_request(PageRequest* r) {
  zx_status_t s = event(r).wait(kInfiniteTime, /*interruptible=*/true);
  MutexGuard g(lock_);
  if (!r->done) {
    withdraw_locked(r);  // killed while waiting: give up our part of the request
    return s;
  }
  return r->status;
}

void TrackedPageSource::cancel_request(PageRequest* r) {
  MutexGuard g(lock_);
  withdraw_locked(r);
}

void TrackedPageSource::on_pages_supplied(uint64_t offset, uint64_t len) {
  MutexGuard g(lock_);
  tracker(PageRequestType::kRead).supply(offset, len);
  send_next_locked();
}

void TrackedPageSource::on_pages_dirtied(uint64_t offset, uint64_t len) {
  MutexGuard g(lock_);
  tracker(PageRequestType::kDirty).supply(offset, len);
  send_next_locked();
}

void TrackedPageSource::on_pages_failed(uint64_t offset, uint64_t len, zx_status_t status) {
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
  assert_held(lock_);
  if (!detached_) {
    __atomic_store_n(&detached_, true, __ATOMIC_RELEASE);
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
  // A snapshot either way (it may change as soon as we return), so without the lock.
  return __atomic_load_n(&detached_, __ATOMIC_ACQUIRE);
}

bool TrackedPageSource::vmo_gone() const {
  MutexGuard g(lock_);
  return vmo_ == nullptr;
}
