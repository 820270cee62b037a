/* keyset.h: the lock-free-lookup set of 64-bit keys behind the chain and edge caches. */
#include <criterion/criterion.h>

#include "arena.h"
#include "keyset.h"

/* Keys whose home slot (in the smallest, 1024-slot table) is `slot`. */
static uint64_t key_with_home(uint64_t slot, uint64_t *seed)
{
    for (uint64_t k = *seed;; k++)
        if ((ul_mix64(k) & 1023) == slot) {
            *seed = k + 1;
            return k;
        }
}

Test(keyset, empty_set)
{
    struct ul_keyset s = { 0 };
    cr_assert_not(ul_keyset_contains(&s, 1));
    cr_assert_not(ul_keyset_remove(&s, 1));
    cr_assert_eq(s.count, 0);
}

Test(keyset, insert_contains_remove)
{
    struct ul_keyset s = { 0 };
    cr_assert(ul_keyset_insert(&s, 42));
    cr_assert(ul_keyset_insert(&s, 7));
    cr_assert(ul_keyset_contains(&s, 42));
    cr_assert(ul_keyset_contains(&s, 7));
    cr_assert_not(ul_keyset_contains(&s, 43));
    cr_assert_eq(s.count, 2);

    cr_assert(ul_keyset_insert(&s, 42), "inserting a present key succeeds");
    cr_assert_eq(s.count, 2, "and does not count it twice");

    cr_assert(ul_keyset_remove(&s, 42));
    cr_assert_not(ul_keyset_contains(&s, 42));
    cr_assert(ul_keyset_contains(&s, 7));
    cr_assert_not(ul_keyset_remove(&s, 42), "removing twice");
    cr_assert_eq(s.count, 1);

    cr_assert(ul_keyset_insert(&s, 42));
    cr_assert(ul_keyset_contains(&s, 42));
    cr_assert_eq(s.count, 2);

    /* Large keys, except the reserved tombstone value. */
    cr_assert(ul_keyset_insert(&s, UINT64_MAX - 1));
    cr_assert(ul_keyset_contains(&s, UINT64_MAX - 1));
}

Test(keyset, grows_past_many_thousands_of_keys)
{
    struct ul_keyset s = { 0 };
    const uint64_t n = 200000;
    for (uint64_t i = 1; i <= n; i++)
        cr_assert(ul_keyset_insert(&s, i * 0x9e3779b97f4a7c15ull | 1));
    cr_assert_eq(s.count, n);
    for (uint64_t i = 1; i <= n; i++)
        cr_assert(ul_keyset_contains(&s, i * 0x9e3779b97f4a7c15ull | 1), "key %lu lost", (unsigned long)i);
    for (uint64_t i = 1; i <= 1000; i++)
        cr_assert_not(ul_keyset_contains(&s, i * 2));
    /* Remove every other key; the rest stay findable across the tombstones. */
    for (uint64_t i = 1; i <= n; i += 2)
        cr_assert(ul_keyset_remove(&s, i * 0x9e3779b97f4a7c15ull | 1));
    cr_assert_eq(s.count, n / 2);
    for (uint64_t i = 1; i <= n; i++)
        cr_assert_eq(ul_keyset_contains(&s, i * 0x9e3779b97f4a7c15ull | 1), i % 2 == 0);
    for (uint64_t i = 1; i <= n; i += 2)
        cr_assert(ul_keyset_insert(&s, i * 0x9e3779b97f4a7c15ull | 1));
    cr_assert_eq(s.count, n);
    for (uint64_t i = 1; i <= n; i++)
        cr_assert(ul_keyset_contains(&s, i * 0x9e3779b97f4a7c15ull | 1));
}

/* Sequential keys (the page filter inserts page numbers + 1). */
Test(keyset, sequential_keys)
{
    struct ul_keyset s = { 0 };
    for (uint64_t k = 1; k <= 50000; k++)
        cr_assert(ul_keyset_insert(&s, k));
    for (uint64_t k = 1; k <= 50000; k++)
        cr_assert(ul_keyset_contains(&s, k));
    cr_assert_not(ul_keyset_contains(&s, 50001));
}

Test(keyset, lookups_probe_past_tombstones)
{
    struct ul_keyset s = { 0 };
    uint64_t seed = 1;
    uint64_t a = key_with_home(5, &seed), b = key_with_home(5, &seed), c = key_with_home(5, &seed);
    cr_assert(ul_keyset_insert(&s, a));
    cr_assert(ul_keyset_insert(&s, b));   /* probes to the slot after a's */
    cr_assert(ul_keyset_insert(&s, c));
    cr_assert(ul_keyset_remove(&s, a));   /* a's slot becomes a tombstone */
    cr_assert(ul_keyset_contains(&s, b), "lookup must not stop at the tombstone");
    cr_assert(ul_keyset_contains(&s, c));
    cr_assert(ul_keyset_remove(&s, b));
    cr_assert(ul_keyset_contains(&s, c));
    cr_assert_not(ul_keyset_contains(&s, a));
    cr_assert_not(ul_keyset_contains(&s, b));
}

Test(keyset, tombstones_are_reused)
{
    struct ul_keyset s = { 0 };
    uint64_t seed = 1;
    uint64_t a = key_with_home(9, &seed), b = key_with_home(9, &seed), c = key_with_home(9, &seed);
    cr_assert(ul_keyset_insert(&s, a));
    cr_assert(ul_keyset_insert(&s, b));
    cr_assert_eq(s.used, 2);
    cr_assert(ul_keyset_remove(&s, a));
    cr_assert_eq(s.count, 1);
    cr_assert_eq(s.used, 2, "a tombstone still occupies its slot");
    /* c has the same home slot: it takes a's tombstone rather than a fresh slot. */
    cr_assert(ul_keyset_insert(&s, c));
    cr_assert_eq(s.count, 2);
    cr_assert_eq(s.used, 2, "the tombstone was reused");
    cr_assert(ul_keyset_contains(&s, b));
    cr_assert(ul_keyset_contains(&s, c));

    /* The same key removed and inserted again reuses its own tombstone. */
    for (int i = 0; i < 10000; i++) {
        cr_assert(ul_keyset_remove(&s, b));
        cr_assert(ul_keyset_insert(&s, b));
    }
    cr_assert_eq(s.used, 2);
    cr_assert_eq(s.count, 2);
}

/* Churn through distinct keys with few live at a time (heap locks on ever new pages, as the
 * page filter sees them): tombstones force rebuilds; the set must stay findable and small. */
Test(keyset, churn_rebuilds_keep_the_set_correct)
{
    struct ul_keyset s = { 0 };
    for (uint64_t k = 1; k <= 200000; k++) {
        cr_assert(ul_keyset_insert(&s, k * 7919));
        if (k > 8)
            cr_assert(ul_keyset_remove(&s, (k - 8) * 7919));
    }
    cr_assert_eq(s.count, 8);
    for (uint64_t k = 200000 - 7; k <= 200000; k++)
        cr_assert(ul_keyset_contains(&s, k * 7919));
    cr_assert_not(ul_keyset_contains(&s, (200000 - 8) * 7919));
    cr_assert_leq(s.used * 2, 1024 + 2, "used (live + tombstones) stays bounded: %lu", (unsigned long)s.used);
}
