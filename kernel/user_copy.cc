// copy_from_user / copy_to_user (see user_copy.h). The range check comes first so a kernel
// address can never be reached through a user pointer; faults inside the copy (unmapped or
// protected user pages) come back as ZX_ERR_INVALID_ARGS through arch_user_copy's fault path,
// except a good page that could not be had for want of memory: that is ZX_ERR_NO_MEMORY, so the
// caller learns what happened rather than that its pointer was bad.
#include "kernel/user_copy.h"

#include "kernel/arch/riscv/user_copy.h"
#include "kernel/lab.h"

namespace {
zx_status_t copy_result(uint64_t r) {
  if (r == 0) return ZX_OK;
  return static_cast<zx_status_t>(static_cast<int64_t>(r)) == ZX_ERR_NO_MEMORY
             ? ZX_ERR_NO_MEMORY
             : ZX_ERR_INVALID_ARGS;
}
}  // namespace

zx_status_t copy_from_user_raw(void* dst, uint64_t user_src, size_t len) {
  // LAB 4 SOLUTION BEGIN
  if (!user_range_ok(user_src, len)) return ZX_ERR_INVALID_ARGS;
  // LAB 4 SOLUTION END
  // LAB 4 STUB BEGIN
  // lab_todo(4, "copy_from_user_raw: refuse ranges outside the user half");
  // return ZX_ERR_NOT_SUPPORTED;
  // LAB 4 STUB END
  if (len == 0) return ZX_OK;
  return copy_result(arch_user_copy(dst, reinterpret_cast<const void*>(user_src), len));
}

zx_status_t copy_to_user_raw(uint64_t user_dst, const void* src, size_t len) {
  // LAB 4 SOLUTION BEGIN
  if (!user_range_ok(user_dst, len)) return ZX_ERR_INVALID_ARGS;
  // LAB 4 SOLUTION END
  // LAB 4 STUB BEGIN
  // lab_todo(4, "copy_to_user_raw: refuse ranges outside the user half");
  // return ZX_ERR_NOT_SUPPORTED;
  // LAB 4 STUB END
  if (len == 0) return ZX_OK;
  return copy_result(arch_user_copy(reinterpret_cast<void*>(user_dst), src, len));
}
