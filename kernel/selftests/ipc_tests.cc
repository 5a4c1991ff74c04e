// Self tests of ports and channels at the object level (lab 6): packet order and limits,
// asynchronous waits (level, edge, once, cancel, withdrawal), channel messages with handles,
// peer close, and calls matched by transaction id.
#include "kernel/object/channel_dispatcher.h"
#include "kernel/object/event_dispatcher.h"
#include "kernel/object/port_dispatcher.h"
#include "kernel/selftests/selftest.h"
#include "kernel/thread.h"
#include "kernel/timer.h"
#include "mm/heap.h"

namespace {
constexpr uint64_t kSecond = 1'000'000'000ull;

zx_port_packet_t user_packet(uint64_t key) {
  zx_port_packet_t p = {};
  p.key = key;
  p.type = 0x77;
  p.user.u64[0] = key * 10;
  return p;
}

uint64_t soon() { return deadline_after(2'000'000); }

// Handle counts as a handle table would keep them, for objects made without one.
void counted(const RefPtr<ChannelDispatcher>& p) {
  if (ChannelDispatcher* c = p.get()) c->increment_handle_count();
}
}  // namespace

SELFTEST("port.user_packets") {
  uint64_t objects = g_heap.stats().live_objects;
  {
    RefPtr<PortDispatcher> port = adopt(new PortDispatcher());
    REQUIRE(port);
    for (uint64_t k = 1; k <= 3; k++) EXPECT_OK(port->queue_user(user_packet(k)));
    zx_port_packet_t out;
    for (uint64_t k = 1; k <= 3; k++) {
      EXPECT_OK(port->wait(soon(), &out));
      EXPECT_EQ(out.key, k);  // in order
      EXPECT_EQ(out.type, ZX_PKT_TYPE_USER);
      EXPECT_EQ(out.user.u64[0], k * 10);
    }
    EXPECT_EQ(port->wait(soon(), &out), ZX_ERR_TIMED_OUT);
    // The user-packet limit: one more is refused, and reading one makes room again.
    for (size_t i = 0; i < PortDispatcher::kMaxUserPackets; i++) port->queue_user(user_packet(9));
    EXPECT_EQ(port->queue_user(user_packet(9)), ZX_ERR_SHOULD_WAIT);
    EXPECT_OK(port->wait(soon(), &out));
    EXPECT_OK(port->queue_user(user_packet(9)));
  }
  EXPECT_EQ(g_heap.stats().live_objects, objects);  // the port freed what it still held
}

SELFTEST("port.wait_async") {
  uint64_t objects = g_heap.stats().live_objects;
  {
    RefPtr<PortDispatcher> port = adopt(new PortDispatcher());
    RefPtr<EventDispatcher> e = adopt(new EventDispatcher());
    REQUIRE(port && e);
    int owner = 0;  // stands for a handle table
    zx_port_packet_t out;
    EXPECT_OK(port->wait_async(e.get(), &owner, 11, 1, ZX_EVENT_SIGNALED, 0));
    EXPECT_EQ(port->wait(soon(), &out), ZX_ERR_TIMED_OUT);
    e->update_signals(0, ZX_EVENT_SIGNALED | ZX_USER_SIGNAL_ALL);
    EXPECT_OK(port->wait(soon(), &out));
    EXPECT_EQ(out.key, 1u);
    EXPECT_EQ(out.type, ZX_PKT_TYPE_SIGNAL_ONE);
    EXPECT_EQ(out.signal.trigger, ZX_EVENT_SIGNALED);
    EXPECT_EQ(out.signal.observed, ZX_EVENT_SIGNALED | ZX_USER_SIGNAL_ALL);
    // Level: already active fires at once; edge waits for the next rising edge.
    EXPECT_OK(port->wait_async(e.get(), &owner, 11, 2, ZX_EVENT_SIGNALED, 0));
    EXPECT_OK(port->wait_async(e.get(), &owner, 11, 3, ZX_EVENT_SIGNALED, 2 /*EDGE*/));
    EXPECT_OK(port->wait(soon(), &out));
    EXPECT_EQ(out.key, 2u);
    EXPECT_EQ(port->wait(soon(), &out), ZX_ERR_TIMED_OUT);
    e->update_signals(ZX_EVENT_SIGNALED, 0);
    e->update_signals(0, ZX_EVENT_SIGNALED);
    EXPECT_OK(port->wait(soon(), &out));
    EXPECT_EQ(out.key, 3u);
    e->update_signals(ZX_EVENT_SIGNALED, 0);
    e->update_signals(0, ZX_EVENT_SIGNALED);
    EXPECT_EQ(port->wait(soon(), &out), ZX_ERR_TIMED_OUT);  // each wait fires once
  }
  EXPECT_EQ(g_heap.stats().live_objects, objects);
}

