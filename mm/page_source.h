// The missing-page protocol as the VM layer sees it (docs/pager.md): when a fault, read, write
// or commit finds a pager-backed page absent (or, in a VMO that traps dirtying, a clean page it
// wants to write), the VMO fills in the caller's PageRequest and hands it to its PageSource with
// the object locked; the caller drops every lock and waits on the request (PageRequest::wait),
// then looks again. VmObject::wait_for_pages is the one loop that does this.
//
// Three roles, each reached through this file only:
//  - PageRequest: owned by the waiting thread (on its stack), typed, and linked into its source
//    while armed. Its destructor cancels it if it is still linked, so a caller that gives up
//    (an error, a kill) can never leave a pointer to its stack frame behind.
//  - PageRequestInterface: what an armed request reaches its source through (wait, cancel).
//  - PageSource: where a pager-backed VMO's pages come from. The VMO asks it for pages
//    (get_pages) and tells it what changed (supplied, dirtied, failed, resized, destroyed). The
//    implementation is pager/tracked_page_source.h; mm/ never sees it.
#pragma once
#include <stdint.h>

#include "kernel/lib/avl_tree.h"
#include "kernel/lib/list.h"
#include "kernel/lib/placement_new.h"
#include "kernel/lib/ref_ptr.h"
#include "kernel/mutex.h"
#include "kernel/panic.h"
#include "kernel/status.h"

// What a waiter needs: the page's content (READ), or leave to write a clean page (DIRTY).
enum class PageRequestType : uint8_t { kRead = 0, kDirty = 1 };

class PageRequest;

// What an armed PageRequest reaches its source through.
class PageRequestInterface : public RefCounted<PageRequestInterface> {
 public:
  virtual ~PageRequestInterface() = default;
  // No locks held: blocks until r completes (or the thread is killed), then unlinks it. ZX_OK
  // means "look again"; otherwise the pager failed the range, the source was detached, the
  // range went past the end, or the thread was killed.
  virtual zx_status_t wait_on_request(PageRequest* r) = 0;
  // No locks held: r gives up (its pages stay asked for only if someone else needs them).
  virtual void cancel_request(PageRequest* r) = 0;

 protected:
  // For implementations: the PageRequest's private parts.
  static void link(PageRequest* r, PageRequestInterface* src);
  static Event& event(PageRequest* r);
};

// A request for [offset, offset + length) of one type, owned by the thread that waits for it.
// Unarmed when constructed; armed by the VMO (init) and its source (get_pages); done when the
// source completes it; unlinked by wait(), or by the destructor, which cancels it first.
class PageRequest {
 public:
  // early_wake: the request completes as soon as its own pages are there, even if the pager
  // answered only part of the range it was asked for (the tracker joins requests into ranges).
  // Every request the VMO makes is one page, for which early and late wake coincide.
  explicit PageRequest(bool early_wake = true) : early_wake_(early_wake) {}
  ~PageRequest() {
    if (src_) cancel();
  }
  PageRequest(const PageRequest&) = delete;
  PageRequest& operator=(const PageRequest&) = delete;

  // Object locked, before the source sees it: what is needed.
  void init(PageRequestType type, uint64_t off, uint64_t len) {
    type_ = type;
    offset = off;
    length = len;
  }
  // No locks held: sleeps until the request completes and unlinks it (see
  // PageRequestInterface::wait_on_request). Only an armed request may be waited on.
  zx_status_t wait();
  // No locks held: gives up an armed request.
  void cancel();
  bool armed() const { return src_.get() != nullptr; }
  PageRequestType type() const { return type_; }
  bool early_wake() const { return early_wake_; }

  // The source's tracker (pager/request_tracker.h) reads and links these; nobody else does.
  uint64_t offset = 0;         // byte offset in the VMO, page aligned
  uint64_t length = 0;         // bytes, a multiple of PAGE_SIZE (a shrink may trim it)
  zx_status_t status = ZX_OK;  // valid once done
  bool done = false;           // set (with status) just before the source is told
  AvlNode tree_node;           // in the tracker's waiter tree while pending
  ListNode batch_node;         // on a tracker-local list while being collected or completed
  uint64_t seq = 0;            // tie-breaker so that equal offsets are distinct keys
  bool in_tracker = false;
  uint64_t end() const { return offset + length; }

