/* SHA-256 against the FIPS 180-4 / NIST example vectors, block-boundary
 * lengths, and chunked feeding (odd chunk sizes must not change the digest). */
#include "check.h"
#include "core/sha256.h"

#include <stdint.h>

static void digest_chunked(const uint8_t *data, size_t n, const size_t *chunks, size_t nchunks, char hex[65]) {
    nmt_sha256 s;
    uint8_t d[32];
    nmt_sha256_init(&s);
    size_t off = 0, i = 0;
    while (off < n) {
        size_t c = chunks[i++ % nchunks];
        if (c > n - off) c = n - off;
        nmt_sha256_update(&s, data + off, c);
        off += c;
    }
    nmt_sha256_final(&s, d);
    nmt_sha256_to_hex(d, hex);
}

int main(void) {
    char hex[65];

    /* NIST examples (FIPS 180-4 / SHA-2 example documents). */
    nmt_sha256_hex("", 0, hex);
    CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    nmt_sha256_hex(NULL, 0, hex);
    CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    nmt_sha256_hex("abc", 3, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    nmt_sha256_hex(m448, strlen(m448), hex);
    CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                       "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    nmt_sha256_hex(m896, strlen(m896), hex);
    CHECK_STR(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");

    /* One million 'a': in one piece, and fed in odd-sized chunks. */
    size_t million = 1000000;
    uint8_t *a = malloc(million);
    memset(a, 'a', million);
    const char *want_m = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    nmt_sha256_hex(a, million, hex);
    CHECK_STR(hex, want_m);
    const size_t odd[] = {1, 3, 7, 63, 65, 127, 4093, 55, 9};
    digest_chunked(a, million, odd, sizeof odd / sizeof *odd, hex);
    CHECK_STR(hex, want_m);
    const size_t ones[] = {1};
    digest_chunked(a, 1000, ones, 1, hex); /* 1000 'a' byte by byte vs one shot */
    char one_shot[65];
    nmt_sha256_hex(a, 1000, one_shot);
    CHECK_STR(hex, one_shot);
    free(a);

    /* Lengths around the padding boundary (55/56 bytes: length fits or not in
     * the last block), bytes ((i*7+1) & 255). Reference: Python's hashlib. */
    static const struct { size_t n; const char *hex; } lens[] = {
        {55, "16fa57a0a3423a715d594516339f36189d6b5f93754a9714fef202616a9fabfe"},
        {56, "c37b44e5f1b18554b36966f4f8e08bfbf3164c4b6c10374d12d89850892073c5"},
        {57, "12b234922502022f755ab8550a3d4e202ad39c81d961a4f59ec39d5fd83d15a7"},
        {63, "bbba992d2c85af960fb2987a1fd05e0aa82a3db3c740dd8982a9e273b75e36a3"},
        {64, "66bd4633ed6f71c4ecfa4763bf7ba1c8ec7612de9aa6c0578a7b675207c71e0b"},
        {65, "9f7dc47107b750a1f3d35db5d9547f24ef40da5b731b9540d4f43710a154f6c9"},
        {119, "a3ed307b730fa77c07531300c6e4a282330011d4d4caf6bb7b63ae05950f4b66"},
        {120, "8e3b15d9fea7472655aa069620b7f8c2e55ee1499f763200a7515fe826e99d20"},
        {128, "e462c130fef8c97e34f7dc3ff3ad2f8b3533ab849af21c10531552a2852387a4"},
    };
    uint8_t buf[1024];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)((i * 7 + 1) & 255);
    for (size_t k = 0; k < sizeof lens / sizeof *lens; k++) {
        nmt_sha256_hex(buf, lens[k].n, hex);
        CHECK(strcmp(hex, lens[k].hex) == 0, "length %zu: %s", lens[k].n, hex);
        const size_t split[] = {lens[k].n / 2 + 1, 1};
        digest_chunked(buf, lens[k].n, split, 2, hex);
        CHECK(strcmp(hex, lens[k].hex) == 0, "length %zu chunked: %s", lens[k].n, hex);
    }
    /* All byte values (high bits set), 4 x 0..255. */
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)i;
    nmt_sha256_hex(buf, sizeof buf, hex);
    CHECK_STR(hex, "785b0751fc2c53dc14a4ce3d800e69ef9ce1009eb327ccf458afe09c242c26c9");

    /* to_hex formatting. */
    uint8_t d[32];
    for (int i = 0; i < 32; i++) d[i] = (uint8_t)(i * 8 + 0x0f);
    nmt_sha256_to_hex(d, hex);
    CHECK_STR(hex, "0f171f272f373f474f575f676f777f878f979fa7afb7bfc7cfd7dfe7eff7ff07");
    CHECK(strlen(hex) == 64, "hex length %zu", strlen(hex));

    return check_exit("test_sha256");
}
