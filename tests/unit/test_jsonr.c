/*
 * test_jsonr.c — hl_json_duplicate_key: finds a repeated key among an object's own members,
 * small objects (pairwise) and large ones (sorted), ignores children's keys, and answers NULL
 * for non-objects; a hostile object of 200,000 keys is checked in one sort, not 2*10^10 compares.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonr.h"
#include "hl_test.h"

static const char *dup_of(const char *text, cJSON **keep)
{
    *keep = cJSON_Parse(text);
    CHECK(*keep != NULL);
    return hl_json_duplicate_key(*keep);
}

static void test_small(void)
{
    cJSON *j;
    CHECK(dup_of("{\"a\":1,\"b\":2}", &j) == NULL);
    cJSON_Delete(j);
    CHECK_STR(dup_of("{\"code\":0,\"message\":\"OK\",\"code\":40100}", &j), "code");
    cJSON_Delete(j);
    /* children's keys are their own business */
    CHECK(dup_of("{\"a\":{\"x\":1,\"x\":2},\"b\":{\"x\":3}}", &j) == NULL);
    cJSON_Delete(j);
    /* keys differing only in case are different keys */
    CHECK(dup_of("{\"List\":[],\"list\":[]}", &j) == NULL);
    cJSON_Delete(j);
    CHECK(dup_of("[1,2,2]", &j) == NULL);
    cJSON_Delete(j);
    CHECK(hl_json_duplicate_key(NULL) == NULL);
    CHECK(dup_of("{}", &j) == NULL);
    cJSON_Delete(j);
}

static void test_large(void)
{
    enum { N = 200000 };
    cJSON *o = cJSON_CreateObject();
    char k[32];
    for (int i = 0; i < N; i++) {
        snprintf(k, sizeof k, "k%d", i);
        cJSON_AddNumberToObject(o, k, i);
    }
    CHECK(hl_json_duplicate_key(o) == NULL);
    cJSON_AddNumberToObject(o, "k123456", 1);
    CHECK_STR(hl_json_duplicate_key(o), "k123456");
    cJSON_Delete(o);

    /* exactly at and just over the pairwise limit */
    for (int n = 15; n <= 18; n++) {
        o = cJSON_CreateObject();
        for (int i = 0; i < n; i++) {
            snprintf(k, sizeof k, "m%d", i);
            cJSON_AddNumberToObject(o, k, i);
        }
        CHECK(hl_json_duplicate_key(o) == NULL);
        cJSON_AddNumberToObject(o, "m0", 0);
        CHECK_STR(hl_json_duplicate_key(o), "m0");
        cJSON_Delete(o);
    }
}

int main(void)
{
    test_small();
    test_large();
    TEST_MAIN_END();
}
