// The pager proxy: the page provider (pager/page_provider.h) of a VMO made by
// zx_pager_create_vmo. It turns its source's requests into ZX_PKT_TYPE_PAGE_REQUEST packets on
// the port given at creation (docs/pager.md, "A fault, step by step").
//
// Packets are kernel-owned storage inside the proxy, one per request type (the source keeps at
// most one request of each type in flight, as Zircon does) and one for COMPLETE, so a request
// can never be lost to a full port, and nothing is allocated per fault.
//
// Ownership: the VMO's source holds the only reference to its proxy. The proxy holds a
// reference to its pager until the pager lets go of it (PagerDispatcher::on_zero_handles, or
// the VMO being gone), and the pager holds a reference to the source through its list of
// proxies: a cycle, broken when the pager's last handle closes.
#pragma once
#include "kernel/lib/list.h"
#include "kernel/object/port_dispatcher.h"
#include "pager/page_provider.h"

class PagerDispatcher;

class PagerProxy final : public PageProvider, public PortClient {
 public:
  PagerProxy(RefPtr<PagerDispatcher> pager, RefPtr<PortDispatcher> port, uint64_t key);
  ~PagerProxy() override;

  // The source we serve, for the pager's list (valid while we are listed: the list holds a
  // reference to it).
  TrackedPageSource* source() const { return source_; }
  // The pager lets go of us (it is closing, or the VMO is gone): drops our reference to it.
  void clear_pager();

  // PageProvider.
  bool attach(TrackedPageSource* source) override;
  void send_request(PageRequestType type, uint64_t offset, uint64_t len) override;
  void send_complete() override;
  void cancel_all() override;
  uint64_t provider_koid() const override { return pager_koid_; }
  // PortClient: nobody can read the requests any more.
  void on_port_closed() override;

  ListNode pager_node;  // on the pager's list of the VMOs it serves

 private:
  RefPtr<PagerDispatcher> pager_;  // until clear_pager
  uint64_t pager_koid_;            // kept after clear_pager (koids are never reused)
  RefPtr<PortDispatcher> port_;
  uint64_t key_;
  TrackedPageSource* source_ = nullptr;  // owns us (holds our only reference)
  PortPacket request_packets_[2];        // one per PageRequestType
  PortPacket complete_packet_;
};
