/* annot_binding.c - the annotations' part of qualua.core: Doc methods that
 * return acronyms, actors, quantities, references and recommendations as
 * arrays of plain tables (offsets 1-based and inclusive, like string.sub),
 * doc:find_actors for a script's own actors, and the pieces that work on
 * any string (Schwartz-Hearst, DOI syntax, reference parsing) for
 * conformance tests and scripts. */
#include <string.h>
#include <lauxlib.h>
#include "compat.h"
#include "../annot.h"
#include "annot_binding.h"

#include "doc_binding.h"

/* The document at idx, with its annotations computed (on first use). */
static Doc *check_doc(lua_State *L, int idx) {
  Doc *d = ql_lua_check_doc(L, idx);
  if (ql_doc_annotate(d->d) != QL_OK) luaL_error(L, "out of memory while annotating the document");
  ql_lua_doc_account(L, d);
  return d;
}

static const char *text_of(const ql_doc *d) {
  size_t n;
  return ql_doc_text(d, &n);
}

static void set_int(lua_State *L, const char *k, lua_Integer v) { lua_pushinteger(L, v); lua_setfield(L, -2, k); }
static void set_str(lua_State *L, const char *k, const char *s) { lua_pushstring(L, s); lua_setfield(L, -2, k); }
static void set_lstr(lua_State *L, const char *k, const char *s, size_t n) { lua_pushlstring(L, s, n); lua_setfield(L, -2, k); }

/* [s, e) as start = s + 1, stop = e, under the given key prefix */
static void set_range(lua_State *L, const char *ks, const char *ke, uint32_t s, uint32_t e) {
  set_int(L, ks, (lua_Integer)s + 1);
  set_int(L, ke, (lua_Integer)e);
}

static void set_span_text(lua_State *L, const char *k, const char *t, uint32_t s, uint32_t e) {
  if (e > s) set_lstr(L, k, t + s, e - s);
}

/* A span's text without the spaces a line break left inside it (URLs, DOIs). */
static void push_joined(lua_State *L, const char *t, uint32_t s, uint32_t e) {
  luaL_Buffer b;
  uint32_t i;
  luaL_buffinit(L, &b);
  for (i = s; i < e; i++)
    if (t[i] != ' ' && t[i] != '\n' && t[i] != '\t') luaL_addchar(&b, t[i]);
  luaL_pushresult(&b);
}

/* ---- acronyms ---- */
static const char *const abbr_sources[] = { "inline", "glossary" };

/* doc:abbreviations() -> { {short, long, key, start, stop, short_start, short_stop,
 *   long_start, long_stop, source, uses, duplicate_of}, ... } */
