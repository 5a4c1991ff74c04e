// The pager proxy (see pager_proxy.h).
#include "kernel/object/pager_proxy.h"

#include "kernel/object/pager_dispatcher.h"
#include "pager/tracked_page_source.h"

PagerProxy::PagerProxy(RefPtr<PagerDispatcher> pager, RefPtr<PortDispatcher> port, uint64_t key)
    : pager_(move(pager)), pager_koid_(pager_->koid()), port_(move(port)), key_(key) {
  for (PortPacket& p : request_packets_) p.owner = PortPacket::Owner::kKernel;
  complete_packet_.owner = PortPacket::Owner::kKernel;
}

bool PagerProxy::attach(TrackedPageSource* source) {
  source_ = source;
  return port_->add_client(this);
}

void PagerProxy::clear_pager() { pager_ = nullptr; }

PagerProxy::~PagerProxy() {
  // Our packets live in us: make sure the port no longer holds them.
  port_->remove_client(this);
  for (PortPacket& p : request_packets_) port_->withdraw_kernel(&p);
  port_->withdraw_kernel(&complete_packet_);
}

void PagerProxy::send_request(PageRequestType type, uint64_t offset, uint64_t len) {
  PortPacket& pk = request_packets_[static_cast<int>(type)];
  // Out of the queue before rewriting it, so that a reader never sees half of each request.
  port_->withdraw_kernel(&pk);
  zx_port_packet_t& p = pk.packet;
  p = zx_port_packet_t{};
  p.key = key_;
  p.type = ZX_PKT_TYPE_PAGE_REQUEST;
  p.status = ZX_OK;
  p.page_request.command = type == PageRequestType::kRead ? ZX_PAGER_VMO_READ : ZX_PAGER_VMO_DIRTY;
  p.page_request.offset = offset;
  p.page_request.length = len;
  port_->queue_kernel(&pk);
}

void PagerProxy::send_complete() {
  for (PortPacket& p : request_packets_) port_->withdraw_kernel(&p);
  zx_port_packet_t& p = complete_packet_.packet;
  p = zx_port_packet_t{};
  p.key = key_;
  p.type = ZX_PKT_TYPE_PAGE_REQUEST;
  p.page_request.command = ZX_PAGER_VMO_COMPLETE;
  port_->queue_kernel(&complete_packet_);
}

void PagerProxy::cancel_all() {
  for (PortPacket& p : request_packets_) port_->withdraw_kernel(&p);
  port_->withdraw_kernel(&complete_packet_);
}

void PagerProxy::on_port_closed() { source_->detach(); }
