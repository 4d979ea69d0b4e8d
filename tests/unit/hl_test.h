/*
 * hl_test.h — the minimal harness every unit test executable uses: CHECK macros that record
 * failures with file:line and keep going, and a closing line ctest and humans can read.
 */
#ifndef HL_TEST_H
#define HL_TEST_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int hl_test_failures;
static int hl_test_checks;

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        hl_test_checks++;                                                                  \
        if (!(cond)) {                                                                     \
            hl_test_failures++;                                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);       \
        }                                                                                  \
    } while (0)

#define CHECK_INT(a, b)                                                                    \
    do {                                                                                   \
        long long hl_a_ = (long long)(a), hl_b_ = (long long)(b);                          \
        hl_test_checks++;                                                                  \
        if (hl_a_ != hl_b_) {                                                              \
            hl_test_failures++;                                                            \
            fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a,  \
                    hl_a_, hl_b_);                                                         \
        }                                                                                  \
    } while (0)

#define CHECK_STR(a, b)                                                                    \
    do {                                                                                   \
        const char *hl_a_ = (a), *hl_b_ = (b);                                             \
        hl_test_checks++;                                                                  \
        if (hl_a_ == NULL || hl_b_ == NULL || strcmp(hl_a_, hl_b_) != 0) {                 \
            hl_test_failures++;                                                            \
            fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__,  \
                    #a, hl_a_ ? hl_a_ : "(null)", hl_b_ ? hl_b_ : "(null)");               \
        }                                                                                  \
    } while (0)

/* Relative tolerance rel, absolute tolerance abs (for values near 0). */
#define CHECK_NEAR(a, b, rel, abs_)                                                        \
    do {                                                                                   \
        double hl_a_ = (a), hl_b_ = (b);                                                   \
        hl_test_checks++;                                                                  \
        if (!(fabs(hl_a_ - hl_b_) <= (abs_) || fabs(hl_a_ - hl_b_) <= (rel)*fabs(hl_b_))) { \
            hl_test_failures++;                                                            \
            fprintf(stderr, "%s:%d: %s == %.17g, expected %.17g\n", __FILE__, __LINE__, #a, \
                    hl_a_, hl_b_);                                                         \
        }                                                                                  \
    } while (0)

#define TEST_MAIN_END()                                                                    \
    do {                                                                                   \
        printf("%d checks: %d passed, %d failed\n", hl_test_checks,                        \
               hl_test_checks - hl_test_failures, hl_test_failures);                       \
        return hl_test_failures ? 1 : 0;                                                   \
    } while (0)

#endif
