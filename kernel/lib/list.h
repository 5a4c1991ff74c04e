// Intrusive doubly linked list. A node lives inside the object it links, so putting an object
// on a run queue, a wait queue or a free list never allocates, and the same vm_page or Thread
// can move between lists in O(1). The list does not own its elements.
#pragma once
#include <stddef.h>

struct ListNode {
  ListNode* prev = nullptr;
  ListNode* next = nullptr;
  bool in_list() const { return next != nullptr; }
};

// List<T, &T::node>: a circular list with a sentinel head.
template <typename T, ListNode T::*Node>
class List {
 public:
  List() { head_.prev = head_.next = &head_; }
  List(const List&) = delete;
  List& operator=(const List&) = delete;

  bool empty() const { return head_.next == &head_; }
  size_t size() const { return size_; }

  void push_back(T* obj) { insert_before(&head_, node_of(obj)); }
  void push_front(T* obj) { insert_before(head_.next, node_of(obj)); }
  // Inserts obj before pos (pos must be on this list).
  void insert_before(T* pos, T* obj) { insert_before(node_of(pos), node_of(obj)); }

  T* front() const { return empty() ? nullptr : owner_of(head_.next); }
  T* back() const { return empty() ? nullptr : owner_of(head_.prev); }
  T* pop_front() {
    T* t = front();
    if (t) remove(t);
    return t;
  }
  T* pop_back() {
    T* t = back();
    if (t) remove(t);
    return t;
  }
  void remove(T* obj) {
    ListNode* n = node_of(obj);
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->prev = n->next = nullptr;
    size_--;
  }
  // The element after obj, or nullptr at the end.
  T* next(T* obj) const {
    ListNode* n = node_of(obj)->next;
    return n == &head_ ? nullptr : owner_of(n);
  }

  class Iterator {
   public:
    Iterator(ListNode* n, const ListNode* head) : n_(n), head_(head) {}
    T* operator*() const { return owner_of(n_); }
    Iterator& operator++() {
      n_ = n_->next;
      return *this;
    }
    bool operator!=(const Iterator& o) const { return n_ != o.n_; }

   private:
    ListNode* n_;
    const ListNode* head_;
  };
  // Iteration must not remove the current element; use next() for that.
  Iterator begin() const { return Iterator(head_.next, &head_); }
  Iterator end() const { return Iterator(const_cast<ListNode*>(&head_), &head_); }

 private:
  static ListNode* node_of(T* obj) { return &(obj->*Node); }
  static T* owner_of(ListNode* n) {
    // offsetof for a pointer-to-member: the distance from the object to its node.
    const T* probe = nullptr;
    size_t off = reinterpret_cast<size_t>(&(probe->*Node));
    return reinterpret_cast<T*>(reinterpret_cast<char*>(n) - off);
  }
  void insert_before(ListNode* pos, ListNode* n) {
    n->next = pos;
    n->prev = pos->prev;
    pos->prev->next = n;
    pos->prev = n;
    size_++;
  }

  ListNode head_;
  size_t size_ = 0;
};
