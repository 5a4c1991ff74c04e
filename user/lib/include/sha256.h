// SHA-256 (FIPS 180-4): incremental hashing of a byte stream, and the digest as hex text.
// Freestanding (no allocation, no libc beyond memcpy/memset); user/lib/sha256.cc is compiled
// into the C library and into the host tests (tests/host/test_sha256.cc).
#ifndef SHA256_H_
#define SHA256_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SHA256_DIGEST_SIZE 32
#define SHA256_BLOCK_SIZE 64
#define SHA256_HEX_SIZE (2 * SHA256_DIGEST_SIZE + 1)  // with the NUL

typedef struct sha256_ctx {
  uint32_t state[8];
  uint64_t length;  // bytes hashed so far
  uint8_t block[SHA256_BLOCK_SIZE];
  size_t used;  // bytes waiting in block
} sha256_ctx_t;

void sha256_init(sha256_ctx_t* ctx);
void sha256_update(sha256_ctx_t* ctx, const void* data, size_t len);
// Pads, writes the digest, and leaves ctx to be re-initialised before reuse.
void sha256_final(sha256_ctx_t* ctx, uint8_t digest[SHA256_DIGEST_SIZE]);
// Lower-case hex of the digest, NUL-terminated (as sha256sum prints it).
void sha256_hex(const uint8_t digest[SHA256_DIGEST_SIZE], char out[SHA256_HEX_SIZE]);
// One-shot convenience.
void sha256(const void* data, size_t len, uint8_t digest[SHA256_DIGEST_SIZE]);

#ifdef __cplusplus
}
#endif

#endif  // SHA256_H_
