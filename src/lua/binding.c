/* binding.c - luaopen_qualua_core: the Doc, Corpus and Span userdata.
 *
 * A Doc owns its ql_doc (allocated through the state's allocator); a Span
 * is a small view (what, index) whose user value is its Doc, so text is
 * copied into Lua strings only when a script asks for it.  Offsets seen by
 * Lua are 1-based and inclusive, like string.sub. */
#include <string.h>
#include <lauxlib.h>
#include "compat.h"
#include "../qualua.h"
#include "doc_binding.h"
#include "match_binding.h"
#include "annot_binding.h"
#include "store_binding.h"

#define SPAN_MT "qualua.Span"

enum { SP_BLOCK, SP_SECTION, SP_SENTENCE, SP_TOKEN };
static const char *const span_types[] = { "block", "section", "sentence", "token", NULL };

typedef struct { int what; uint32_t i; } Span;

/* ---- documents ---- */
static int doc_gc(lua_State *L) {
  Doc *d = (Doc *)luaL_checkudata(L, 1, DOC_MT);
  if (d->d) { ql_doc_free(d->d); d->d = NULL; }
  return 0;
}

/* parse(bytes [, format [, corpus]]) -> Doc; raises on refused input. */
static int l_parse(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  const char *fname = luaL_optstring(L, 2, "auto");
  Corpus *c = (Corpus *)luaL_testudata(L, 3, CORPUS_MT);
  ql_format fmt = ql_format_from_name(fname);
  Doc *d;
  char err[256];
  ql_status st;
  if (fmt == QL_FMT_COUNT)
    return luaL_error(L, "unknown format '%s' (expected ris, landing-page, portal-page, report, text or auto)", fname);
  d = ql_lua_push_doc(L, 2);
  luaL_setmetatable(L, DOC_MT);
  if (c) { lua_pushvalue(L, 3); lua_setiuservalue(L, -2, 1); } /* keep the shared vocabulary alive */
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, -2, 2); /* the document reads its source in place: keep the string */
  d->d = ql_doc_new(ql_lua_doc_alloc, d, c ? c->v : NULL);
  if (!d->d) return luaL_error(L, "out of memory");
  st = ql_doc_read_borrowed(d->d, s, len, fmt, err, sizeof err);
  if (st != QL_OK) {
    ql_doc_free(d->d); d->d = NULL;
    return luaL_error(L, "%s", err);
  }
  ql_lua_doc_account(L, d);
  return 1;
}

static void push_str(lua_State *L, const ql_doc *d, ql_str s) {
  lua_pushlstring(L, ql_doc_str(d, s), s.len);
}

/* Lua offsets: [start+1, stop] */
static void set_range(lua_State *L, uint32_t s, uint32_t e) {
  lua_pushinteger(L, (lua_Integer)s + 1); lua_setfield(L, -2, "start");
  lua_pushinteger(L, (lua_Integer)e); lua_setfield(L, -2, "stop");
}

static void push_span(lua_State *L, int docidx, int what, uint32_t i) {
  Span *sp = (Span *)lua_newuserdatauv(L, sizeof *sp, 1);
  sp->what = what; sp->i = i;
  lua_pushvalue(L, docidx);
  lua_setiuservalue(L, -2, 1);
  luaL_setmetatable(L, SPAN_MT);
}

static size_t count_of(const ql_doc *d, int what) {
  size_t n = 0;
  switch (what) {
  case SP_BLOCK: ql_doc_blocks(d, &n); break;
  case SP_SECTION: ql_doc_sections(d, &n); break;
  case SP_SENTENCE: ql_doc_sentences(d, &n); break;
  default: n = ql_doc_ntokens(d); break;
  }
  return n;
}

