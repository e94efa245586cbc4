/* SPDX-License-Identifier: Apache-2.0
 *
 * store_meta_int.h -- helpers shared by the metadata tables (store_meta_*.c): data versions in
 * JSON, file paths, and jansson field readers that accept numbers or numeric strings.
 */
#ifndef MQ_STORE_META_INT_H
#define MQ_STORE_META_INT_H

#include <jansson.h>

#include "mq/store_meta.h"

void store_meta_path(char *buf, size_t len, const char *root, const char *file);
void store_meta_version_bump(store_data_version_t *dv);
json_t *store_meta_version_json(const store_data_version_t *dv);
void store_meta_version_read(json_t *j, store_data_version_t *dv);
int64_t store_meta_int(json_t *obj, const char *key, int64_t dflt);
int store_meta_bool(json_t *obj, const char *key, int dflt);
/* Serialises j (stolen) into out: compact for wire bodies, indented for files. */
void store_meta_dump(json_t *j, mq_buf_t *out, int pretty);
/* Loads <root>/config/<file> into a JSON object (NULL with rc MQ_ENOENT when absent). */
int store_meta_load(const char *root, const char *file, json_t **out);
int store_meta_save(const char *root, const char *file, json_t *j); /* steals j */

#endif /* MQ_STORE_META_INT_H */
