// Channels: two endpoints, each with a queue of messages written by the other. A message is
// bytes plus handles in flight; handles in a message stay counted as handles of their objects,
// so an endpoint travelling in a message is not "closed". When the last handle to an endpoint
// closes, its peer sees ZX_CHANNEL_PEER_CLOSED and the endpoint's unread messages are dropped.
// Endpoints whose only handles are queued where nobody can ever read them (an endpoint queued in
// itself after its peer closed, two queued in each other) are found and dropped too (see
// ChannelDispatcher::collect).
#pragma once
#include "kernel/lib/list.h"
#include "kernel/lib/placement_new.h"
#include "kernel/mutex.h"
#include "kernel/object/dispatcher.h"
#include "kernel/object/kernel_charges.h"
#include "kernel/spinlock.h"
#include "mm/heap.h"

// Messages waiting at one endpoint: Zircon's kMaxPendingMessageCount. A write past it is
// refused with ZX_ERR_SHOULD_WAIT (Zircon raises ZX_EXCP_POLICY_CODE_CHANNEL_FULL_WRITE, which
// kills a process that does not handle it; this kernel has no exception channels).
constexpr uint32_t kChannelMaxQueued = 3500;

struct MessageHandle {
  RefPtr<Dispatcher> obj;
  zx_rights_t rights = 0;
};

// A message in flight. The header, the handle slots and the bytes are one heap block: a message
// costs one allocation, not a header with room for 64 handles plus a separate byte buffer.
// Small messages all get a block of kMessageSmallBlock bytes, so any small block can carry any
// small message and a channel can reuse one (ChannelDispatcher::alloc_message).
constexpr size_t kMessageSmallBlock = 128;

struct MessagePacket {
  ListNode node;
  uint8_t* bytes = nullptr;          // num_bytes bytes, inside this block
  MessageHandle* handles = nullptr;  // max_handles slots, inside this block
  uint32_t num_bytes = 0;
  uint32_t num_handles = 0;  // slots in use (a handle closed while being sent is left out)
  uint32_t max_handles = 0;
  uint32_t capacity = 0;  // bytes in the block after this header (handle slots, then bytes)
  // The writer's account, charged for the whole block from the write until the message is
  // read or dropped (a reference; null for messages the kernel makes).
  KernelAccount* account = nullptr;

  // A message of num_bytes (uninitialized) with room for max_handles handles, or null when
  // memory runs out. Callers check the limits (ZX_CHANNEL_MAX_MSG_BYTES,
  // ZX_CHANNEL_MAX_MSG_HANDLES) first.
  static MessagePacket* create(uint32_t num_bytes, uint32_t max_handles = 0);
  // Drops the message: its handles are closed and its block freed.
  static void destroy(MessagePacket* m);

  // Whether a message of this shape fits a small block.
  static bool fits_small(uint32_t num_bytes, uint32_t max_handles);
  bool is_small() const;
  // Lays a message out in a block of `capacity` bytes after the header (it must fit).
  static MessagePacket* init(void* block, uint32_t capacity, uint32_t num_bytes,
                             uint32_t max_handles) {
    auto* m = new (block) MessagePacket();
    m->handles = reinterpret_cast<MessageHandle*>(m + 1);
    for (uint32_t i = 0; i < max_handles; i++) new (&m->handles[i]) MessageHandle();
    m->bytes = reinterpret_cast<uint8_t*>(m->handles + max_handles);
    m->num_bytes = num_bytes;
    m->max_handles = max_handles;
    m->capacity = capacity;
    return m;
  }
  size_t block_bytes() const { return sizeof(MessagePacket) + capacity; }
  // Charges the running process for the block: ZX_ERR_NO_RESOURCES past its budget.
  zx_status_t charge() {
    KernelAccount* a = KernelAccount::current();
    if (!a) return ZX_OK;
    if (!a->charge(KernelAccount::kMessage, block_bytes())) return ZX_ERR_NO_RESOURCES;
    a->add_ref();
    account = a;
    return ZX_OK;
  }
  void uncharge() {
    KernelAccount* a = account;
    if (!a) return;
    account = nullptr;
    a->uncharge(KernelAccount::kMessage, block_bytes());
    if (a->release()) delete a;  // its process is gone
  }
  // Closes the message's handles and gives its charge back, leaving the block to be freed or
  // reused.
  void close_handles() {
    uncharge();
    for (uint32_t i = 0; i < max_handles; i++) {
      if (handles[i].obj) handles[i].obj->decrement_handle_count();
      handles[i].~MessageHandle();  // drops the reference, perhaps the object's last
    }
    num_handles = max_handles = 0;
  }
};
// The header is pointer-aligned for the handle slots that follow it.
static_assert(sizeof(MessagePacket) % alignof(MessageHandle) == 0);
// Bytes after the header in a small block.
constexpr uint32_t kMessageSmallCapacity = kMessageSmallBlock - sizeof(MessagePacket);
static_assert(kMessageSmallCapacity == 72, "docs/objects/channel.md gives this figure");

