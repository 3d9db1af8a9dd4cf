/* match_binding.c - the codebook matcher in qualua.core: a Matcher userdata
 * that qualua.codebook fills with the flattened rule tree, then codes
 * documents into coding tables (or only counts them, for benchmarks).
 *
 * User values of a Matcher: 1 = the owner of the vocabulary it was last
 * prepared for (a Corpus, or a Doc with a private vocabulary), so that
 * vocabulary cannot be freed and replaced at the same address behind its
 * back; 2 = the names table { themes = {}, rules = {}, patterns = {} } used
 * to label codings.  Indices seen by Lua are 1-based. */
#include <string.h>
#include <lauxlib.h>
#include "compat.h"
#include "../qualua.h"
#include "../match.h"
#include "match_binding.h"
#include "doc_binding.h"

#define MATCHER_MT "qualua.Matcher"

typedef struct { ql_matcher *m; } Matcher;

static const char *const unit_names[] = { "sentence", "paragraph", "section", "document", NULL };
static const char *const slot_names[] = { "any", "all", "none", "near_a", "near_b", "exclude", NULL };

static Matcher *check_matcher(lua_State *L, int idx) {
  Matcher *m = (Matcher *)luaL_checkudata(L, idx, MATCHER_MT);
  luaL_argcheck(L, m->m != NULL, idx, "matcher is closed");
  return m;
}

static int l_matcher(lua_State *L) {
  void *ud;
  lua_Alloc f = lua_getallocf(L, &ud);
  Matcher *m = (Matcher *)lua_newuserdatauv(L, sizeof *m, 2);
  m->m = NULL;
  luaL_setmetatable(L, MATCHER_MT);
  m->m = ql_matcher_new(f, ud);
  if (!m->m) return luaL_error(L, "out of memory");
  return 1;
}

static int m_gc(lua_State *L) {
  Matcher *m = (Matcher *)luaL_checkudata(L, 1, MATCHER_MT);
  if (m->m) { ql_matcher_free(m->m); m->m = NULL; }
  return 0;
}

/* m:term(pattern [, exact [, stem]]) -> index | nil, message */
static int m_term(lua_State *L) {
  Matcher *m = check_matcher(L, 1);
  size_t n;
  const char *p = luaL_checklstring(L, 2, &n);
  unsigned flags = (lua_toboolean(L, 3) ? QL_PAT_EXACT : 0) | (lua_toboolean(L, 4) ? QL_PAT_STEM : 0);
  const char *err = NULL;
  int32_t t = ql_matcher_add_term(m->m, p, n, flags, &err);
  if (t < 0) { luaL_pushfail(L); lua_pushstring(L, err ? err : "bad pattern"); return 2; }
  lua_pushinteger(L, (lua_Integer)t + 1);
  return 1;
}

/* m:filter(block_kind_mask, by_section) -> index */
static int m_filter(lua_State *L) {
  Matcher *m = check_matcher(L, 1);
  lua_Integer mask = luaL_optinteger(L, 2, 0);
  int32_t f = ql_matcher_add_filter(m->m, (uint32_t)mask, lua_toboolean(L, 3));
  if (f < 0) return luaL_error(L, "out of memory");
  lua_pushinteger(L, (lua_Integer)f + 1);
  return 1;
}

/* m:rule(theme, unit [, filter [, near_k]]) -> index */
static int m_rule(lua_State *L) {
  Matcher *m = check_matcher(L, 1);
  lua_Integer theme = luaL_checkinteger(L, 2);
  int unit = luaL_checkoption(L, 3, NULL, unit_names);
  lua_Integer filter = luaL_optinteger(L, 4, 0), k = luaL_optinteger(L, 5, 0);
  int32_t r;
  luaL_argcheck(L, theme >= 1 && theme <= INT32_MAX, 2, "theme index out of range");
  luaL_argcheck(L, filter >= 0 && filter <= (lua_Integer)ql_matcher_nfilters(m->m), 4, "no such filter");
  luaL_argcheck(L, k >= 0 && k <= INT32_MAX, 5, "distance out of range");
  r = ql_matcher_add_rule(m->m, (uint32_t)(theme - 1), (ql_unit)unit, (int32_t)filter - 1, (uint32_t)k);
  if (r < 0) return luaL_error(L, "out of memory");
  lua_pushinteger(L, (lua_Integer)r + 1);
  return 1;
}

