// The few compiler support routines GCC emits calls to for rv64imac (no Zbb bit
// instructions). We cannot link the toolchain's libgcc: it is built for the lp64d ABI and the
// kernel is lp64 (no floating point in the kernel).
#ifndef KERNEL_HOST_TEST
extern "C" {
int __clzdi2(unsigned long x) {
  if (x == 0) return 64;
  int n = 0;
  for (unsigned long bit = 1ul << 63; !(x & bit); bit >>= 1) n++;
  return n;
}
int __ctzdi2(unsigned long x) {
  if (x == 0) return 64;
  int n = 0;
  while (!(x & 1)) {
    x >>= 1;
    n++;
  }
  return n;
}
int __popcountdi2(unsigned long x) {
  int n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}
}
#endif
