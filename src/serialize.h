/* serialize.h - the whole document model as one byte string, so a project
 * store can reopen a document without reading its source again, and the
 * 64-bit content hash the store keys documents by. */
#ifndef QL_SERIALIZE_H
#define QL_SERIALIZE_H

#include "qualua.h"

/* Version of the blob layout written by ql_doc_save; ql_doc_load reads only
 * this version and refuses others with a message that says which. */
#define QL_BLOB_VERSION 1

/* Serialises the model of d (read or loaded): source, text, pool, offset
 * map, metadata, blocks, sections, sentences, enumerations, footnotes, logs
 * and tokens, with token forms as strings (not vocabulary ids).  The
 * annotations are not stored: loading recomputes them.  The blob comes from
 * d's allocator; free it with ql_doc_blob_free.  QL_ENOMEM on failure.
 * flags may leave out the source or the text (a store keeps them in columns
 * of their own): the blob then holds their length and hash, and loading
 * needs them back through ql_blob_parts. */
enum { QL_SAVE_NO_SOURCE = 1, QL_SAVE_NO_TEXT = 2 };
ql_status ql_doc_save(const ql_doc *d, unsigned flags, char **blob, size_t *len);
void ql_doc_blob_free(const ql_doc *d, char *blob, size_t len);

/* Rebuilds a document from a blob into d, which must be fresh (from
 * ql_doc_new: its vocabulary receives the token forms).  Every count, offset
 * and index is checked before use, so a damaged or forged blob is refused
 * with QL_EFORMAT and a message, never read out of bounds.  parts (may be
 * NULL) gives the source and text a blob was saved without; they must be
 * the very bytes saved.  On failure the caller frees d. */
typedef struct { const char *source, *text; size_t srclen, textlen; } ql_blob_parts;
ql_status ql_doc_load(ql_doc *d, const char *blob, size_t len, const ql_blob_parts *parts,
                      char *errmsg, size_t errsize);

/* A fast 64-bit hash of bytes (8 bytes a step, little-endian, so the value
 * is the same on every machine): content identity in the store and the
 * blob's checksum.  Not cryptographic. */
uint64_t ql_hash64(const void *data, size_t n, uint64_t seed);

#endif
