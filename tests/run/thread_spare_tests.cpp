#include <thread>

#include "volley/run/detail/thread_spare.hpp"
#include "volley_catch.hpp"

namespace {

struct counted {
  static inline int alive = 0;
  counted() { ++alive; }
  counted(const counted&) = delete;
  counted& operator=(const counted&) = delete;
  ~counted() { --alive; }
};
using spare = volley::detail::thread_spare<counted>;

}  // namespace

TEST_CASE("thread_spare: one object per thread, handed back on that thread only, deleted when the thread exits",
          "[recycling]") {
  std::thread worker([] {
    CHECK(spare::take() == nullptr);
    auto* first = new counted;
    auto* second = new counted;
    CHECK(spare::give(first));
    CHECK_FALSE(spare::give(second));  // already holds one: the caller keeps (and deletes) it
    delete second;
    std::thread other([first] {
      CHECK(spare::take() == nullptr);  // not this thread's
      CHECK(first != nullptr);
    });
    other.join();
    CHECK(spare::take() == first);
    CHECK(spare::take() == nullptr);  // handed out once
    CHECK(spare::give(first));         // kept when the thread exits...
    CHECK(counted::alive == 1);
  });
  worker.join();
  CHECK(counted::alive == 0);  // ...and deleted then
}
