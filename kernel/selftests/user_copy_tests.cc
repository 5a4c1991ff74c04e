// Self tests of the user-copy path: bad user pointers come back as ZX_ERR_INVALID_ARGS (never
// a kernel fault), whether the range check refuses them or the copy faults on them.
#include "kernel/arch/riscv/memlayout.h"
#include "kernel/arch/riscv/trap.h"
#include "kernel/selftests/selftest.h"
#include "kernel/user_copy.h"

SELFTEST("user_copy.bad_pointers") {
  uint64_t buf[4] = {1, 2, 3, 4};
  uint64_t faults = g_kernel_faults;
  // Kernel addresses, wrapping and too-long ranges: refused before any access.
  EXPECT_EQ(copy_from_user_raw(buf, reinterpret_cast<uint64_t>(buf), 8), ZX_ERR_INVALID_ARGS);
  EXPECT_EQ(copy_to_user_raw(kPhysMapBase, buf, 8), ZX_ERR_INVALID_ARGS);
  EXPECT_EQ(copy_from_user_raw(buf, kUserTop - 4, 8), ZX_ERR_INVALID_ARGS);
  EXPECT_EQ(copy_from_user_raw(buf, ~0ull - 3, 8), ZX_ERR_INVALID_ARGS);
  // Null and unmapped user addresses: the copy faults and recovers.
  EXPECT_EQ(copy_from_user_raw(buf, 0, 8), ZX_ERR_INVALID_ARGS);
  EXPECT_EQ(copy_to_user_raw(0x10000, buf, 32), ZX_ERR_INVALID_ARGS);
  EXPECT_EQ(copy_from_user_raw(buf, 0x12345, 3), ZX_ERR_INVALID_ARGS);  // misaligned too
  // Zero-length copies of valid ranges succeed without touching memory.
  EXPECT_OK(copy_from_user_raw(buf, 0x10000, 0));
  EXPECT_EQ(buf[0], 1u);
  EXPECT_EQ(g_kernel_faults, faults);  // none of this was a kernel fault
}