SELFTEST("port.cancel_and_withdraw") {
  uint64_t objects = g_heap.stats().live_objects;
  {
    RefPtr<PortDispatcher> port = adopt(new PortDispatcher());
    RefPtr<EventDispatcher> e = adopt(new EventDispatcher());
    REQUIRE(port && e);
    int owner = 0;
    zx_port_packet_t out;
    EXPECT_OK(port->wait_async(e.get(), &owner, 5, 1, ZX_EVENT_SIGNALED, 0));
    EXPECT_OK(port->cancel(e.get(), 1));
    EXPECT_EQ(port->cancel(e.get(), 1), ZX_ERR_NOT_FOUND);
    e->update_signals(0, ZX_EVENT_SIGNALED);
    EXPECT_EQ(port->wait(soon(), &out), ZX_ERR_TIMED_OUT);
    // A fired packet not yet read goes away when its handle closes...
    EXPECT_OK(port->wait_async(e.get(), &owner, 5, 2, ZX_EVENT_SIGNALED, 0));
    EXPECT_EQ(port->queued(), 1u);
    e->cancel_waits(&owner, 5);
    EXPECT_EQ(port->queued(), 0u);
    // ...and when the object itself goes away.
    RefPtr<EventDispatcher> e2 = adopt(new EventDispatcher());
    EXPECT_OK(port->wait_async(e2.get(), &owner, 6, 3, ZX_EVENT_SIGNALED, 0));
    e2->update_signals(0, ZX_EVENT_SIGNALED);
    EXPECT_EQ(port->queued(), 1u);
    e2 = nullptr;
    EXPECT_EQ(port->queued(), 0u);
    // A wait still armed when the port goes away is removed from the object.
    EXPECT_OK(port->wait_async(e.get(), &owner, 5, 4, ZX_USER_SIGNAL_ALL, 0));
  }
  EXPECT_EQ(g_heap.stats().live_objects, objects);
}

namespace {
MessagePacket* message(const char* text, RefPtr<Dispatcher> handle = nullptr) {
  uint32_t n = 0;
  while (text[n]) n++;
  MessagePacket* m = MessagePacket::create(n, handle ? 1 : 0);
  if (!m) return nullptr;
  for (uint32_t i = 0; i < n; i++) m->bytes[i] = static_cast<uint8_t>(text[i]);
  if (Dispatcher* h = handle.get()) {
    h->increment_handle_count();  // a handle in flight is still a handle
    m->handles[0].obj = handle;
    m->handles[0].rights = 1;
    m->num_handles = 1;
  }
  return m;
}
}  // namespace

SELFTEST("channel.messages") {
  uint64_t objects = g_heap.stats().live_objects;
  {
    RefPtr<ChannelDispatcher> a, b;
    REQUIRE(ChannelDispatcher::create(&a, &b) == ZX_OK);
    counted(a);
    counted(b);
    EXPECT(a->signals() & ZX_CHANNEL_WRITABLE);
    RefPtr<Dispatcher> ev = adopt<Dispatcher>(new EventDispatcher());
    EXPECT_OK(a->write(message("hello", ev)));
    EXPECT(b->signals() & ZX_CHANNEL_READABLE);
    EXPECT_EQ(ev->handle_count(), 1u);  // in flight, still counted
    MessagePacket* m = nullptr;
    uint32_t nb = 0, nh = 0;
    EXPECT_EQ(b->read(2, 1, &m, &nb, &nh), ZX_ERR_BUFFER_TOO_SMALL);
    EXPECT_EQ(nb, 5u);
    EXPECT_EQ(nh, 1u);
    EXPECT(m == nullptr);  // nothing taken
    EXPECT_OK(b->read(64, 4, &m, &nb, &nh));
    REQUIRE(m != nullptr);
    EXPECT_EQ(m->bytes[0], 'h');
    EXPECT(m->handles[0].obj.get() == ev.get());
    EXPECT(!(b->signals() & ZX_CHANNEL_READABLE));
    MessagePacket::destroy(m);  // drops the handle it carried
    EXPECT_EQ(ev->handle_count(), 0u);
    EXPECT_EQ(b->read(64, 4, &m, &nb, &nh), ZX_ERR_SHOULD_WAIT);
    if (ChannelDispatcher* c = a.get()) c->decrement_handle_count();
    if (ChannelDispatcher* c = b.get()) c->decrement_handle_count();
  }
  EXPECT_EQ(g_heap.stats().live_objects, objects);
}

SELFTEST("channel.message_blocks") {
  uint64_t objects = g_heap.stats().live_objects;
  {
    RefPtr<ChannelDispatcher> a, b;
    REQUIRE(ChannelDispatcher::create(&a, &b) == ZX_OK);
    counted(a);
    counted(b);
    // A small block freed through the pair is reused by the pair's next small message, from
    // either endpoint, with its new shape.
    MessagePacket* m = a->alloc_message(1, 0);
    REQUIRE(m != nullptr);
    MessagePacket* first = m;
    a->free_message(m);
    m = b->alloc_message(16, 2);
    REQUIRE(m != nullptr);
    EXPECT(m == first);
    EXPECT_EQ(m->num_bytes, 16u);
    EXPECT_EQ(m->max_handles, 2u);
    EXPECT_EQ(m->num_handles, 0u);
    EXPECT(m->handles[1].obj.get() == nullptr);
    EXPECT(m->bytes == reinterpret_cast<uint8_t*>(m->handles + 2));
    // Its handles are closed when it is freed, as destroy() would.
    RefPtr<Dispatcher> ev = adopt<Dispatcher>(new EventDispatcher());
    if (Dispatcher* h = ev.get()) h->increment_handle_count();  // a handle in flight
    m->handles[0].obj = ev;
    m->num_handles = 1;
    b->free_message(m);
    EXPECT_EQ(ev->handle_count(), 0u);
    // A big message gets a block of its own size and is not kept.
    MessagePacket* big = a->alloc_message(4096, 0);
    REQUIRE(big != nullptr);
    EXPECT(big != first);
    a->free_message(big);
    EXPECT(a->alloc_message(1, 0) == first);
    MessagePacket::destroy(first);
    a->decrement_handle_count();
    b->decrement_handle_count();
  }
  // The kept block went with the channel.
  EXPECT_EQ(g_heap.stats().live_objects, objects);
}

