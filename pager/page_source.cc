// Pager-backed page sources (see page_source.h).
#include "pager/page_source.h"

#include "kernel/lib/placement_new.h"
#include "mm/vm_object.h"

namespace {
// What a waiting thread keeps in its PageWaitSlot.
struct Wait {
  PageRequest req;
  Event done;
};
static_assert(sizeof(Wait) <= sizeof(PageWaitSlot), "PageWaitSlot too small for a pager wait");

constexpr uint16_t kPagerVmoRead = 0;
constexpr uint16_t kPagerVmoComplete = 1;
}  // namespace

PagerSource::PagerSource(PagerDispatcher* pager, RefPtr<PortDispatcher> port, uint64_t key)
    : pager_(pager),
      port_(static_cast<RefPtr<PortDispatcher>&&>(port)),
      key_(key),
      tracker_(on_complete, is_present, this) {
  request_packet_.owner = PortPacket::Owner::kKernel;
  complete_packet_.owner = PortPacket::Owner::kKernel;
  if (!port_->add_client(this)) detached_ = true;  // its last handle went meanwhile
}

PagerSource::~PagerSource() {
  // Our packets live in us: make sure the port no longer holds them.
  port_->remove_client(this);
  port_->withdraw_kernel(&request_packet_);
  port_->withdraw_kernel(&complete_packet_);
}

void PagerSource::on_complete(PageRequest* r, void*) {
  static_cast<Wait*>(r->waiter)->done.signal();
}

bool PagerSource::is_present(uint64_t offset, void* ctx) {
  // Called from begin_wait, whose caller holds the VMO's lock.
  auto* self = static_cast<PagerSource*>(ctx);
  return self->vmo_ && self->vmo_->present_locked(offset);
}

void PagerSource::send_next_locked() {
  uint64_t offset, len;
  if (detached_ || !tracker_.next_to_send(&offset, &len)) return;
  zx_port_packet_t& p = request_packet_.packet;
  p = zx_port_packet_t{};
  p.key = key_;
  p.type = ZX_PKT_TYPE_PAGE_REQUEST;
  p.status = ZX_OK;
  p.page_request.command = kPagerVmoRead;
  p.page_request.offset = offset;
  p.page_request.length = len;
  port_->queue_kernel(&request_packet_);
}

zx_status_t PagerSource::begin_wait(uint64_t offset, uint64_t len, PageWaitSlot* slot) {
  MutexGuard g(lock_);
  if (detached_) return ZX_ERR_BAD_STATE;
  auto* w = new (slot->storage) Wait();
  w->req.offset = offset;
  w->req.length = len;
  w->req.waiter = w;
  tracker_.add(&w->req);
  send_next_locked();
  return ZX_ERR_SHOULD_WAIT;  // even if already done: finish_wait reads the status
}

zx_status_t PagerSource::finish_wait(PageWaitSlot* slot) {
  auto* w = reinterpret_cast<Wait*>(slot->storage);
  zx_status_t s = w->done.wait(kInfiniteTime, /*interruptible=*/true);
  {
    MutexGuard g(lock_);
    if (!w->req.done) {
      // Killed while waiting: give up our part of the request.
      tracker_.withdraw(&w->req);
      send_next_locked();
    } else {
      s = w->req.status;
    }
  }
  w->~Wait();
  return s;
}

void PagerSource::supplied(uint64_t offset, uint64_t len) {
  MutexGuard g(lock_);
  tracker_.supply(offset, len);
  send_next_locked();
}

void PagerSource::fail(uint64_t offset, uint64_t len, zx_status_t status) {
  MutexGuard g(lock_);
  tracker_.fail(offset, len, status);
  send_next_locked();
}

void PagerSource::on_resize(uint64_t new_size) {
  MutexGuard g(lock_);
  tracker_.shrink(new_size);
  send_next_locked();
}

void PagerSource::detach_locked() {
  if (detached_) return;
  detached_ = true;
  tracker_.detach(ZX_ERR_BAD_STATE);
  port_->withdraw_kernel(&request_packet_);
  zx_port_packet_t& p = complete_packet_.packet;
  p = zx_port_packet_t{};
  p.key = key_;
  p.type = ZX_PKT_TYPE_PAGE_REQUEST;
  p.page_request.command = kPagerVmoComplete;
  port_->queue_kernel(&complete_packet_);
}

void PagerSource::detach() {
  MutexGuard g(lock_);
  detach_locked();
}

void PagerSource::on_object_destroyed() {
  MutexGuard g(lock_);
  vmo_ = nullptr;
  detach_locked();
}

void PagerSource::on_port_closed() { detach(); }

bool PagerSource::detached() const {
  MutexGuard g(lock_);
  return detached_;
}
