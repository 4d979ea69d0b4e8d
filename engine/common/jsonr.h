/*
 * jsonr.h — checks on JSON read from files and the network that cJSON does not make.
 * cJSON keeps every member of an object, duplicates included, and its lookups return the
 * first: a body with "list" twice would silently use whichever came first. hookline refuses
 * to guess instead.
 */
#ifndef HL_COMMON_JSONR_H
#define HL_COMMON_JSONR_H

struct cJSON;

/* The first key that occurs twice among obj's own members (not its children's), or NULL when
 * every key is unique or obj is not an object. The pointer is into obj; it lives as long as
 * obj. O(k log k) for k members, so a hostile object with 10^6 keys costs no more than
 * reading it. */
const char *hl_json_duplicate_key(const struct cJSON *obj);

#endif
