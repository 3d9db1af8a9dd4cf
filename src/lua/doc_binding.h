/* doc_binding.h - the Doc and Corpus userdata, shared by the binding files,
 * and the accounting that lets the garbage collector see what a document
 * holds.
 *
 * A document's arrays are allocated by the C core through the state's
 * allocator, which the collector does not count: left alone, a script that
 * reads thousands of files in a loop would see its documents collected only
 * when its own (small) Lua allocations call for a cycle, long after the
 * memory they hold has grown to gigabytes.  Each Doc counts the bytes its
 * document allocates and tells the collector, as a step of that many
 * kilobytes, after each call that may have allocated. */
#ifndef QL_DOC_BINDING_H
#define QL_DOC_BINDING_H
#include <limits.h>
#include <lauxlib.h>
#include "compat.h"
#include "../qualua.h"

#define DOC_MT "qualua.Doc"
#define CORPUS_MT "qualua.Corpus"

/* A corpus is its shared vocabulary. */
typedef struct { ql_vocab *v; } Corpus;

typedef struct {
  ql_doc *d;
  lua_Alloc f; void *ud; /* the state's allocator */
  size_t bytes;          /* held by d */
  size_t told;           /* of which the collector has been told */
} Doc;

/* The allocator a document is given: the state's, counted. */
static inline void *ql_lua_doc_alloc(void *ud, void *p, size_t osize, size_t nsize) {
  Doc *d = (Doc *)ud;
  void *q = d->f(d->ud, p, osize, nsize);
  if (q != NULL || nsize == 0) d->bytes = d->bytes - (p ? osize : 0) + nsize;
  return q;
}

/* A new Doc userdata (nuv user values) on the stack, its document not yet
 * made: ql_doc_new(ql_lua_doc_alloc, d, ...) makes it. */
static inline Doc *ql_lua_push_doc(lua_State *L, int nuv) {
  Doc *d = (Doc *)lua_newuserdatauv(L, sizeof *d, nuv);
  d->d = NULL;
  d->f = lua_getallocf(L, &d->ud);
  d->bytes = d->told = 0;
  return d;
}

/* The open document at idx (raises on anything else). */
static inline Doc *ql_lua_check_doc(lua_State *L, int idx) {
  Doc *d = (Doc *)luaL_checkudata(L, idx, DOC_MT);
  luaL_argcheck(L, d->d != NULL, idx, "document is closed");
  return d;
}

/* Tells the collector about the bytes d allocated since it was last told,
 * unless the host stopped the collector. */
static inline void ql_lua_doc_account(lua_State *L, Doc *d) {
  size_t kb;
  if (d->bytes <= d->told) return;
  kb = (d->bytes - d->told) / 1024;
  if (kb == 0) return;
  d->told += kb * 1024;
  if (lua_gc(L, LUA_GCISRUNNING)) lua_gc(L, LUA_GCSTEP, kb > INT_MAX ? INT_MAX : (int)kb);
}

#endif
