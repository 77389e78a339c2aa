/* SHA-256 (FIPS 180-4). Used to verify downloads and to fingerprint weights. */
#ifndef NMT_CORE_SHA256_H
#define NMT_CORE_SHA256_H
#include <stddef.h>
#include <stdint.h>
typedef struct {
    uint32_t h[8];
    uint64_t nbytes;
    uint8_t buf[64];
    size_t nbuf;
} nmt_sha256;
void nmt_sha256_init(nmt_sha256 *s);
void nmt_sha256_update(nmt_sha256 *s, const void *data, size_t n);
void nmt_sha256_final(nmt_sha256 *s, uint8_t out[32]);
/* One-shot, as 64 lower-case hex digits plus NUL. */
void nmt_sha256_hex(const void *data, size_t n, char out[65]);
void nmt_sha256_to_hex(const uint8_t digest[32], char out[65]);
#endif