 private:
  friend class PageRequestInterface;
  RefPtr<PageRequestInterface> src_;  // set while armed: keeps the source alive while we wait
  Event event_;                       // signalled when done
  PageRequestType type_ = PageRequestType::kRead;
  bool early_wake_;
};

inline void PageRequestInterface::link(PageRequest* r, PageRequestInterface* src) {
  r->src_ = RefPtr<PageRequestInterface>(src);
}
inline Event& PageRequestInterface::event(PageRequest* r) { return r->event_; }

inline zx_status_t PageRequest::wait() {
  assert(src_);
  zx_status_t s = src_->wait_on_request(this);
  src_ = nullptr;  // may drop the last reference to a source whose VMO is gone
  return s;
}

inline void PageRequest::cancel() {
  src_->cancel_request(this);
  src_ = nullptr;
}

// A PageRequest made only when needed: the fault path declares one on every fault, but only a
// fault on a missing pager-backed page uses it, and a PageRequest is a dozen words to set up
// (Zircon has the same wrapper for the same reason).
class LazyPageRequest {
 public:
  LazyPageRequest() {}
  ~LazyPageRequest() {
    if (made_) request_.~PageRequest();
  }
  LazyPageRequest(const LazyPageRequest&) = delete;
  LazyPageRequest& operator=(const LazyPageRequest&) = delete;
  PageRequest* get() {
    if (!made_) {
      new (&request_) PageRequest();
      made_ = true;
    }
    return &request_;
  }
  PageRequest* operator->() { return get(); }

 private:
  union {
    PageRequest request_;  // alive while made_
  };
  bool made_ = false;
};

// Where a pager-backed VMO's pages come from. The VMO holds one and calls it under its own lock
// (lock order: the VMO's lock, then the source's); the source may ask the VMO whether a page is
// present (VmObject::present_locked) from within those calls.
class PageSource : public PageRequestInterface {
 public:
  // Object locked; r initialised. Arms r and returns ZX_ERR_SHOULD_WAIT (the caller drops its
  // locks and calls r->wait(), even if r already completed), or ZX_ERR_BAD_STATE if the source
  // is detached (nothing is armed).
  virtual zx_status_t get_pages(PageRequest* r) = 0;
  // The VMO changed, and tells its source (never anyone else): [offset, offset+len) arrived
  // from the provider (supplied), became dirty with the provider's leave (dirtied), or could
  // not be provided (failed with status). Waiters whose pages these were complete.
  virtual void on_pages_supplied(uint64_t offset, uint64_t len) = 0;
  virtual void on_pages_dirtied(uint64_t offset, uint64_t len) = 0;
  virtual void on_pages_failed(uint64_t offset, uint64_t len, zx_status_t status) = 0;
  // Object locked: its size became new_size (requests past it fail with ZX_ERR_OUT_OF_RANGE).
  virtual void on_resize(uint64_t new_size) = 0;
  // The object is going away: no more requests (the provider is told COMPLETE).
  virtual void on_object_destroyed() = 0;
  // zx_pager_detach_vmo: every waiter fails with ZX_ERR_BAD_STATE, later requests fail at once,
  // and the provider is told COMPLETE.
  virtual void detach() = 0;
  // Whether the source no longer provides pages (absent pages then fail).
  virtual bool detached() const = 0;
  // The koid of whoever provides the pages (the pager object), so that a syscall can check that
  // the pager it was handed serves this VMO. Koids are never reused; this one never changes.
  uint64_t provider_koid() const { return provider_koid_; }

 protected:
  explicit PageSource(uint64_t provider_koid) : provider_koid_(provider_koid) {}

 private:
  const uint64_t provider_koid_;
};