static void span_range(const ql_doc *d, int what, uint32_t i, uint32_t *s, uint32_t *e) {
  size_t n;
  switch (what) {
  case SP_BLOCK: { const ql_block *b = ql_doc_blocks(d, &n) + i; *s = b->start; *e = b->stop; break; }
  case SP_SECTION: { const ql_section *x = ql_doc_sections(d, &n) + i; *s = x->start; *e = x->stop; break; }
  case SP_SENTENCE: { const ql_span *x = ql_doc_sentences(d, &n) + i; *s = x->start; *e = x->stop; break; }
  default: *s = ql_doc_token_starts(d)[i]; *e = ql_doc_token_stop(d, i); break;
  }
}

/* doc:span(type, i) -> Span for the i-th (1-based) element, or nil */
static int doc_span(lua_State *L) {
  Doc *d = ql_lua_check_doc(L, 1);
  int what = luaL_checkoption(L, 2, NULL, span_types);
  lua_Integer i = luaL_checkinteger(L, 3);
  if (i < 1 || (size_t)i > count_of(d->d, what)) { lua_pushnil(L); return 1; }
  push_span(L, 1, what, (uint32_t)(i - 1));
  return 1;
}

static int doc_count(lua_State *L) {
  Doc *d = ql_lua_check_doc(L, 1);
  int what = luaL_checkoption(L, 2, NULL, span_types);
  lua_pushinteger(L, (lua_Integer)count_of(d->d, what));
  return 1;
}

/* Stateless iterator: iter(doc, i) -> i+1, Span; upvalues: what, block kind filter. */
static int iter_step(lua_State *L) {
  Doc *d = ql_lua_check_doc(L, 1);
  int what = (int)lua_tointeger(L, lua_upvalueindex(1));
  int kind = (int)lua_tointeger(L, lua_upvalueindex(2));
  lua_Integer i = luaL_checkinteger(L, 2);
  size_t n = count_of(d->d, what);
  if (kind >= 0) {
    size_t nb;
    const ql_block *b = ql_doc_blocks(d->d, &nb);
    while ((size_t)i < n && b[i].kind != kind) i++;
  }
  if ((size_t)i >= n) return 0;
  lua_pushinteger(L, i + 1);
  push_span(L, 1, what, (uint32_t)i);
  return 2;
}

static int kind_from_name(lua_State *L, int idx) {
  const char *k;
  int i;
  if (lua_isnoneornil(L, idx)) return -1;
  k = luaL_checkstring(L, idx);
  for (i = 0; i < QL_BLOCK_COUNT; i++)
    if (strcmp(k, ql_block_kind_name((ql_block_kind)i)) == 0) return i;
  return luaL_error(L, "unknown block kind '%s'", k);
}

/* doc:iter(type [, kind]) -> iter, doc, 0 */
static int doc_iter(lua_State *L) {
  int what = luaL_checkoption(L, 2, NULL, span_types);
  int kind = what == SP_BLOCK ? kind_from_name(L, 3) : -1;
  ql_lua_check_doc(L, 1);
  lua_pushinteger(L, what);
  lua_pushinteger(L, kind);
  lua_pushcclosure(L, iter_step, 2);
  lua_pushvalue(L, 1);
  lua_pushinteger(L, 0);
  return 3;
}

static int doc_text(lua_State *L) {
  Doc *d = ql_lua_check_doc(L, 1);
  size_t n;
  const char *t = ql_doc_text(d->d, &n);
  if (lua_isnoneornil(L, 2)) { lua_pushlstring(L, t, n); return 1; }
  {
    lua_Integer s = luaL_checkinteger(L, 2), e = luaL_optinteger(L, 3, (lua_Integer)n);
    if (s < 1) s = 1;
    if (e > (lua_Integer)n) e = (lua_Integer)n;
    lua_pushlstring(L, t + s - 1, s <= e ? (size_t)(e - s + 1) : 0);
    return 1;
  }
}

static int doc_source(lua_State *L) {
  Doc *d = ql_lua_check_doc(L, 1);
  size_t n;
  const char *t = ql_doc_source(d->d, &n);
  lua_pushlstring(L, t, n);
  return 1;
}