inline bool MessagePacket::fits_small(uint32_t num_bytes, uint32_t max_handles) {
  return size_t{max_handles} * sizeof(MessageHandle) + num_bytes <= kMessageSmallCapacity;
}
inline bool MessagePacket::is_small() const { return capacity == kMessageSmallCapacity; }

// A thread in zx_channel_call waiting for the reply with its transaction id.
struct ChannelCallWaiter {
  ListNode node;
  uint32_t txid = 0;
  MessagePacket* reply = nullptr;  // set by the writer of the reply
  zx_status_t status = ZX_OK;      // PEER_CLOSED if the peer went away, CANCELED if our end did
  Event done;
};

class ChannelDispatcher : public Dispatcher {
 public:
  static constexpr zx_obj_type_t kType = ZX_OBJ_TYPE_CHANNEL;
  static zx_status_t create(RefPtr<ChannelDispatcher>* a, RefPtr<ChannelDispatcher>* b);
  ~ChannelDispatcher() override;
  zx_obj_type_t type() const override { return kType; }
  zx_koid_t related_koid() const override { return peer_koid_; }

  // Message blocks for this endpoint pair. alloc_message is MessagePacket::create, except that
  // a small message reuses the block the pair last freed, if any; free_message is
  // MessagePacket::destroy, except that it keeps a small block for that reuse (one per pair).
  // Request/reply traffic of small messages then never reaches the heap: each reply's block
  // was freed by the read of the request. Both are lock-free (one atomic exchange).
  // Inline: they are a few instructions on every write and read.
  MessagePacket* alloc_message(uint32_t num_bytes, uint32_t max_handles) {
    if (MessagePacket::fits_small(num_bytes, max_handles)) {
      if (MessagePacket* block = __atomic_exchange_n(&shared_->spare, nullptr, __ATOMIC_ACQUIRE))
        return MessagePacket::init(block, kMessageSmallCapacity, num_bytes, max_handles);
    }
    return MessagePacket::create(num_bytes, max_handles);
  }
  void free_message(MessagePacket* m) {
    // Handles first, with no lock held: closing one may close channels, this pair's among them.
    m->close_handles();
    // Keep a small block; free the one it displaces (if another thread put one back meanwhile).
    if (m->is_small()) m = __atomic_exchange_n(&shared_->spare, m, __ATOMIC_ACQ_REL);
    kfree(m);  // kfree(nullptr) does nothing
  }

  // Queues m at the peer (taking it), or ZX_ERR_PEER_CLOSED (m untouched).
  zx_status_t write(MessagePacket* m);
  // zx_channel_call: writes m and waits for the reply with m's transaction id (its first four
  // bytes) until the deadline. Takes m in every case. On ZX_OK *reply is the reply message
  // (the caller owns it).
  zx_status_t call(MessagePacket* m, uint64_t deadline, MessagePacket** reply);
  // Takes the first message if it fits; else reports the sizes it needs.
  zx_status_t read(uint32_t max_bytes, uint32_t max_handles, MessagePacket** out,
                   uint32_t* need_bytes, uint32_t* need_handles);

 protected:
  void on_zero_handles() override;

 private:
  struct Shared : RefCounted<Shared> {
    // A spinlock, not a mutex: every critical section is a few list operations and signal
    // updates (nothing under it blocks, allocates or touches user memory), and a mutex costs
    // a trip through g_sched_lock on both lock and unlock.
    SpinLock lock{LockClass::kChannel};
    MessagePacket* spare = nullptr;  // a free small block; atomic exchange only, never locked
    // The cycle collector's pass that holds `lock` (0: none); under the collector's lock.
    uint64_t gc_pass = 0;
    ~Shared();
  };
  ChannelDispatcher(RefPtr<Shared> shared) : shared_(move(shared)) {}
  void disconnect();
  void drain_locked(List<MessagePacket, &MessagePacket::node>* out);

  // Cycle collection (channel_dispatcher.cc, "Cycles"): endpoints whose handles sit only in
  // queues nobody can read any more. collect() looks from this endpoint; it runs as a teardown
  // step (gc_node_, holding a reference) queued by the peer's disconnect.
  void schedule_collect();
  static void run_collect(TeardownNode* n);
  void collect();
  TeardownNode gc_node_;
  // Collector state, under the collector's lock: the endpoints seen by the current pass (an
  // intrusive list, so a pass never allocates), how many handles to this endpoint lie in their
  // queues, and whether this one is still reachable.
  ChannelDispatcher* gc_next_ = nullptr;
  ChannelDispatcher* gc_live_next_ = nullptr;
  uint64_t gc_pass_ = 0;
  uint32_t gc_internal_ = 0;
  bool gc_live_ = false;

  RefPtr<Shared> shared_;
  ChannelDispatcher* peer_ = nullptr;  // shared_->lock
  zx_koid_t peer_koid_ = 0;
  List<MessagePacket, &MessagePacket::node> queue_;            // shared_->lock
  List<ChannelCallWaiter, &ChannelCallWaiter::node> callers_;  // shared_->lock
};