/* m:slot(rule, kind) -> index */
static int m_slot(lua_State *L) {
  Matcher *m = check_matcher(L, 1);
  lua_Integer rule = luaL_checkinteger(L, 2);
  int kind = luaL_checkoption(L, 3, NULL, slot_names);
  const char *err = NULL;
  int32_t s;
  luaL_argcheck(L, rule >= 1 && rule <= INT32_MAX, 2, "rule index out of range");
  s = ql_matcher_add_slot(m->m, (uint32_t)(rule - 1), (ql_slot_kind)kind, &err);
  if (s < 0) return luaL_error(L, "%s", err ? err : "bad slot");
  lua_pushinteger(L, (lua_Integer)s + 1);
  return 1;
}

/* m:post(term, slot) */
static int m_post(lua_State *L) {
  Matcher *m = check_matcher(L, 1);
  lua_Integer t = luaL_checkinteger(L, 2), s = luaL_checkinteger(L, 3);
  luaL_argcheck(L, t >= 1 && t <= INT32_MAX, 2, "term index out of range");
  luaL_argcheck(L, s >= 1 && s <= INT32_MAX, 3, "slot index out of range");
  if (ql_matcher_post(m->m, (uint32_t)(t - 1), (uint32_t)(s - 1)) != 0)
    return luaL_error(L, "no such term or slot");
  return 0;
}

