/*
 * fuzz_csv.c — libFuzzer target for the TikTok Ads Manager export reader (engine/ingest/csv.c
 * and export.c, issue 10): the bytes are read as a CSV export from memory, every row is checked
 * against hl_row's contract (ids set, names valid UTF-8, counters finite, lines in order) and
 * added to a fact table, which is then aggregated. Bad input must end in HL_EINPUT with a
 * message naming the input, never a crash, a sanitizer report, an internal error or a hang.
 * Seed corpus: tests/fuzz/corpus/csv (the ingest fixtures and a slice of the example export).
 * See tests/fuzz/README.md for the builds and the recorded runs.
 */
#include "fuzz_ingest.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return hl_fuzz_ingest(data, size, 0);
}
