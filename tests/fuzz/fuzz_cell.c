/*
 * fuzz_cell.c — libFuzzer target for the numeric and date cell parsers (engine/ingest/cell.c,
 * issue 10): hl_parse_number with a decimal point and with a decimal comma, and hl_parse_date,
 * each on exactly the input's bytes (so a read past the cell is an ASan report). Checked:
 *   - a number is finite, never negative zero, and reads back to itself from "%.17g";
 *   - a bad cell says why; the kind is one of the four;
 *   - a date formats as YYYY-MM-DD and parses back to the same day, within 1900..9999.
 * Seed corpus: tests/fuzz/corpus/cell (cells of the ingest fixtures and edge cases: exponents,
 * 1e400, -0, NaN, inf, 2026-02-30, grouping, currencies, NBSP). See tests/fuzz/README.md.
 */
#include "fuzz_common.h"
#include "hookline/ingest.h"

#define FUZZ_MAX_CELL 4096

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static void check_number(const uint8_t *data, size_t size, int decimal_comma)
{
    double v = -1.0;
    int percent = -1;
    const char *why = NULL;
    hl_cell_kind k = hl_parse_number((const char *)data, size, decimal_comma, &v, &percent, &why);
    HL_FUZZ_CHECK(k == HL_CELL_NUMBER || k == HL_CELL_MISSING || k == HL_CELL_LT5 ||
                      k == HL_CELL_BAD,
                  "kind %d", (int)k);
    HL_FUZZ_CHECK(percent == 0 || percent == 1, "percent %d", percent);
    if (k == HL_CELL_BAD)
        HL_FUZZ_CHECK(why && why[0], "a bad cell without a reason");
    if (k != HL_CELL_NUMBER)
        return;
    HL_FUZZ_CHECK(isfinite(v), "non-finite number %g", v);
    HL_FUZZ_CHECK(!(v == 0 && signbit(v)), "negative zero");
    /* the value reads back from its shortest exact form (with either decimal separator) */
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%.17g", v);
    HL_FUZZ_CHECK(n > 0 && (size_t)n < sizeof buf, "format");
    if (decimal_comma) {
        char *dot = strchr(buf, '.');
        if (dot)
            *dot = ',';
    }
    double w = -1.0;
    hl_cell_kind k2 = hl_parse_number(buf, (size_t)n, decimal_comma, &w, NULL, NULL);
    HL_FUZZ_CHECK(k2 == HL_CELL_NUMBER && w == v, "'%s' read %g back as kind %d value %.17g",
                  buf, v, (int)k2, w);
}

static void check_date(const uint8_t *data, size_t size)
{
    int32_t day = INT32_MIN;
    const char *why = NULL;
    int rc = hl_parse_date((const char *)data, size, &day, &why);
    HL_FUZZ_CHECK(rc == 0 || rc == -1, "rc %d", rc);
    if (rc != 0) {
        HL_FUZZ_CHECK(why && why[0], "a bad date without a reason");
        return;
    }
    /* 1900-01-01 .. 9999-12-31 */
    HL_FUZZ_CHECK(day >= -25567 && day <= 2932896, "day %d out of range", (int)day);
    char buf[11];
    hl_format_date(day, buf);
    HL_FUZZ_CHECK(strlen(buf) == 10 && buf[4] == '-' && buf[7] == '-', "formatted '%s'", buf);
    int32_t again = INT32_MIN;
    HL_FUZZ_CHECK(hl_parse_date(buf, 10, &again, NULL) == 0 && again == day,
                  "'%s' (day %d) parsed back as %d", buf, (int)day, (int)again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_CELL)
        return -1;
    check_number(data, size, 0);
    check_number(data, size, 1);
    check_date(data, size);
    return 0;
}
