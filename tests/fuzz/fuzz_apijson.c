/*
 * fuzz_apijson.c — libFuzzer target for the Marketing API report reader (engine/ingest/
 * apijson.c, issue 10): a saved response body ({"code":0,"data":{"list":[...],"page_info":...}})
 * or JSON lines as `hookline pull` writes them. The bytes are read from memory by the JSON
 * reader (the one hl_ingest_file picks for input starting with '{' or '['), every row is checked
 * against hl_row's contract and added to a fact table, which is then aggregated. Bad input must
 * end in HL_EINPUT with a message, never a crash, a sanitizer report, an internal error or a
 * hang. Seed corpus: tests/fuzz/corpus/apijson. See tests/fuzz/README.md.
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
    return hl_fuzz_ingest(data, size, 1);
}
