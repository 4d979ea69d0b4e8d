/*
 * fuzz_ingest.h — the driver shared by fuzz_csv.c (the export CSV reader) and fuzz_apijson.c
 * (the Marketing API JSON reader): the input is read from memory (fmemopen) by the chosen
 * reader, exactly as hl_ingest_file hands it a file once it has picked the format, every row it
 * produces is checked against the contract of hl_row (include/hookline/ingest.h) and added to a
 * fact table, and the table is aggregated by ad and day. With a small record limit (4 KiB
 * instead of 1 MiB) the fuzzer reaches the over-long-record paths with small inputs.
 */
#ifndef HL_FUZZ_INGEST_H
#define HL_FUZZ_INGEST_H

#include "fuzz_common.h"
#include "hookline/ingest.h"
#include "hookline/table.h"
#include "ingest/internal.h"

#define HL_FUZZ_MAX_INPUT (256u << 10)

typedef struct hl_fuzz_ingest_ctx {
    hl_table *table;
    const hl_ingest *ing;
    unsigned long last_line;
    size_t rows;
} hl_fuzz_ingest_ctx;

static hl_status hl_fuzz_row(void *ud, const hl_row *r, hl_error *err)
{
    hl_fuzz_ingest_ctx *c = ud;
    HL_FUZZ_CHECK(r->text[HL_F_AD_ID] && r->text[HL_F_ADGROUP_ID] && r->text[HL_F_CAMPAIGN_ID],
                  "row without ids");
    for (int k = 0; k < HL_NFIELDS; k++)
        if (r->text[k])
            HL_FUZZ_CHECK(hl_fuzz_utf8(r->text[k], strlen(r->text[k])),
                          "%s is not valid UTF-8", hl_field_name((hl_field)k));
    HL_FUZZ_CHECK((r->present >> HL_NCOUNTERS) == 0, "present bits 0x%x", (unsigned)r->present);
    for (int k = 0; k < HL_NCOUNTERS; k++) {
        HL_FUZZ_CHECK(isfinite(r->v[k]), "%s = %g", hl_counter_name((hl_counter)k), r->v[k]);
        if (!(r->present & (1u << k)))
            HL_FUZZ_CHECK(r->v[k] == 0.0, "absent %s = %g", hl_counter_name((hl_counter)k),
                          r->v[k]);
    }
    size_t nextra = hl_ingest_extra_count(c->ing);
    for (size_t i = 0; i < r->nextra; i++) {
        HL_FUZZ_CHECK(isfinite(r->extra_v[i]), "extra value %g", r->extra_v[i]);
        HL_FUZZ_CHECK(r->extra_idx[i] < nextra, "extra index %u of %zu",
                      (unsigned)r->extra_idx[i], nextra);
    }
    HL_FUZZ_CHECK(r->file && strcmp(r->file, "fuzz-input") == 0, "row file");
    /* JSON lines and CSV records have lines, in order; a JSON document's rows have none */
    HL_FUZZ_CHECK(r->line == 0 || r->line >= c->last_line, "line %lu after %lu", r->line,
                  c->last_line);
    c->last_line = r->line;
    c->rows++;
    return hl_table_add(c->table, r, err);
}

static int hl_fuzz_ingest(const uint8_t *data, size_t size, int json)
{
    if (size > HL_FUZZ_MAX_INPUT)
        return -1;
    /* fmemopen refuses a zero size on some C libraries: /dev/null reads as empty */
    FILE *f = size ? fmemopen((void *)(uintptr_t)data, size, "rb") : fopen("/dev/null", "rb");
    HL_FUZZ_CHECK(f != NULL, "fmemopen");
    hl_ingest_opts opts = {0, 4096};
    hl_ingest *ing = hl_ingest_new(&opts);
    hl_table *t = hl_table_new();
    HL_FUZZ_CHECK(ing && t, "out of memory");
    hl_file_state fs;
    memset(&fs, 0, sizeof fs);
    fs.path = "fuzz-input";
    hl_fuzz_ingest_ctx ctx = {t, ing, 0, 0};
    hl_error err;
    memset(&err, 0, sizeof err);
    hl_status st = json ? hl__ingest_json(ing, &fs, f, hl_fuzz_row, &ctx, &err)
                        : hl__ingest_csv(ing, &fs, f, hl_fuzz_row, &ctx, &err);
    fclose(f);
    if (st == HL_OK) {
        hl__finish_file(ing, &fs);
        for (size_t i = 0; i < hl_ingest_warning_count(ing); i++)
            HL_FUZZ_CHECK(hl_ingest_warning(ing, i) != NULL, "warning %zu", i);
        const char *names[64];
        size_t ne = hl_ingest_extra_count(ing);
        if (ne > 64)
            ne = 64;
        for (size_t i = 0; i < ne; i++)
            names[i] = hl_ingest_extra_name(ing, i);
        HL_FUZZ_CHECK(hl_table_set_extra_names(t, names, ne) == HL_OK, "extra names");
        int32_t first, last;
        if (hl_table_date_range(t, &first, &last) == 0) {
            HL_FUZZ_CHECK(ctx.rows > 0 && first <= last, "date range %d..%d", first, last);
            hl_agg *a = NULL;
            if (hl_table_aggregate(t, HL_LEVEL_AD, first, last, 1, &a, &err) == HL_OK) {
                for (size_t i = 0; i < hl_agg_count(a); i++) {
                    const hl_agg_row *ar = hl_agg_row_at(a, i);
                    for (int k = 0; k < HL_NCOUNTERS; k++)
                        HL_FUZZ_CHECK(!isnan(ar->v[k]), "aggregate %s is NaN",
                                      hl_counter_name((hl_counter)k));
                }
                hl_agg_free(a);
            }
            if (hl_table_aggregate(t, HL_LEVEL_CAMPAIGN, first, last, 0, &a, &err) == HL_OK)
                hl_agg_free(a);
        }
    } else {
        hl_fuzz_check_error(&err, st);
        /* a reader's own error says where: the input's name at least */
        if (st == HL_EINPUT)
            HL_FUZZ_CHECK(strcmp(err.file, "fuzz-input") == 0, "error file '%s' (%s)", err.file,
                          err.msg);
        HL_FUZZ_CHECK(st != HL_EINTERNAL, "internal error on input: %s", err.msg);
    }
    hl_table_free(t);
    hl_ingest_free(ing);
    return 0;
}

#endif
