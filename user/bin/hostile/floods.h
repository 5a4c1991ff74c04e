// Floods: more messages, packets and observers than the kernel lets one process hold.
#ifndef USER_BIN_HOSTILE_FLOODS_H_
#define USER_BIN_HOSTILE_FLOODS_H_

#include <testing.h>

#include "counts.h"

namespace hostile {

// Until the family has attacks: one that checks the kernel answers at all.
inline void test_floods_kernel_answers() {
  g_counts.attacks++;
  zx_handle_t e;
  CHECK_OK(zx_event_create(0, &e));
  CHECK_OK(zx_handle_close(e));
}

inline const testing::Test kFloodTests[] = {
    {"floods.kernel_answers", test_floods_kernel_answers},
};

}  // namespace hostile

#endif  // USER_BIN_HOSTILE_FLOODS_H_
