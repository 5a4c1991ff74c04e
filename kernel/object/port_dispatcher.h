// A port: a queue of packets. User code queues packets (zx_port_queue); the kernel queues
// signal packets for asynchronous waits (zx_object_wait_async) and page requests for pagers.
// Threads take packets off with zx_port_wait. A kernel packet is never lost: each asynchronous wait
// carries its own packet storage, so queueing it cannot fail.
//
// The queue and the waits are under g_sched_lock, like object signals: a signal change, the
// packet it queues and the wakeup of a waiting thread are one step. Kernel clients (PortClient)
// are under the port's own mutex, taken before their locks.
#pragma once
#include "kernel/lib/list.h"
#include "kernel/mutex.h"
#include "kernel/object/dispatcher.h"
#include "kernel/object/kernel_charges.h"
#include "kernel/syscall_types.h"
#include "kernel/wait_queue.h"

class PortDispatcher;

// A queued packet.
struct PortPacket {
  enum class Owner : uint8_t {
    kObserver,  // embedded in a PortObserver (an asynchronous wait)
    kUser,      // heap-allocated by zx_port_queue
    kKernel,    // embedded in a kernel object (a pager's page request): it stays its owner's
  };
  ListNode node;
  zx_port_packet_t packet;
  Owner owner = Owner::kObserver;
  Charge charge;  // a user packet's, against the process that queued it
};

// An asynchronous wait: armed on an object until it fires, then its packet sits in the port
// until read. It stays on the object's observer list until it is freed, so closing the handle
// it came through or the object's end can withdraw a packet not yet read.
struct PortObserver {
  SignalObserver obs;  // first: the object's list holds &obs
  PortDispatcher* port = nullptr;
  Dispatcher* target = nullptr;
  ListNode port_node;  // on the port's list of its observers
  PortPacket packet;
  uint32_t options = 0;
  bool fired = false;
  Charge charge;  // against the process that armed it
};

// A kernel object that sends packets to a port and must hear when nobody can read them any
// more: a pager's page source, whose waiting threads would otherwise sleep for good.
class PortClient {
 public:
  // The port lost its last handle. Called with the port's client lock held; the client may
  // take its own locks (and g_sched_lock) but must not call back into add/remove_client.
  virtual void on_port_closed() = 0;
  ListNode port_client_node;

 protected:
  ~PortClient() = default;
};

class PortDispatcher : public Dispatcher {
 public:
  static constexpr zx_obj_type_t kType = ZX_OBJ_TYPE_PORT;
  // Limits per port, so that one process cannot fill the kernel heap through one port. User
  // packets: Zircon's kMaxAllocatedPacketCountPerPort. Observers (asynchronous waits, armed or
  // fired and unread): Zircon's is a boot option (kernel.port.max-observers); ours is fixed.
  // Past either, Zircon raises a policy exception (ZX_EXCP_POLICY_CODE_PORT_TOO_MANY_PACKETS,
  // _PORT_TOO_MANY_OBSERVERS); this kernel has no exception channels, so the call fails with
  // ZX_ERR_SHOULD_WAIT, what zx_port_queue returns in Zircon when the exception is handled.
  static constexpr size_t kMaxUserPackets = 4096;
  static constexpr size_t kMaxObservers = 16384;
  explicit PortDispatcher(bool binds_interrupts = false) : binds_interrupts_(binds_interrupts) {}
  ~PortDispatcher() override;
  zx_obj_type_t type() const override { return kType; }
  // Created with ZX_PORT_BIND_TO_INTERRUPT: interrupt objects may be bound to it.
  bool binds_interrupts() const { return binds_interrupts_; }

  zx_status_t queue_user(const zx_port_packet_t& p);
  // A kernel packet (owner kKernel) whose storage stays its owner's: queued unless it already
  // is; withdrawn on request. Never fails.
  void queue_kernel(PortPacket* p);
  void withdraw_kernel(PortPacket* p);
  zx_status_t wait(uint64_t deadline, zx_port_packet_t* out);
  // owner/handle: where the wait came through (closing that handle cancels it).
  zx_status_t wait_async(Dispatcher* target, const void* owner, uint32_t handle, uint64_t key,
                         zx_signals_t signals, uint32_t options);
  zx_status_t cancel(Dispatcher* target, uint64_t key);
  // Registers a kernel client; false if the port has already lost its last handle. A client
  // removes itself before it goes away.
  bool add_client(PortClient* c);
  void remove_client(PortClient* c);
  // For tests: packets waiting to be read.
  size_t queued() const;

 protected:
  void on_zero_handles() override;

 private:
  static void fire(SignalObserver* o, zx_signals_t current);
  static void cancel_observer(SignalObserver* o);
  void free_observer_locked(PortObserver* po);
  void drain_locked();

  List<PortPacket, &PortPacket::node> queue_;               // g_sched_lock
  List<PortObserver, &PortObserver::port_node> observers_;  // g_sched_lock
  size_t user_packets_ = 0;                                 // g_sched_lock
  WaitQueue waiters_;
  bool closed_ = false;  // no handles left: no more packets
  Mutex clients_lock_{LockClass::kPortClients};
  List<PortClient, &PortClient::port_client_node> clients_;  // clients_lock_
  bool clients_closed_ = false;                              // clients_lock_
  const bool binds_interrupts_;
};
