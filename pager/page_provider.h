// What a page source asks of whoever provides its pages (in Zircon's terms, the PageProvider):
// the one abstract interface between the source's bookkeeping (tracked_page_source.h decides
// *what* to ask) and the delivery. The one provider there is, the pager proxy
// (kernel/object/pager_proxy.h), turns each request into a packet on a userspace pager's port.
// Every call is made with the source's lock held; the provider answers nothing itself: the
// answers come back through the VMO (VmObject::supply_pages and friends).
#pragma once
#include <stdint.h>

#include "kernel/lib/ref_ptr.h"
#include "mm/page_source.h"

class TrackedPageSource;

class PageProvider : public RefCounted<PageProvider> {
 public:
  virtual ~PageProvider() = default;
  // Source locked, once: the source starts using us. False when nobody can read requests any
  // more (the source then starts out detached).
  virtual bool attach(TrackedPageSource* source) = 0;
  // Source locked. Asks for [offset, offset+len) of this type; the previous request of the
  // same type, if any, has been answered (or withdrawn).
  virtual void send_request(PageRequestType type, uint64_t offset, uint64_t len) = 0;
  // Source locked. The source is detached: no request will follow this one.
  virtual void send_complete() = 0;
  // Source locked. Whoever answered requests is gone (the pager closed): no request, and not
  // even COMPLETE, is to be delivered any more; requests not yet read are taken back.
  virtual void cancel_all() = 0;
  // The koid of the object answering the requests (see PageSource::provider_koid).
  virtual uint64_t provider_koid() const = 0;
};
