// What a page source asks of whoever provides its pages (in Zircon's terms, the PageProvider),
// and the one provider there is: the pager proxy, which turns each request into a
// ZX_PKT_TYPE_PAGE_REQUEST packet on the port given to zx_pager_create_vmo (docs/architecture.md,
// "The page-fault path", step 4). The source decides *what* to ask (page_source.h); the provider
// only delivers.
//
// Packets are kernel-owned storage inside the proxy, one per request type (the source keeps at
// most one request of each type in flight, as Zircon does) and one for COMPLETE, so a request
// can never be lost to a full port, and nothing is allocated per fault.
#pragma once
#include "kernel/lib/list.h"
#include "kernel/object/port_dispatcher.h"
#include "mm/page_source.h"

class PagerDispatcher;
class TrackedPageSource;

class PageProvider {
 public:
  virtual ~PageProvider() = default;
  // Source locked. Asks for [offset, offset+len) of this type; the previous request of the
  // same type, if any, has been answered (or withdrawn).
  virtual void send_request(PageRequestType type, uint64_t offset, uint64_t len) = 0;
  // Source locked. The source is detached: no request will follow this one.
  virtual void send_complete() = 0;
  // Source locked. Whoever answered requests is gone (the pager closed): no request, and not
  // even COMPLETE, is to be delivered any more; requests not yet read are taken back.
  virtual void cancel_all() = 0;
};

class PagerProxy final : public PageProvider, public PortClient {
 public:
  PagerProxy(PagerDispatcher* pager, RefPtr<PortDispatcher> port, uint64_t key);
  ~PagerProxy() override;
  // Whether the port still has a reader (false: the source must start out detached).
  bool attach(TrackedPageSource* source);

  // The pager serving us; null once that pager has let go of us (so a later pager at the same
  // address is never mistaken for it).
  PagerDispatcher* pager() const { return __atomic_load_n(&pager_, __ATOMIC_ACQUIRE); }
  void clear_pager() { __atomic_store_n(&pager_, nullptr, __ATOMIC_RELEASE); }
  TrackedPageSource* source() const { return source_; }

  void send_request(PageRequestType type, uint64_t offset, uint64_t len) override;
  void send_complete() override;
  void cancel_all() override;
  // PortClient: nobody can read the requests any more.
  void on_port_closed() override;

  ListNode pager_node;  // on the pager's list of the VMOs it serves

 private:
  PagerDispatcher* pager_;
  RefPtr<PortDispatcher> port_;
  uint64_t key_;
  TrackedPageSource* source_ = nullptr;  // owns us
  PortPacket request_packets_[2];        // one per PageRequestType
  PortPacket complete_packet_;
};
