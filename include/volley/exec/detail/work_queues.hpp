// The ready queues behind thread_pool: a lock-free injection stack that any
// thread pushes onto, and one FIFO per worker that the others can steal from.
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>
#include <thread>

#include "volley/exec/detail/timer_queue.hpp"

namespace volley::detail {

// Ready nodes linked through `next` in the order they should run (tail->next
// is null). Owned by whoever holds it: not shared.
struct ready_chain {
  ready_node* head = nullptr;
  ready_node* tail = nullptr;
  std::size_t size = 0;

  // Detaches the first node (the chain must not be empty).
  ready_node* pop_front() noexcept {
    ready_node* node = head;
    head = node->next;
    if (!head) tail = nullptr;
    --size;
    return node;
  }
};

// Where threads that are not the pool's workers put ready coroutines (the
// caller of a batch, the timer thread). A Treiber stack: a push is one CAS
// and never waits for a lock, so the producer cannot be held up by a worker
// preempted inside a critical section. Consumers take the whole stack at once
// (one exchange, no ABA problem) and reverse it, so each take comes out in
// push order.
class injection_stack {
 public:
  void push(ready_node& node) noexcept {
    // relaxed: only a first guess for the CAS below, which rereads on failure.
    ready_node* head = m_head.load(std::memory_order_relaxed);
    do {
      node.next = head;
      // seq_cst: release publishes the node; seq_cst orders it before the look for idle workers.
    } while (!m_head.compare_exchange_weak(head, &node, std::memory_order_seq_cst, std::memory_order_relaxed));
  }

  bool empty() const noexcept {
    // seq_cst: a parking worker's look, after its announcement in the total order.
    return m_head.load(std::memory_order_seq_cst) == nullptr;
  }

  // Takes every node, oldest first.
  ready_chain take_all() noexcept {
    ready_chain chain;
    // Peek first: polling an empty stack must not take its cache line from the producer.
    if (empty()) return chain;
    // acquire: the nodes' handles and links were written before their (release) push.
    ready_node* node = m_head.exchange(nullptr, std::memory_order_acquire);
    chain.tail = node;
    while (node) {
      ready_node* next = node->next;
      node->next = chain.head;
      chain.head = node;
      node = next;
      ++chain.size;
    }
    return chain;
  }

 private:
  std::atomic<ready_node*> m_head{nullptr};
};

// A lock for critical sections of a few instructions that are almost never
// contended: taking it is one exchange and releasing it one plain store
// (std::mutex costs an atomic operation on both sides and a call). A waiter
// yields, as the holder may have been preempted on this very core.
class spin_lock {
 public:
  void lock() noexcept {
    // acquire: what the previous holder wrote before unlock() is visible here.
    while (m_locked.exchange(true, std::memory_order_acquire)) {
      // relaxed: only waits for the flag to clear; the exchange above orders.
      while (m_locked.load(std::memory_order_relaxed)) std::this_thread::yield();
    }
  }
  // release: publishes the critical section to the next holder.
  void unlock() noexcept { m_locked.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> m_locked{false};
};

// One worker's FIFO. Its owner pushes and pops at the two ends; an idle
// worker steals the older half. The lock is almost never contended (only a
// steal meets the owner), so a spin_lock fits.
class local_queue {
 public:
  void push(ready_node& node) noexcept {
    node.next = nullptr;
    std::lock_guard lock{m_lock};
    if (m_tail) m_tail->next = &node;
    else m_head = &node;
    m_tail = &node;
    grow(1);
  }

  void push(const ready_chain& chain) noexcept {
    if (!chain.head) return;
    std::lock_guard lock{m_lock};
    if (m_tail) m_tail->next = chain.head;
    else m_head = chain.head;
    m_tail = chain.tail;
    grow(chain.size);
  }

  ready_node* pop() noexcept {
    // relaxed: only the owner adds nodes, so an empty hint on its own thread is exact.
    if (m_size.load(std::memory_order_relaxed) == 0) return nullptr;
    std::lock_guard lock{m_lock};
    ready_node* node = m_head;
    if (!node) return nullptr;
    m_head = node->next;
    if (!m_head) m_tail = nullptr;
    // relaxed: the lock orders the queue; a shrinking size needs no ordering (see grow).
    m_size.store(m_size.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
    return node;
  }

  // Takes the older half (rounded up, at most `max`) for another worker.
  ready_chain steal(std::size_t max) noexcept {
    ready_chain chain;
    std::lock_guard lock{m_lock};
    // relaxed: read under the lock, where it is exact.
    const std::size_t size = m_size.load(std::memory_order_relaxed);
    if (size == 0) return chain;
    std::size_t take = (size + 1) / 2;
    if (take > max) take = max;
    chain.head = m_head;
    chain.tail = m_head;
    for (std::size_t i = 1; i < take; ++i) chain.tail = chain.tail->next;
    m_head = chain.tail->next;
    if (!m_head) m_tail = nullptr;
    chain.tail->next = nullptr;
    chain.size = take;
    // relaxed: as in pop.
    m_size.store(size - take, std::memory_order_relaxed);
    return chain;
  }

  std::size_t size_hint() const noexcept {
    // relaxed: a hint; a stale value costs at most a useless look or a late steal.
    return m_size.load(std::memory_order_relaxed);
  }

  // The size as a worker about to park sees it (see grow).
  bool empty_before_parking() const noexcept { return m_size.load(std::memory_order_seq_cst) == 0; }

 private:
  void grow(std::size_t added) noexcept {
    // seq_cst: ordered before the owner's look for idle peers, so a parking peer sees
    // the work or is woken to steal it. (Only written under the lock: a plain add.)
    m_size.store(m_size.load(std::memory_order_relaxed) + added, std::memory_order_seq_cst);
  }

  spin_lock m_lock;
  ready_node* m_head = nullptr;
  ready_node* m_tail = nullptr;
  std::atomic<std::size_t> m_size{0};
};

}  // namespace volley::detail
