// Isolation: rights that must be refused and memory that must stay private.
#ifndef USER_BIN_HOSTILE_ISOLATION_H_
#define USER_BIN_HOSTILE_ISOLATION_H_

#include <testing.h>

#include "counts.h"

namespace hostile {

// Until the family has attacks: one that checks the kernel answers at all.
inline void test_isolation_kernel_answers() {
  g_counts.attacks++;
  zx_handle_t e;
  CHECK_OK(zx_event_create(0, &e));
  CHECK_OK(zx_handle_close(e));
}

inline const testing::Test kIsolationTests[] = {
    {"isolation.kernel_answers", test_isolation_kernel_answers},
};

}  // namespace hostile

#endif  // USER_BIN_HOSTILE_ISOLATION_H_
