// The few compiler support routines GCC emits calls to for rv64imac (no Zbb bit
// instructions). We cannot link the toolchain's libgcc: it is built for the lp64d ABI and the
// kernel is lp64 (no floating point in the kernel).
#ifndef KERNEL_HOST_TEST
extern "C" {
// Binary searches, not bit-by-bit loops: the scheduler finds its highest ready priority with
// __builtin_clz on every switch, and a loop over up to 63 bits cost it ~200 instructions.
int __clzdi2(unsigned long x) {
  if (x == 0) return 64;
  int n = 0;
  if (!(x >> 32)) n += 32, x <<= 32;
  if (!(x >> 48)) n += 16, x <<= 16;
  if (!(x >> 56)) n += 8, x <<= 8;
  if (!(x >> 60)) n += 4, x <<= 4;
  if (!(x >> 62)) n += 2, x <<= 2;
  if (!(x >> 63)) n += 1;
  return n;
}
int __ctzdi2(unsigned long x) {
  if (x == 0) return 64;
  int n = 0;
  if (!(x << 32)) n += 32, x >>= 32;
  if (!(x << 48)) n += 16, x >>= 16;
  if (!(x << 56)) n += 8, x >>= 8;
  if (!(x << 60)) n += 4, x >>= 4;
  if (!(x << 62)) n += 2, x >>= 2;
  if (!(x << 63)) n += 1;
  return n;
}
int __popcountdi2(unsigned long x) {
  int n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}
}
#endif
