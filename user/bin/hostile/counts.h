// What the hostile attacks did, summed over all of them: the suite's closing line reports it so
// that a run says how hard it pushed, not only that it survived.
#ifndef USER_BIN_HOSTILE_COUNTS_H_
#define USER_BIN_HOSTILE_COUNTS_H_

#include <stddef.h>

namespace hostile {

struct Counts {
  unsigned long attacks;     // attack functions run
  unsigned long structures;  // kernel objects built as links of deep structures
  unsigned long messages;    // channel messages written
  unsigned long packets;     // port packets queued or observers registered
};

inline Counts g_counts;

}  // namespace hostile

#endif  // USER_BIN_HOSTILE_COUNTS_H_
