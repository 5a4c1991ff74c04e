// Structures deeper than any kernel stack: nested VMARs, channels queued in channels, copy-on-write
// chains, handle cycles.
#ifndef USER_BIN_HOSTILE_DEEP_STRUCTURES_H_
#define USER_BIN_HOSTILE_DEEP_STRUCTURES_H_

#include <testing.h>

#include "counts.h"

namespace hostile {

// Until the family has attacks: one that checks the kernel answers at all.
inline void test_deep_structures_kernel_answers() {
  g_counts.attacks++;
  zx_handle_t e;
  CHECK_OK(zx_event_create(0, &e));
  CHECK_OK(zx_handle_close(e));
}

inline const testing::Test kDeepTests[] = {
    {"deep_structures.kernel_answers", test_deep_structures_kernel_answers},
};

}  // namespace hostile

#endif  // USER_BIN_HOSTILE_DEEP_STRUCTURES_H_