/* m:names{ themes = {...}, rules = {...}, patterns = {...} } */
static int m_names(lua_State *L) {
  check_matcher(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_pushvalue(L, 2);
  lua_setiuservalue(L, 1, 2);
  return 0;
}

/* Makes sure the matcher is prepared for doc's vocabulary (its owner is the
 * corpus when the doc has one, else the doc itself). */
static void prepare_for(lua_State *L, Matcher *m, int docidx, Doc *d) {
  const ql_vocab *v = ql_doc_vocab(d->d);
  int same;
  if (lua_getiuservalue(L, docidx, 1) != LUA_TUSERDATA) { lua_pop(L, 1); lua_pushvalue(L, docidx); }
  lua_getiuservalue(L, 1, 1);
  same = lua_rawequal(L, -1, -2);
  lua_pop(L, 1);
  if (!same) {
    if (ql_matcher_prepare(m->m, v) != QL_OK) luaL_error(L, "out of memory");
    lua_setiuservalue(L, 1, 1);
  } else {
    lua_pop(L, 1);
  }
}

/* Reads the optional section-pass table at idx into a scratch userdata
 * pushed on the stack; returns the pointer array or NULL. */
static const uint8_t *const *section_passes(lua_State *L, Matcher *m, int idx, const ql_doc *d) {
  uint32_t nf = ql_matcher_nfilters(m->m), f;
  size_t nsec;
  const uint8_t **p;
  if (lua_isnoneornil(L, idx) || nf == 0) { lua_pushnil(L); return NULL; }
  luaL_checktype(L, idx, LUA_TTABLE);
  ql_doc_sections(d, &nsec);
  p = (const uint8_t **)lua_newuserdatauv(L, nf * sizeof *p, 0);
  for (f = 0; f < nf; f++) {
    size_t len;
    const char *s;
    lua_rawgeti(L, idx, (lua_Integer)f + 1);
    s = lua_tolstring(L, -1, &len);
    if (s && len < nsec + 1) luaL_error(L, "section pass string of filter %d is too short", (int)f + 1);
    p[f] = (const uint8_t *)s;   /* kept alive by the table at idx */
    lua_pop(L, 1);
  }
  return p;
}

static void run(lua_State *L, Matcher *m, int docidx, Doc *d, int passidx, int want_terms) {
  const uint8_t *const *pass;
  ql_status st;
  prepare_for(L, m, docidx, d);
  pass = section_passes(L, m, passidx, d->d);
  st = ql_matcher_code(m->m, d->d, pass, want_terms);
  lua_pop(L, 1);
  if (st != QL_OK) luaL_error(L, "out of memory");
}

/* Pushes list[i] from the table at stack index list (0: none), else i. */
static void push_name(lua_State *L, int list, lua_Integer i) {
  if (list && lua_rawgeti(L, list, i) != LUA_TNIL) return;
  if (list) lua_pop(L, 1);
  lua_pushinteger(L, i);
}

/* The names table's field as a stack index, or 0. */
static int name_list(lua_State *L, int names, const char *field) {
  if (!names) return 0;
  if (lua_getfield(L, names, field) == LUA_TTABLE) return lua_gettop(L);
  lua_pop(L, 1);
  return 0;
}

/* m:code(doc [, docindex [, passes]]) -> { coding, ... }
 * coding = { theme, doc, unit, start, stop, rule, sentence?, block?, section?,
 *            terms = { {term, pattern, start, stop}, ... } } (1-based, inclusive) */
static int m_code(lua_State *L) {
  Matcher *m = check_matcher(L, 1);
  Doc *d = ql_lua_check_doc(L, 2);
  lua_Integer docindex = luaL_optinteger(L, 3, 1);
  size_t n, nt, i, tlen;
  const ql_coding *c;
  const ql_coding_term *ct;
  const uint32_t *starts;
  const char *text;
  int names = 0, themes, rules, patterns, out;
  run(L, m, 2, d, 4, 1);
  c = ql_matcher_codings(m->m, &n);
  ct = ql_matcher_coding_terms(m->m, &nt);
  starts = ql_doc_token_starts(d->d);
  text = ql_doc_text(d->d, &tlen);
  if (lua_getiuservalue(L, 1, 2) == LUA_TTABLE) names = lua_gettop(L);
  themes = name_list(L, names, "themes");
  rules = name_list(L, names, "rules");
  patterns = name_list(L, names, "patterns");
  lua_createtable(L, n > INT32_MAX ? INT32_MAX : (int)n, 0);
  out = lua_gettop(L);
  for (i = 0; i < n; i++) {
    uint32_t k;
    lua_createtable(L, 0, 10);
    push_name(L, themes, (lua_Integer)c[i].theme + 1); lua_setfield(L, -2, "theme");
    lua_pushinteger(L, docindex); lua_setfield(L, -2, "doc");
    lua_pushstring(L, unit_names[c[i].unit]); lua_setfield(L, -2, "unit");
    lua_pushinteger(L, (lua_Integer)c[i].start + 1); lua_setfield(L, -2, "start");
    lua_pushinteger(L, (lua_Integer)c[i].stop); lua_setfield(L, -2, "stop");
    push_name(L, rules, (lua_Integer)c[i].rule + 1); lua_setfield(L, -2, "rule");
    if (c[i].unit == QL_UNIT_SENTENCE) { lua_pushinteger(L, (lua_Integer)c[i].index + 1); lua_setfield(L, -2, "sentence"); }
    if (c[i].block >= 0) { lua_pushinteger(L, (lua_Integer)c[i].block + 1); lua_setfield(L, -2, "block"); }
    if (c[i].section >= 0) { lua_pushinteger(L, (lua_Integer)c[i].section + 1); lua_setfield(L, -2, "section"); }
    lua_createtable(L, (int)c[i].nterms, 0);
    for (k = 0; k < c[i].nterms; k++) {
      const ql_coding_term *t = &ct[c[i].first_term + k];
      uint32_t s = starts[t->first], e = ql_doc_token_stop(d->d, t->last);
      lua_createtable(L, 0, 4);
      lua_pushlstring(L, text + s, e - s); lua_setfield(L, -2, "term");
      push_name(L, patterns, (lua_Integer)t->term + 1); lua_setfield(L, -2, "pattern");
      lua_pushinteger(L, (lua_Integer)s + 1); lua_setfield(L, -2, "start");
      lua_pushinteger(L, (lua_Integer)e); lua_setfield(L, -2, "stop");
      lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_setfield(L, -2, "terms");
    lua_rawseti(L, out, (lua_Integer)i + 1);
  }
  return 1;
}

/* m:count(doc [, passes [, acc]]) -> acc: acc[theme index] += codings of the theme */
static int m_count(lua_State *L) {
  Matcher *m = check_matcher(L, 1);
  Doc *d = ql_lua_check_doc(L, 2);
  size_t n, i;
  const uint32_t *c;
  if (lua_isnoneornil(L, 4)) { lua_settop(L, 3); lua_newtable(L); }
  else { luaL_checktype(L, 4, LUA_TTABLE); lua_settop(L, 4); }
  run(L, m, 2, d, 3, 0);
  c = ql_matcher_counts(m->m, &n);
  for (i = 0; i < n; i++) {
    lua_Integer t = (lua_Integer)i + 1, v;
    if (!c[i]) continue;
    v = (lua_rawgeti(L, 4, t) == LUA_TNUMBER) ? lua_tointeger(L, -1) : 0;
    lua_pop(L, 1);
    lua_pushinteger(L, v + (lua_Integer)c[i]);
    lua_rawseti(L, 4, t);
  }
  lua_pushvalue(L, 4);
  return 1;
}

/* m:prepare(doc) -> number of token-id sequences in the automaton */
static int m_prepare(lua_State *L) {
  Matcher *m = check_matcher(L, 1);
  Doc *d = ql_lua_check_doc(L, 2);
  prepare_for(L, m, 2, d);
  lua_pushinteger(L, (lua_Integer)ql_matcher_nsequences(m->m));
  return 1;
}

/* m:candidates() -> tokens of the last document that reached the trie walk */
static int m_candidates(lua_State *L) {
  Matcher *m = check_matcher(L, 1);
  lua_pushinteger(L, (lua_Integer)ql_matcher_last_candidates(m->m));
  return 1;
}

/* glob(pattern, s) -> boolean; stem(word) -> folded stem (for specs and Lua tools) */
static int l_glob(lua_State *L) {
  size_t pn, sn;
  const char *p = luaL_checklstring(L, 1, &pn), *s = luaL_checklstring(L, 2, &sn);
  lua_pushboolean(L, ql_glob_match(p, pn, s, sn));
  return 1;
}

static int l_stem(lua_State *L) {
  size_t n, fl, sl;
  const char *s = luaL_checklstring(L, 1, &n);
  char *fold = (char *)lua_newuserdatauv(L, n * 3 + 4, 0);
  char *out = (char *)lua_newuserdatauv(L, n * 3 + 4, 0);
  fl = ql_fold(s, n, fold);
  sl = ql_stem_en(fold, fl, out);
  lua_pushlstring(L, out, sl);
  return 1;
}

static const luaL_Reg matcher_methods[] = {
  {"term", m_term}, {"filter", m_filter}, {"rule", m_rule}, {"slot", m_slot}, {"post", m_post},
  {"names", m_names}, {"code", m_code}, {"count", m_count}, {"prepare", m_prepare}, {"candidates", m_candidates},
  {"close", m_gc}, {NULL, NULL}
};
static const luaL_Reg matcher_meta[] = {
  {"__gc", m_gc}, {"__close", m_gc}, {"__index", NULL}, {NULL, NULL}
};
static const luaL_Reg funcs[] = {
  {"matcher", l_matcher}, {"glob", l_glob}, {"stem", l_stem}, {NULL, NULL}
};

void ql_lua_open_match(lua_State *L) {
  luaL_newmetatable(L, MATCHER_MT);
  luaL_setfuncs(L, matcher_meta, 0);
  lua_newtable(L);
  luaL_setfuncs(L, matcher_methods, 0);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "__index");
  lua_setfield(L, -3, "Matcher");  /* module.Matcher = methods */
  lua_pop(L, 1);
  luaL_setfuncs(L, funcs, 0);
}