SELFTEST("channel.peer_closed") {
  uint64_t objects = g_heap.stats().live_objects;
  {
    RefPtr<ChannelDispatcher> a, b;
    REQUIRE(ChannelDispatcher::create(&a, &b) == ZX_OK);
    counted(a);
    counted(b);
    RefPtr<Dispatcher> ev = adopt<Dispatcher>(new EventDispatcher());
    EXPECT_OK(b->write(message("unread", ev)));  // queued at a
    EXPECT_OK(a->write(message("to b")));
    a->decrement_handle_count();  // the last handle to a closes
    EXPECT(b->signals() & ZX_CHANNEL_PEER_CLOSED);
    EXPECT(!(b->signals() & ZX_CHANNEL_WRITABLE));
    EXPECT_EQ(ev->handle_count(), 0u);  // a's unread message and its handle were dropped
    MessagePacket* m = message("late");
    EXPECT_EQ(b->write(m), ZX_ERR_PEER_CLOSED);
    MessagePacket::destroy(m);
    // What was already queued at b can still be read; then PEER_CLOSED.
    uint32_t nb, nh;
    EXPECT_OK(b->read(64, 0, &m, &nb, &nh));
    MessagePacket::destroy(m);
    EXPECT_EQ(b->read(64, 0, &m, &nb, &nh), ZX_ERR_PEER_CLOSED);
    b->decrement_handle_count();
  }
  EXPECT_EQ(g_heap.stats().live_objects, objects);
}

namespace {
struct CallState {
  RefPtr<ChannelDispatcher> server;
};
int answer_call(void* arg) {
  auto* st = static_cast<CallState*>(arg);
  MessagePacket* m = nullptr;
  uint32_t nb, nh;
  uint64_t deadline = deadline_after(5 * kSecond);
  while (st->server->read(64, 0, &m, &nb, &nh) == ZX_ERR_SHOULD_WAIT && current_time() < deadline)
    thread_sleep(1'000'000);
  if (!m) return 1;
  // An unrelated message first (txid 1), then the reply (same txid as the request).
  MessagePacket* other = message("\x01\x01\x01\x01other");  // some other transaction
  MessagePacket* reply = MessagePacket::create(6);
  for (int i = 0; i < 4; i++) reply->bytes[i] = m->bytes[i];
  reply->bytes[4] = 'o';
  reply->bytes[5] = 'k';
  MessagePacket::destroy(m);
  st->server->write(other);
  st->server->write(reply);
  return 0;
}
}  // namespace

SELFTEST("channel.call_matches_txid") {
  uint64_t objects = g_heap.stats().live_objects;
  {
    RefPtr<ChannelDispatcher> client;
    CallState st;
    REQUIRE(ChannelDispatcher::create(&client, &st.server) == ZX_OK);
    counted(client);
    counted(st.server);
    Thread* th = thread_create("server", answer_call, &st);
    REQUIRE(th != nullptr);
    thread_start(th);
    MessagePacket* req = message("\x11\x22\x33\x83req");
    MessagePacket* reply = nullptr;
    EXPECT_OK(client->call(req, deadline_after(5 * kSecond), &reply));
    REQUIRE(reply != nullptr);
    EXPECT_EQ(reply->bytes[3], 0x83);
    EXPECT_EQ(reply->bytes[4], 'o');
    MessagePacket::destroy(reply);
    int code = -1;
    EXPECT_OK(thread_join(th, &code, deadline_after(5 * kSecond)));
    EXPECT_EQ(code, 0);
    // The unrelated message stayed queued for an ordinary read.
    MessagePacket* m = nullptr;
    uint32_t nb, nh;
    EXPECT_OK(client->read(64, 0, &m, &nb, &nh));
    if (m) {
      EXPECT_EQ(m->bytes[4], 'o');
      MessagePacket::destroy(m);
    }
    // A call with nobody answering times out.
    EXPECT_EQ(client->call(message("\x01\x02\x03\x84"), deadline_after(5'000'000), &reply),
              ZX_ERR_TIMED_OUT);
    client->decrement_handle_count();
    st.server->decrement_handle_count();
  }
  EXPECT_EQ(g_heap.stats().live_objects, objects);
}
