#include "ids.h"

#include <ctime>

namespace credits::ids {

namespace {

constexpr char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// Per-backend generator state. The random part comes from xorshift128+ seeded
// by pg_strong_random(); it is reseeded in every new process, since
// shared_preload_libraries would otherwise fork the same state into all.
struct Generator {
    int pid = 0;
    uint64_t seed[2] = {0, 0};
    uint64_t last_ms = 0;
    uint64_t random = 0;  // the 48 random bits: a counter within one millisecond
};
Generator generator;

uint64_t next_random() {
    uint64_t s1 = generator.seed[0];
    const uint64_t s0 = generator.seed[1];
    generator.seed[0] = s0;
    s1 ^= s1 << 23;
    generator.seed[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
    return generator.seed[1] + s0;
}

void seed_if_needed() {
    if (generator.pid == MyProcPid) return;
    if (!pg_strong_random(generator.seed, sizeof(generator.seed)))
        ereport(ERROR, (errmsg("could not generate random ids")));
    generator.seed[0] |= 1;
    generator.pid = MyProcPid;
    generator.last_ms = 0;
}

uint64_t now_ms() {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

int decode(char c) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    for (int i = 0; i < 32; i++)
        if (alphabet[i] == c) return i;
    return -1;
}

}  // namespace

constexpr int key_bits = 32;

Id make(const char *prefix, int32 key) {
    seed_if_needed();
    uint64_t ms = now_ms();
    if (ms > generator.last_ms) {
        generator.last_ms = ms;
        generator.random = next_random() & 0x7FFFFFFFFFFF;  // 47 bits: room to count up
    } else {
        generator.random++;
    }

    Id id;
    size_t plen = strlen(prefix);
    memcpy(id.text, prefix, plen);
    char *out = id.text + plen;
    // 48-bit time: 10 characters, 5 bits each (the first one carries 3 bits).
    uint64_t t = generator.last_ms;
    for (int i = 9; i >= 0; i--, t >>= 5) out[i] = alphabet[t & 31];
    // 48 random bits then the 32-bit key: 16 characters.
    unsigned __int128 r = (static_cast<unsigned __int128>(generator.random & 0xFFFFFFFFFFFF) << key_bits) |
                          static_cast<uint32_t>(key);
    for (int i = 25; i >= 10; i--, r >>= 5) out[i] = alphabet[static_cast<int>(r & 31)];
    out[ulid_length] = '\0';
    return id;
}

int32 key_of(std::string_view id) {
    // The last 7 characters hold 35 bits: the key is the low 32 of them.
    if (id.size() < 7) return 0;
    uint64_t bits = 0;
    for (size_t i = id.size() - 7; i < id.size(); i++) {
        int digit = decode(id[i]);
        if (digit < 0) return 0;
        bits = (bits << 5) | static_cast<uint64_t>(digit);
    }
    return static_cast<int32>(static_cast<uint32_t>(bits));
}

bool has_shape(std::string_view s, std::string_view prefix) {
    if (s.size() != prefix.size() + ulid_length) return false;
    for (size_t i = 0; i < prefix.size(); i++)
        if (pg_tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
    for (char c : s.substr(prefix.size()))
        if (decode(c) < 0) return false;
    // The first character carries only 3 bits of the 48-bit timestamp.
    return decode(s[prefix.size()]) < 8;
}

Id canonical(std::string_view s) {
    Id id;
    size_t n = s.size() < static_cast<size_t>(max_id_length) ? s.size() : max_id_length;
    for (size_t i = 0; i < n; i++) {
        auto c = static_cast<unsigned char>(s[i]);
        id.text[i] = static_cast<char>(i < 4 ? pg_tolower(c) : pg_toupper(c));
    }
    id.text[n] = '\0';
    return id;
}

}  // namespace credits::ids