static int doc_len(lua_State *L) {
  Doc *d = ql_lua_check_doc(L, 1);
  size_t n;
  ql_doc_text(d->d, &n);
  lua_pushinteger(L, (lua_Integer)n);
  return 1;
}

static int doc_format(lua_State *L) {
  Doc *d = ql_lua_check_doc(L, 1);
  lua_pushstring(L, ql_format_name(ql_doc_format(d->d)));
  return 1;
}

static void push_fields(lua_State *L, const ql_doc *d, const ql_field *f, size_t n) {
  size_t i;
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    lua_createtable(L, 0, 2);
    push_str(L, d, f[i].key); lua_setfield(L, -2, "key");
    push_str(L, d, f[i].value); lua_setfield(L, -2, "value");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

/* doc:meta_list() -> { {key=, value=}, ... } canonical, in order */
static int doc_meta_list(lua_State *L) {
  Doc *d = ql_lua_check_doc(L, 1);
  size_t n;
  const ql_field *f = ql_doc_meta(d->d, &n);
  push_fields(L, d->d, f, n);
  return 1;
}

static int doc_fields(lua_State *L) {
  Doc *d = ql_lua_check_doc(L, 1);
  size_t n;
  const ql_field *f = ql_doc_fields(d->d, &n);
  push_fields(L, d->d, f, n);
  return 1;
}

/* doc:source_offset(pos) -> source position (1-based) of text position pos (1-based) */
static int doc_source_offset(lua_State *L) {
  Doc *d = ql_lua_check_doc(L, 1);
  lua_Integer p = luaL_checkinteger(L, 2);
  size_t n;
  ql_doc_text(d->d, &n);
  luaL_argcheck(L, p >= 1 && (size_t)p <= n + 1, 2, "position out of the text");
  lua_pushinteger(L, (lua_Integer)ql_doc_source_offset(d->d, (uint32_t)(p - 1)) + 1);
  return 1;
}

static int doc_enumerations(lua_State *L) {
  Doc *d = ql_lua_check_doc(L, 1);
  size_t n, ni, i, k;
  const ql_enumeration *e = ql_doc_enumerations(d->d, &n);
  const ql_span *items = ql_doc_enumeration_items(d->d, &ni);
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    lua_createtable(L, 0, 3);
    set_range(L, e[i].start, e[i].stop);
    lua_createtable(L, (int)e[i].nitems, 0);
    for (k = 0; k < e[i].nitems; k++) {
      const ql_span *it = &items[e[i].first_item + k];
      lua_createtable(L, 0, 2);
      set_range(L, it->start, it->stop);
      lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_setfield(L, -2, "items");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

static int doc_footnotes(lua_State *L) {
  Doc *d = ql_lua_check_doc(L, 1);
  size_t n, i;
  const ql_footnote *f = ql_doc_footnotes(d->d, &n);
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, f[i].n); lua_setfield(L, -2, "n");
    set_range(L, f[i].marker_start, f[i].marker_stop);
    if (f[i].block >= 0) { lua_pushinteger(L, f[i].block + 1); lua_setfield(L, -2, "block"); }
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

static int doc_repairs(lua_State *L) {
  Doc *d = ql_lua_check_doc(L, 1);
  size_t n, i;
  const ql_repair *r = ql_doc_repairs(d->d, &n);
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    lua_createtable(L, 0, 6);
    lua_pushstring(L, r[i].rule); lua_setfield(L, -2, "rule");
    push_str(L, d->d, r[i].from); lua_setfield(L, -2, "from");
    push_str(L, d->d, r[i].to); lua_setfield(L, -2, "to");
    lua_pushinteger(L, (lua_Integer)r[i].src_start + 1); lua_setfield(L, -2, "source_start");
    lua_pushinteger(L, (lua_Integer)r[i].src_stop); lua_setfield(L, -2, "source_stop");
    lua_pushinteger(L, (lua_Integer)r[i].text_pos + 1); lua_setfield(L, -2, "start");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

static int doc_dropped(lua_State *L) {
  Doc *d = ql_lua_check_doc(L, 1);
  size_t n, i;
  const ql_dropped *x = ql_doc_dropped(d->d, &n);
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    lua_createtable(L, 0, 3);
    lua_pushstring(L, x[i].reason); lua_setfield(L, -2, "reason");
    lua_pushinteger(L, (lua_Integer)x[i].src_start + 1); lua_setfield(L, -2, "source_start");
    lua_pushinteger(L, (lua_Integer)x[i].src_stop); lua_setfield(L, -2, "source_stop");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

static int doc_warnings(lua_State *L) {
  Doc *d = ql_lua_check_doc(L, 1);
  size_t n, i;
  const ql_warning *w = ql_doc_warnings(d->d, &n);
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    lua_createtable(L, 0, 3);
    lua_pushstring(L, w[i].code); lua_setfield(L, -2, "code");
    push_str(L, d->d, w[i].message); lua_setfield(L, -2, "message");
    lua_pushinteger(L, (lua_Integer)w[i].start + 1); lua_setfield(L, -2, "start");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

/* doc:token_forms() -> array of vocabulary ids (0-based), for analyses in Lua */
static int doc_token_form(lua_State *L) {
  Doc *d = ql_lua_check_doc(L, 1);
  lua_Integer i = luaL_checkinteger(L, 2);
  size_t len;
  const char *s;
  luaL_argcheck(L, i >= 1 && (size_t)i <= ql_doc_ntokens(d->d), 2, "token index out of range");
  s = ql_vocab_form(ql_doc_vocab(d->d), ql_doc_token_forms(d->d)[i - 1], &len);
  lua_pushlstring(L, s, len);
  lua_pushinteger(L, ql_doc_token_forms(d->d)[i - 1]);
  return 2;
}

/* ---- spans ---- */
static Span *check_span(lua_State *L, int idx, Doc **doc) {
  Span *sp = (Span *)luaL_checkudata(L, idx, SPAN_MT);
  lua_getiuservalue(L, idx, 1);
  *doc = ql_lua_check_doc(L, -1);
  lua_pop(L, 1);
  return sp;
}

static int span_text(lua_State *L) {
  Doc *d;
  Span *sp = check_span(L, 1, &d);
  uint32_t s, e;
  size_t n;
  const char *t = ql_doc_text(d->d, &n);
  span_range(d->d, sp->what, sp->i, &s, &e);
  lua_pushlstring(L, t + s, e - s);
  return 1;
}

static int span_index(lua_State *L) {
  Doc *d;
  Span *sp = check_span(L, 1, &d);
  const char *k = luaL_checkstring(L, 2);
  uint32_t s, e;
  size_t n;
  span_range(d->d, sp->what, sp->i, &s, &e);
  if (strcmp(k, "start") == 0) lua_pushinteger(L, (lua_Integer)s + 1);
  else if (strcmp(k, "stop") == 0) lua_pushinteger(L, (lua_Integer)e);
  else if (strcmp(k, "index") == 0) lua_pushinteger(L, (lua_Integer)sp->i + 1);
  else if (strcmp(k, "type") == 0) lua_pushstring(L, span_types[sp->what]);
  else if (strcmp(k, "source_start") == 0) lua_pushinteger(L, (lua_Integer)ql_doc_source_offset(d->d, s) + 1);
  else if (strcmp(k, "source_stop") == 0) lua_pushinteger(L, (lua_Integer)ql_doc_source_stop(d->d, e));
  else if (strcmp(k, "kind") == 0) {
    if (sp->what == SP_BLOCK) lua_pushstring(L, ql_block_kind_name((ql_block_kind)ql_doc_blocks(d->d, &n)[sp->i].kind));
    else if (sp->what == SP_TOKEN) lua_pushstring(L, ql_token_kind_name(ql_doc_token_kind(d->d, sp->i)));
    else lua_pushstring(L, span_types[sp->what]);
  } else if (strcmp(k, "section") == 0) {
    int32_t sec;
    if (sp->what == SP_BLOCK) sec = ql_doc_blocks(d->d, &n)[sp->i].section;
    else if (sp->what == SP_SECTION) sec = ql_doc_sections(d->d, &n)[sp->i].parent;
    else sec = ql_doc_section_at(d->d, s);
    if (sec < 0) lua_pushnil(L);
    else { lua_getiuservalue(L, 1, 1); push_span(L, lua_gettop(L), SP_SECTION, (uint32_t)sec); }
  } else if (sp->what == SP_SECTION && strcmp(k, "title") == 0) push_str(L, d->d, ql_doc_sections(d->d, &n)[sp->i].title);
  else if (sp->what == SP_SECTION && strcmp(k, "level") == 0) lua_pushinteger(L, ql_doc_sections(d->d, &n)[sp->i].level);
  else if (sp->what == SP_SECTION && strcmp(k, "category") == 0) {
    ql_category c = (ql_category)ql_doc_sections(d->d, &n)[sp->i].category;
    if (c == QL_CAT_NONE) lua_pushnil(L); else lua_pushstring(L, ql_category_name(c));
  } else if (sp->what == SP_SECTION && strcmp(k, "parent") == 0) {
    int32_t p = ql_doc_sections(d->d, &n)[sp->i].parent;
    if (p < 0) lua_pushnil(L); else lua_pushinteger(L, p + 1);
  } else if (sp->what == SP_BLOCK && strcmp(k, "n") == 0) {
    int32_t v = ql_doc_blocks(d->d, &n)[sp->i].n;
    if (v < 0) lua_pushnil(L); else lua_pushinteger(L, v);
  } else if (sp->what == SP_TOKEN && strcmp(k, "form") == 0) {
    const char *f = ql_vocab_form(ql_doc_vocab(d->d), ql_doc_token_forms(d->d)[sp->i], &n);
    lua_pushlstring(L, f, n);
  } else if (sp->what == SP_TOKEN && strcmp(k, "id") == 0) lua_pushinteger(L, ql_doc_token_forms(d->d)[sp->i]);
  else if (strcmp(k, "doc") == 0) lua_getiuservalue(L, 1, 1);
  else {
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "methods");
    lua_getfield(L, -1, k);
  }
  return 1;
}

static int span_tostring(lua_State *L) {
  Doc *d;
  Span *sp = check_span(L, 1, &d);
  uint32_t s, e;
  span_range(d->d, sp->what, sp->i, &s, &e);
  lua_pushfstring(L, "qualua.Span(%s %d, [%d, %d])", span_types[sp->what], (int)sp->i + 1, (int)s + 1, (int)e);
  return 1;
}

static int span_eq(lua_State *L) {
  Span *a = (Span *)luaL_checkudata(L, 1, SPAN_MT), *b = (Span *)luaL_checkudata(L, 2, SPAN_MT);
  int same;
  lua_getiuservalue(L, 1, 1);
  lua_getiuservalue(L, 2, 1);
  same = lua_rawequal(L, -1, -2) && a->what == b->what && a->i == b->i;
  lua_pushboolean(L, same);
  return 1;
}

/* ---- corpus: a shared vocabulary ---- */
static int corpus_new(lua_State *L) {
  void *ud;
  lua_Alloc f = lua_getallocf(L, &ud);
  Corpus *c = (Corpus *)lua_newuserdatauv(L, sizeof *c, 0);
  c->v = NULL;
  luaL_setmetatable(L, CORPUS_MT);
  c->v = ql_vocab_new(f, ud);
  if (!c->v) return luaL_error(L, "out of memory");
  return 1;
}

static int corpus_gc(lua_State *L) {
  Corpus *c = (Corpus *)luaL_checkudata(L, 1, CORPUS_MT);
  if (c->v) { ql_vocab_free(c->v); c->v = NULL; }
  return 0;
}

static int corpus_vocab_size(lua_State *L) {
  Corpus *c = (Corpus *)luaL_checkudata(L, 1, CORPUS_MT);
  lua_pushinteger(L, c->v ? ql_vocab_size(c->v) : 0);
  return 1;
}

/* ---- free functions ---- */
static void sentence_cb(void *ud, uint32_t s, uint32_t e) {
  lua_State *L = (lua_State *)ud;
  lua_Integer n = (lua_Integer)luaL_len(L, -1);
  lua_createtable(L, 2, 0);
  lua_pushinteger(L, (lua_Integer)s + 1); lua_rawseti(L, -2, 1);
  lua_pushinteger(L, (lua_Integer)e); lua_rawseti(L, -2, 2);
  lua_rawseti(L, -2, n + 1);
}

/* split_sentences(str) -> { {start, stop}, ... } (1-based inclusive) */
static int l_split_sentences(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  luaL_argcheck(L, n < UINT32_MAX, 1, "string too long");
  lua_newtable(L);
  ql_split_sentences(s, 0, (uint32_t)n, sentence_cb, L);
  return 1;
}

static int l_fold(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  luaL_Buffer b;
  char *out = luaL_buffinitsize(L, &b, n * 3 + 4);
  luaL_pushresultsize(&b, ql_fold(s, n, out));
  return 1;
}

static const luaL_Reg doc_methods[] = {
  {"span", doc_span}, {"count", doc_count}, {"iter", doc_iter}, {"text", doc_text},
  {"source", doc_source}, {"format", doc_format}, {"meta_list", doc_meta_list},
  {"fields", doc_fields}, {"source_offset", doc_source_offset},
  {"enumerations", doc_enumerations}, {"footnotes", doc_footnotes},
  {"repairs", doc_repairs}, {"dropped", doc_dropped}, {"warnings", doc_warnings},
  {"token_form", doc_token_form}, {"close", doc_gc}, {NULL, NULL}
};
static const luaL_Reg doc_meta[] = {
  {"__gc", doc_gc}, {"__close", doc_gc}, {"__len", doc_len}, {"__index", NULL}, {NULL, NULL}
};
static const luaL_Reg span_methods[] = { {"text", span_text}, {NULL, NULL} };
static const luaL_Reg span_meta[] = {
  {"__index", span_index}, {"__tostring", span_tostring}, {"__eq", span_eq}, {NULL, NULL}
};
static const luaL_Reg corpus_methods[] = { {"vocab_size", corpus_vocab_size}, {NULL, NULL} };
static const luaL_Reg corpus_meta[] = { {"__gc", corpus_gc}, {"__index", NULL}, {NULL, NULL} };
static const luaL_Reg funcs[] = {
  {"parse", l_parse}, {"corpus", corpus_new}, {"split_sentences", l_split_sentences},
  {"fold", l_fold}, {NULL, NULL}
};

/* Creates (or refills, on a second require) a metatable; leaves its method
 * table on the stack so the module can export it for the Lua layer. */
static void new_type(lua_State *L, const char *name, const luaL_Reg *meta, const luaL_Reg *methods, int methods_as_index) {
  luaL_newmetatable(L, name);
  luaL_setfuncs(L, meta, 0);
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, methods_as_index ? "__index" : "methods");
  lua_remove(L, -2);
}

int luaopen_qualua_core(lua_State *L);
int luaopen_qualua_core(lua_State *L) {
  luaL_newlib(L, funcs);
  new_type(L, DOC_MT, doc_meta, doc_methods, 1);
  lua_setfield(L, -2, "Doc");
  new_type(L, SPAN_MT, span_meta, span_methods, 0);
  lua_setfield(L, -2, "Span");
  new_type(L, CORPUS_MT, corpus_meta, corpus_methods, 1);
  lua_setfield(L, -2, "Corpus");
  ql_lua_open_match(L);
  ql_lua_open_annotations(L);
  ql_lua_open_store(L);
  return 1;
}