static int doc_abbreviations(lua_State *L) {
  Doc *d = check_doc(L, 1);
  const char *t = text_of(d->d);
  size_t n, i;
  const ql_abbrev *a = ql_doc_abbreviations(d->d, &n);
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    uint32_t s = a[i].short_start < a[i].long_start ? a[i].short_start : a[i].long_start;
    uint32_t e = a[i].short_stop > a[i].long_stop ? a[i].short_stop : a[i].long_stop;
    lua_createtable(L, 0, 12);
    set_span_text(L, "short", t, a[i].short_start, a[i].short_stop);
    set_span_text(L, "long", t, a[i].long_start, a[i].long_stop);
    set_lstr(L, "key", t + a[i].short_start, a[i].key_len);
    /* an inline definition ends at its closing parenthesis */
    if (a[i].source == QL_ABBR_INLINE && e < strlen(t) && t[e] == ')') e++;
    set_range(L, "start", "stop", s, e);
    set_range(L, "short_start", "short_stop", a[i].short_start, a[i].short_stop);
    set_range(L, "long_start", "long_stop", a[i].long_start, a[i].long_stop);
    set_str(L, "source", abbr_sources[a[i].source]);
    set_int(L, "uses", a[i].uses);
    if (a[i].first >= 0) set_int(L, "duplicate_of", a[i].first + 1);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

/* doc:acronyms() -> every use: { {text, key, start, stop, definition, long}, ... } */
static int doc_acronyms(lua_State *L) {
  Doc *d = check_doc(L, 1);
  const char *t = text_of(d->d);
  size_t n, na, i;
  const ql_acro_use *u = ql_doc_acronym_uses(d->d, &n);
  const ql_abbrev *a = ql_doc_abbreviations(d->d, &na);
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    lua_createtable(L, 0, 6);
    set_span_text(L, "text", t, u[i].start, u[i].stop);
    set_lstr(L, "key", t + u[i].start, u[i].key_len);
    set_range(L, "start", "stop", u[i].start, u[i].stop);
    if (u[i].def >= 0) {
      set_int(L, "definition", u[i].def + 1);
      set_span_text(L, "long", t, a[u[i].def].long_start, a[u[i].def].long_stop);
    } else set_int(L, "undefined", u[i].undef + 1);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

/* doc:undefined_acronyms() -> { {key, count, start, stop}, ... } (first use) */
static int doc_undefined_acronyms(lua_State *L) {
  Doc *d = check_doc(L, 1);
  const char *t = text_of(d->d);
  size_t n, i;
  const ql_undef_acro *u = ql_doc_undefined_acronyms(d->d, &n);
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    lua_createtable(L, 0, 4);
    set_lstr(L, "key", t + u[i].start, u[i].key_len);
    set_int(L, "count", u[i].count);
    set_range(L, "start", "stop", u[i].start, u[i].start + u[i].key_len);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

/* ---- actors ---- */
static const char *const actor_origins[] = { "builtin", "document", "script" };

static void push_mentions(lua_State *L, const ql_doc *d) {
  const char *t = text_of(d);
  size_t n, na, i;
  const ql_actor_mention *m = ql_doc_actor_mentions(d, &n);
  const ql_actor *a = ql_doc_actors(d, &na);
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    const ql_actor *x = &a[m[i].actor];
    lua_createtable(L, 0, 6);
    set_span_text(L, "name", t, m[i].start, m[i].stop);
    set_lstr(L, "canonical", ql_doc_str(d, x->canonical), x->canonical.len);
    set_range(L, "start", "stop", m[i].start, m[i].stop);
    set_str(L, "origin", actor_origins[x->origin]);
    set_int(L, "actor", m[i].actor + 1);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

/* doc:actors() -> every mention: { {name, canonical, start, stop, origin, actor}, ... } */
static int doc_actors(lua_State *L) {
  Doc *d = check_doc(L, 1);
  push_mentions(L, d->d);
  return 1;
}

/* doc:actor_list() -> the actors mentioned: { {canonical, mentions, origin}, ... } */
static int doc_actor_list(lua_State *L) {
  Doc *d = check_doc(L, 1);
  size_t n, i;
  const ql_actor *a = ql_doc_actors(d->d, &n);
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    lua_createtable(L, 0, 3);
    set_lstr(L, "canonical", ql_doc_str(d->d, a[i].canonical), a[i].canonical.len);
    set_int(L, "mentions", a[i].mentions);
    set_str(L, "origin", actor_origins[a[i].origin]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

/* With a key at -2 and a value at -1 of the entries table: pushes the entry's
 * name and canonical name (each a string or nil). */
static void push_entry(lua_State *L) {
  if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING) {
    lua_pushvalue(L, -2); lua_pushvalue(L, -2);           /* ["Mind"] = "Mind (charity)" */
  } else if (lua_type(L, -1) == LUA_TSTRING) {
    lua_pushvalue(L, -1); lua_pushnil(L);                  /* "Pears" */
  } else if (lua_type(L, -1) == LUA_TTABLE) {
    if (lua_getfield(L, -1, "name") == LUA_TNIL) { lua_pop(L, 1); lua_rawgeti(L, -1, 1); }
    if (lua_getfield(L, -2, "canonical") == LUA_TNIL) { lua_pop(L, 1); lua_rawgeti(L, -2, 2); }
  } else luaL_error(L, "find_actors: entries are names or {name =, canonical =} tables");
  if (lua_type(L, -2) != LUA_TSTRING) luaL_error(L, "find_actors: an entry has no name");
  if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "find_actors: a canonical name must be a string");
}

/* doc:find_actors(list) -> doc:actors()
 * list: { "Pears", {name = "Healthwatch Kent", canonical = "Healthwatch"}, ["Mind"] = "Mind (charity)" }.
 * Re-finds every actor with these names added (the built-in gazetteer and
 * the document's acronyms stay); recommendations get their actors anew. */
static int doc_find_actors(lua_State *L) {
  Doc *d = check_doc(L, 1);
  ql_actor_spec *specs;
  char *buf;
  size_t n = 0, bytes = 0, off;
  ql_status st;
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  /* the names are copied into one userdata: no pointer into a Lua string is kept */
  lua_pushnil(L);
  while (lua_next(L, 2)) {
    size_t a, b = 0;
    push_entry(L);
    lua_tolstring(L, -2, &a);
    if (!lua_isnil(L, -1)) lua_tolstring(L, -1, &b);
    bytes += a + b + 2; n++;
    lua_pop(L, 3);
  }
  specs = (ql_actor_spec *)lua_newuserdatauv(L, (n ? n : 1) * sizeof *specs + bytes + 1, 0);
  buf = (char *)(specs + (n ? n : 1));
  n = 0; off = 0;
  lua_pushnil(L);
  while (lua_next(L, 2)) {
    size_t a, b;
    const char *x, *y;
    push_entry(L);
    x = lua_tolstring(L, -2, &a);
    memcpy(buf + off, x, a); buf[off + a] = '\0';
    specs[n].name = buf + off; specs[n].canonical = NULL;
    off += a + 1;
    if (!lua_isnil(L, -1)) {
      y = lua_tolstring(L, -1, &b);
      memcpy(buf + off, y, b); buf[off + b] = '\0';
      specs[n].canonical = buf + off;
      off += b + 1;
    }
    n++;
    lua_pop(L, 3);
  }
  st = ql_doc_find_actors(d->d, specs, n);
  if (st == QL_ENOMEM) return luaL_error(L, "out of memory");
  if (st != QL_OK) return luaL_error(L, "find_actors: the document has not been read");
  push_mentions(L, d->d);
  return 1;
}

/* ---- quantities ---- */
static void push_flags(lua_State *L, unsigned f) {
  int i = 0;
  lua_createtable(L, 4, 0);
  if (f & QL_QF_GLUED_NOTE) { lua_pushstring(L, "footnote-glued"); lua_rawseti(L, -2, ++i); }
  if (f & QL_QF_OCR_MARKER) { lua_pushstring(L, "ocr-superscript"); lua_rawseti(L, -2, ++i); }
  if (f & QL_QF_CONTRADICTS) { lua_pushstring(L, "direction-contradicts"); lua_rawseti(L, -2, ++i); }
  if (f & QL_QF_APPROX) { lua_pushstring(L, "approximate"); lua_rawseti(L, -2, ++i); }
}

/* doc:quantities() -> { {kind, value, high, unit, text, start, stop, sentence, note, flags}, ... } */
static int doc_quantities(lua_State *L) {
  Doc *d = check_doc(L, 1);
  const char *t = text_of(d->d);
  size_t n, i;
  const ql_quantity *q = ql_doc_quantities(d->d, &n);
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    lua_createtable(L, 0, 10);
    set_str(L, "kind", ql_quantity_kind_name(q[i].kind));
    if (q[i].has_value) {
      if (q[i].value == (double)(lua_Integer)q[i].value) set_int(L, "value", (lua_Integer)q[i].value);
      else { lua_pushnumber(L, q[i].value); lua_setfield(L, -2, "value"); }
    }
    if (q[i].has_high) {
      if (q[i].high == (double)(lua_Integer)q[i].high) set_int(L, "high", (lua_Integer)q[i].high);
      else { lua_pushnumber(L, q[i].high); lua_setfield(L, -2, "high"); }
    }
    if (q[i].unit) set_str(L, "unit", q[i].unit);
    else set_span_text(L, "unit", t, q[i].unit_start, q[i].unit_stop);
    set_span_text(L, "text", t, q[i].start, q[i].stop);
    set_range(L, "start", "stop", q[i].start, q[i].stop);
    if (q[i].sentence >= 0) set_int(L, "sentence", q[i].sentence + 1);
    if (q[i].note >= 0) set_int(L, "note", q[i].note);
    push_flags(L, q[i].flags);
    lua_setfield(L, -2, "flags");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

/* ---- references ---- */
static const char *const doi_status[] = { "ok", "syntax", "spliced-word" };

static void push_ref_fields(lua_State *L, const char *t, ql_span title, ql_span container, ql_span url, ql_span doi,
                            int year, int nd) {
  set_span_text(L, "title", t, title.start, title.stop);
  set_span_text(L, "container", t, container.start, container.stop);
  if (url.stop > url.start) { push_joined(L, t, url.start, url.stop); lua_setfield(L, -2, "url"); }
  if (doi.stop > doi.start) {
    int st = ql_doi_check(t + doi.start, doi.stop - doi.start);
    push_joined(L, t, doi.start, doi.stop); lua_setfield(L, -2, "doi");
    lua_pushboolean(L, st == QL_DOI_OK); lua_setfield(L, -2, "doi_valid");
    if (st != QL_DOI_OK) set_str(L, "doi_damage", doi_status[st]);
  }
  if (year) set_int(L, "year", year);
  else if (nd) set_str(L, "year", "n.d.");
}

/* doc:references() -> { {n, block, start, stop, text, authors, year, title,
 *   container, doi, doi_valid, doi_damage, url, url_moved, ibid, markers}, ... } */
static int doc_references(lua_State *L) {
  Doc *d = check_doc(L, 1);
  const char *t = text_of(d->d);
  size_t n, na, nm, i, k;
  const ql_reference *r = ql_doc_references(d->d, &n);
  const ql_span *au = ql_doc_reference_authors(d->d, &na);
  const ql_span *mk = ql_doc_reference_markers(d->d, &nm);
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    lua_createtable(L, 0, 16);
    if (r[i].n >= 0) set_int(L, "n", r[i].n);
    if (r[i].block >= 0) set_int(L, "block", r[i].block + 1);
    set_range(L, "start", "stop", r[i].start, r[i].stop);
    set_span_text(L, "text", t, r[i].start, r[i].stop);
    lua_createtable(L, (int)r[i].nauthors, 0);
    for (k = 0; k < r[i].nauthors; k++) {
      const ql_span *s = &au[r[i].first_author + k];
      lua_pushlstring(L, t + s->start, s->stop - s->start);
      lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_setfield(L, -2, "authors");
    push_ref_fields(L, t, r[i].title, r[i].container, r[i].url, r[i].doi, r[i].year, r[i].nd);
    if (r[i].url_moved) { lua_pushboolean(L, 1); lua_setfield(L, -2, "url_moved"); }
    if (r[i].ibid >= 0) set_int(L, "ibid", r[i].ibid + 1);
    lua_createtable(L, (int)r[i].nmarkers, 0);
    for (k = 0; k < r[i].nmarkers; k++) {
      const ql_span *s = &mk[r[i].first_marker + k];
      lua_createtable(L, 0, 2);
      set_range(L, "start", "stop", s->start, s->stop);
      lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_setfield(L, -2, "markers");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

/* ---- recommendations ---- */
static int form_before(const ql_vocab *v, uint32_t a, uint32_t b) {
  size_t la, lb;
  const char *fa = ql_vocab_form(v, a, &la), *fb = ql_vocab_form(v, b, &lb);
  int c = memcmp(fa, fb, la < lb ? la : lb);
  return c ? c < 0 : la < lb;
}

/* A recommendation's key: its content words in alphabetical order (the
 * core keeps them by vocabulary id, which differs between vocabularies). */
static void push_key(lua_State *L, const ql_doc *d, const uint32_t *keys, uint32_t first, uint32_t n) {
  const ql_vocab *v = ql_doc_vocab(d);
  uint32_t ids[128], i, j;
  luaL_Buffer b;
  if (n > 128) n = 128; /* the core keeps at most 128 */
  for (i = 0; i < n; i++) { /* insertion sort: a key has a few dozen words */
    uint32_t x = keys[first + i];
    for (j = i; j > 0 && form_before(v, x, ids[j - 1]); j--) ids[j] = ids[j - 1];
    ids[j] = x;
  }
  luaL_buffinit(L, &b);
  for (i = 0; i < n; i++) {
    size_t fl;
    const char *f = ql_vocab_form(v, ids[i], &fl);
    if (i) luaL_addchar(&b, ' ');
    luaL_addlstring(&b, f, fl);
  }
  luaL_pushresult(&b);
}

static const char *const hz_sources[] = { NULL, "heading", "group" };

/* doc:recommendations() -> { {text, start, stop, kind, actors, action, cue,
 *   horizon, horizon_source, section, section_title, heading, group, key, block}, ... } */
static int doc_recommendations(lua_State *L) {
  Doc *d = check_doc(L, 1);
  const char *t = text_of(d->d);
  size_t n, na, nk, nact, nsec, nb, i, k;
  const ql_recommendation *r = ql_doc_recommendations(d->d, &n);
  const int32_t *ra = ql_doc_recommendation_actors(d->d, &na);
  const uint32_t *keys = ql_doc_recommendation_keys(d->d, &nk);
  const ql_actor *actors = ql_doc_actors(d->d, &nact);
  const ql_section *secs = ql_doc_sections(d->d, &nsec);
  const ql_block *blocks = ql_doc_blocks(d->d, &nb);
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    const ql_recommendation *x = &r[i];
    lua_createtable(L, 0, 16);
    set_span_text(L, "text", t, x->start, x->stop);
    set_range(L, "start", "stop", x->start, x->stop);
    set_str(L, "kind", x->origin == QL_REC_LIST ? "list" : "sentence");
    lua_createtable(L, (int)x->nactors, 0);
    for (k = 0; k < x->nactors; k++) {
      const ql_actor *a = &actors[ra[x->first_actor + k]];
      lua_pushlstring(L, ql_doc_str(d->d, a->canonical), a->canonical.len);
      lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_setfield(L, -2, "actors");
    set_span_text(L, "action", t, x->action_start, x->action_stop);
    set_span_text(L, "cue", t, x->cue_start, x->cue_stop);
    set_str(L, "horizon", ql_horizon_name(x->horizon));
    if (hz_sources[x->horizon_src]) set_str(L, "horizon_source", hz_sources[x->horizon_src]);
    if (x->section >= 0) {
      set_int(L, "section", x->section + 1);
      set_lstr(L, "section_title", ql_doc_str(d->d, secs[x->section].title), secs[x->section].title.len);
    }
    if (x->heading_section >= 0)
      set_lstr(L, "heading", ql_doc_str(d->d, secs[x->heading_section].title), secs[x->heading_section].title.len);
    else if (x->heading_block >= 0)
      set_span_text(L, "heading", t, blocks[x->heading_block].start, blocks[x->heading_block].stop);
    set_int(L, "group", x->group + 1);
    set_int(L, "block", x->block + 1);
    push_key(L, d->d, keys, x->first_key, x->nkey);
    lua_setfield(L, -2, "key");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

/* doc:recommendation_groups() -> { {id, horizon, size, members = {i...}}, ... } */
static int doc_recommendation_groups(lua_State *L) {
  Doc *d = check_doc(L, 1);
  size_t n, ng, i;
  const ql_recommendation *r = ql_doc_recommendations(d->d, &n);
  const ql_rec_group *g = ql_doc_recommendation_groups(d->d, &ng);
  lua_createtable(L, (int)ng, 0);
  for (i = 0; i < ng; i++) {
    lua_createtable(L, 0, 4);
    set_int(L, "id", (lua_Integer)i + 1);
    set_str(L, "horizon", ql_horizon_name(g[i].horizon));
    set_int(L, "size", g[i].size);
    lua_createtable(L, (int)g[i].size, 0);
    lua_setfield(L, -2, "members");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  for (i = 0; i < n; i++) {
    lua_rawgeti(L, -1, r[i].group + 1);
    lua_getfield(L, -1, "members");
    lua_pushinteger(L, (lua_Integer)i + 1);
    lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
    lua_pop(L, 2);
  }
  return 1;
}

/* ---- functions on strings ---- */
static void abbr_cb(void *ud, uint32_t ss, uint32_t se, uint32_t ls, uint32_t le) {
  lua_State *L = (lua_State *)ud;
  const char *s = lua_tostring(L, 1);
  lua_Integer n = (lua_Integer)luaL_len(L, -1);
  lua_createtable(L, 0, 6);
  set_lstr(L, "short", s + ss, se - ss);
  set_lstr(L, "long", s + ls, le - ls);
  set_range(L, "short_start", "short_stop", ss, se);
  set_range(L, "long_start", "long_stop", ls, le);
  lua_rawseti(L, -2, n + 1);
}

typedef struct { lua_State *L; const char *s; } split_ctx;

static void sentence_cb(void *ud, uint32_t s, uint32_t e) {
  split_ctx *c = (split_ctx *)ud;
  ql_abbrev_scan_sentence(c->s, s, e, abbr_cb, c->L);
}

/* abbreviations_in(str) -> { {short, long, short_start, ...}, ... }: Schwartz-Hearst over a string */
static int l_abbreviations_in(lua_State *L) {
  size_t n;
  split_ctx c;
  c.s = luaL_checklstring(L, 1, &n);
  c.L = L;
  luaL_argcheck(L, n < UINT32_MAX, 1, "string too long");
  lua_settop(L, 1);
  lua_newtable(L);
  ql_split_sentences(c.s, 0, (uint32_t)n, sentence_cb, &c);
  return 1;
}

/* find_long_form(short, candidate) -> the long form ending candidate | nil:
 * the inner search of Schwartz-Hearst (with the initials-first pass) */
static int l_find_long_form(lua_State *L) {
  size_t ns, nc;
  const char *sf = luaL_checklstring(L, 1, &ns), *cand = luaL_checklstring(L, 2, &nc);
  luaL_Buffer b;
  const char *all;
  uint32_t ls;
  luaL_argcheck(L, ns + nc < UINT32_MAX / 2, 2, "string too long");
  luaL_buffinit(L, &b);
  luaL_addlstring(&b, cand, nc);
  luaL_addchar(&b, ' ');
  luaL_addlstring(&b, sf, ns);
  luaL_pushresult(&b);
  all = lua_tostring(L, -1);
  ls = ql_abbrev_long_form(all, (uint32_t)nc + 1, (uint32_t)(nc + 1 + ns), 0, (uint32_t)nc);
  if (ls == UINT32_MAX) { luaL_pushfail(L); return 1; }
  lua_pushlstring(L, all + ls, nc - ls);
  return 1;
}

/* glossary_line(str) -> short, long | nil */
static int l_glossary_line(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  uint32_t ss, se, ls, le;
  luaL_argcheck(L, n < UINT32_MAX, 1, "string too long");
  if (!ql_abbrev_glossary_line(s, 0, (uint32_t)n, &ss, &se, &ls, &le)) { luaL_pushfail(L); return 1; }
  lua_pushlstring(L, s + ss, se - ss);
  lua_pushlstring(L, s + ls, le - ls);
  return 2;
}

/* doi_syntax(str) -> boolean: 10.<registrant>[.<sub>]/<suffix> */
static int l_doi_syntax(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  lua_pushboolean(L, ql_doi_syntax(s, n));
  return 1;
}

/* doi_check(str) -> "ok" | "syntax" | "spliced-word" */
static int l_doi_check(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  lua_pushstring(L, doi_status[ql_doi_check(s, n)]);
  return 1;
}

/* doi(str) -> doi, how ("bare" | "declared" | "url" | "url-without-protocol") | nil */
static int l_doi(lua_State *L) {
  static const char *const hows[] = { "bare", "declared", "url", "url-without-protocol" };
  size_t n, off;
  int how;
  const char *s = luaL_checklstring(L, 1, &n);
  if (!ql_doi_parse(s, n, &off, &how)) { luaL_pushfail(L); return 1; }
  lua_pushlstring(L, s + off, n - off);
  lua_pushstring(L, hows[how]);
  return 2;
}

/* find_doi(str) -> doi, start, stop | nil */
static int l_find_doi(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  uint32_t ds, de;
  luaL_argcheck(L, n < UINT32_MAX, 1, "string too long");
  if (!ql_doi_find(s, 0, (uint32_t)n, &ds, &de)) { luaL_pushfail(L); return 1; }
  lua_pushlstring(L, s + ds, de - ds);
  lua_pushinteger(L, (lua_Integer)ds + 1);
  lua_pushinteger(L, (lua_Integer)de);
  return 3;
}

/* parse_reference(str) -> {authors, year, title, container, doi, doi_valid, url, ibid} */
static int l_parse_reference(lua_State *L) {
  size_t n, k;
  const char *s = luaL_checklstring(L, 1, &n);
  ql_ref_parse *p;
  luaL_argcheck(L, n < UINT32_MAX, 1, "string too long");
  p = (ql_ref_parse *)lua_newuserdatauv(L, sizeof *p, 0);
  ql_reference_parse(s, 0, (uint32_t)n, p);
  lua_createtable(L, 0, 8);
  lua_createtable(L, (int)p->nauthors, 0);
  for (k = 0; k < p->nauthors; k++) {
    lua_pushlstring(L, s + p->authors[k].start, p->authors[k].stop - p->authors[k].start);
    lua_rawseti(L, -2, (lua_Integer)k + 1);
  }
  lua_setfield(L, -2, "authors");
  push_ref_fields(L, s, p->title, p->container, p->url, p->doi, p->year, p->nd);
  if (p->ibid) { lua_pushboolean(L, 1); lua_setfield(L, -2, "ibid"); }
  return 1;
}

/* doc:annotate() -> doc: computes the annotations now rather than on the
 * first call that needs them (to time them, or before handing the
 * document to code that must not allocate). */
static int doc_annotate(lua_State *L) {
  check_doc(L, 1);
  lua_settop(L, 1);
  return 1;
}

static const luaL_Reg doc_methods[] = {
  {"annotate", doc_annotate}, {"abbreviations", doc_abbreviations}, {"acronyms", doc_acronyms},
  {"undefined_acronyms", doc_undefined_acronyms}, {"actors", doc_actors},
  {"actor_list", doc_actor_list}, {"find_actors", doc_find_actors},
  {"quantities", doc_quantities}, {"references", doc_references},
  {"recommendations", doc_recommendations}, {"recommendation_groups", doc_recommendation_groups},
  {NULL, NULL}
};

static const luaL_Reg funcs[] = {
  {"abbreviations_in", l_abbreviations_in}, {"glossary_line", l_glossary_line},
  {"find_long_form", l_find_long_form},
  {"doi_syntax", l_doi_syntax}, {"doi_check", l_doi_check}, {"doi", l_doi},
  {"find_doi", l_find_doi}, {"parse_reference", l_parse_reference}, {NULL, NULL}
};

void ql_lua_open_annotations(lua_State *L) {
  luaL_setfuncs(L, funcs, 0);
  lua_getfield(L, -1, "Doc");
  luaL_setfuncs(L, doc_methods, 0);
  lua_pop(L, 1);
}
