/* store_binding.c - the store's part of qualua.core: a minimal SQLite
 * binding (just what lua/qualua/store.lua needs), the document model as a
 * blob (doc:save_blob, load_blob) and the content hash.
 *
 * A Db owns its sqlite3 handle; each Stmt keeps its Db alive through its
 * user value, and the Db keeps a weak set of its statements so closing it
 * finalizes them first.  close, __gc and __close are one idempotent
 * function for both.  SQLite errors are raised with SQLite's own message;
 * db:errcode() gives the code of the last one. */
#include <stdio.h>
#include <string.h>
#include <sqlite3.h>
#include <lauxlib.h>
#include "compat.h"
#include "../qualua.h"
#include "../serialize.h"
#include "store_binding.h"
#include "doc_binding.h"

#define DB_MT "qualua.sqlite.Db"
#define STMT_MT "qualua.sqlite.Stmt"

typedef struct { sqlite3 *db; } Db;       /* user value 1: weak set of its Stmts */
typedef struct { sqlite3_stmt *st; sqlite3 *db; } Stmt; /* user value 1: its Db */

/* ---- databases ---- */
static Db *check_db(lua_State *L, int idx) {
  Db *db = (Db *)luaL_checkudata(L, idx, DB_MT);
  if (!db->db) luaL_error(L, "database is closed");
  return db;
}

static int db_close(lua_State *L) {
  Db *db = (Db *)luaL_checkudata(L, 1, DB_MT);
  if (!db->db) return 0;
  /* finalize the statements first: SQLite keeps a handle with live
   * statements open as a zombie */
  if (lua_getiuservalue(L, 1, 1) == LUA_TTABLE) {
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      Stmt *s = (Stmt *)luaL_testudata(L, -2, STMT_MT);
      if (s && s->st) { sqlite3_finalize(s->st); s->st = NULL; s->db = NULL; }
      lua_pop(L, 1);
    }
  }
  lua_pop(L, 1);
  sqlite3_close_v2(db->db);
  db->db = NULL;
  return 0;
}

static const char *const open_modes[] = { "rwc", "rw", "ro", NULL };
static const int open_flags[] = {
  SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, SQLITE_OPEN_READWRITE, SQLITE_OPEN_READONLY
};

/* sqlite_open(path [, mode]) -> Db; mode "rwc" (default: create if
 * missing), "rw" or "ro". */
static int l_sqlite_open(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  int mode = luaL_checkoption(L, 2, "rwc", open_modes);
  Db *db = (Db *)lua_newuserdatauv(L, sizeof *db, 1);
  sqlite3 *h = NULL;
  int rc;
  db->db = NULL;
  luaL_setmetatable(L, DB_MT);
  lua_newtable(L);                       /* the weak set of statements */
  lua_createtable(L, 0, 1);
  lua_pushliteral(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_setiuservalue(L, -2, 1);
  rc = sqlite3_open_v2(path, &h, open_flags[mode], NULL);
  if (rc != SQLITE_OK) {
    lua_pushfstring(L, "%s: %s", path, h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
    sqlite3_close_v2(h);
    return lua_error(L);
  }
  db->db = h;
  sqlite3_extended_result_codes(h, 1);
  return 1;
}

static int db_error(lua_State *L, sqlite3 *h) {
  return luaL_error(L, "%s", sqlite3_errmsg(h));
}

/* db:exec(sql): runs one or more statements that return nothing useful. */
static int db_exec(lua_State *L) {
  Db *db = check_db(L, 1);
  const char *sql = luaL_checkstring(L, 2);
  char *msg = NULL;
  if (sqlite3_exec(db->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    lua_pushstring(L, msg ? msg : sqlite3_errmsg(db->db));
    sqlite3_free(msg);
    return lua_error(L);
  }
  return 0;
}

static int only_space(const char *s) {
  for (; *s; s++) if (*s != ' ' && *s != '\n' && *s != '\t' && *s != '\r' && *s != ';') return 0;
  return 1;
}

/* db:prepare(sql) -> Stmt for exactly one statement */
static int db_prepare(lua_State *L) {
  Db *db = check_db(L, 1);
  size_t len;
  const char *sql = luaL_checklstring(L, 2, &len), *tail = NULL;
  Stmt *s = (Stmt *)lua_newuserdatauv(L, sizeof *s, 1);
  s->st = NULL; s->db = NULL;
  luaL_setmetatable(L, STMT_MT);
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, -2, 1);           /* the statement keeps its Db alive */
  if (sqlite3_prepare_v2(db->db, sql, (int)len, &s->st, &tail) != SQLITE_OK) return db_error(L, db->db);
  if (!s->st) return luaL_error(L, "no SQL statement in \"%s\"", sql);
  s->db = db->db;
  if (tail && !only_space(tail)) {
    sqlite3_finalize(s->st); s->st = NULL; s->db = NULL;
    return luaL_error(L, "prepare takes one statement; left over: \"%s\"", tail);
  }
  lua_getiuservalue(L, 1, 1);
  lua_pushvalue(L, -2);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  return 1;
}

static int db_last_insert_rowid(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)sqlite3_last_insert_rowid(check_db(L, 1)->db));
  return 1;
}

static int db_changes(lua_State *L) {
  lua_pushinteger(L, sqlite3_changes(check_db(L, 1)->db));
  return 1;
}

static int db_busy_timeout(lua_State *L) {
  Db *db = check_db(L, 1);
  lua_Integer ms = luaL_checkinteger(L, 2);
  luaL_argcheck(L, ms >= 0 && ms <= 0x7fffffff, 2, "timeout out of range");
  sqlite3_busy_timeout(db->db, (int)ms);
  return 0;
}

/* db:errcode() -> extended result code of the last call, and its text */
static int db_errcode(lua_State *L) {
  Db *db = check_db(L, 1);
  int rc = sqlite3_extended_errcode(db->db);
  lua_pushinteger(L, rc);
  lua_pushstring(L, sqlite3_errstr(rc));
  return 2;
}

/* db:autocommit() -> true outside an explicit transaction */
static int db_autocommit(lua_State *L) {
  lua_pushboolean(L, sqlite3_get_autocommit(check_db(L, 1)->db));
  return 1;
}

static int db_is_open(lua_State *L) {
  Db *db = (Db *)luaL_checkudata(L, 1, DB_MT);
  lua_pushboolean(L, db->db != NULL);
  return 1;
}

/* ---- statements ---- */
static Stmt *check_stmt(lua_State *L, int idx) {
  Stmt *s = (Stmt *)luaL_checkudata(L, idx, STMT_MT);
  if (!s->st) luaL_error(L, "statement is finalized");
  return s;
}

static int stmt_finalize(lua_State *L) {
  Stmt *s = (Stmt *)luaL_checkudata(L, 1, STMT_MT);
  if (s->st) { sqlite3_finalize(s->st); s->st = NULL; s->db = NULL; }
  return 0;
}

/* A parameter: 1-based index, or a name with its prefix (":id"). */
static int param_index(lua_State *L, Stmt *s, int idx) {
  int i;
  if (lua_type(L, idx) == LUA_TSTRING) {
    const char *name = lua_tostring(L, idx);
    i = sqlite3_bind_parameter_index(s->st, name);
    if (i == 0) luaL_error(L, "no parameter named '%s'", name);
    return i;
  }
  {
    lua_Integer k = luaL_checkinteger(L, idx);
    luaL_argcheck(L, k >= 1 && k <= sqlite3_bind_parameter_count(s->st), idx, "parameter index out of range");
    return (int)k;
  }
}

static void bind_checked(lua_State *L, Stmt *s, int rc) {
  if (rc != SQLITE_OK) luaL_error(L, "bind: %s", sqlite3_errmsg(s->db));
}

/* Binds the Lua value at vidx: nil, boolean (0/1), integer, float, string (as TEXT). */
static void bind_value(lua_State *L, Stmt *s, int i, int vidx) {
  int rc;
  switch (lua_type(L, vidx)) {
  case LUA_TNIL: case LUA_TNONE: rc = sqlite3_bind_null(s->st, i); break;
  case LUA_TBOOLEAN: rc = sqlite3_bind_int(s->st, i, lua_toboolean(L, vidx)); break;
  case LUA_TNUMBER:
    if (lua_isinteger(L, vidx)) rc = sqlite3_bind_int64(s->st, i, (sqlite3_int64)lua_tointeger(L, vidx));
    else rc = sqlite3_bind_double(s->st, i, lua_tonumber(L, vidx));
    break;
  case LUA_TSTRING: {
    size_t n;
    const char *v = lua_tolstring(L, vidx, &n);
    rc = sqlite3_bind_text64(s->st, i, v, (sqlite3_uint64)n, SQLITE_TRANSIENT, SQLITE_UTF8);
    break;
  }
  default:
    luaL_error(L, "cannot bind a %s to parameter %d", luaL_typename(L, vidx), i);
    return;
  }
  bind_checked(L, s, rc);
}

/* st:bind(param, value) */
static int stmt_bind(lua_State *L) {
  Stmt *s = check_stmt(L, 1);
  bind_value(L, s, param_index(L, s, 2), 3);
  lua_settop(L, 1);
  return 1;
}

/* st:bind_blob(param, string): the bytes as a BLOB */
static int stmt_bind_blob(lua_State *L) {
  Stmt *s = check_stmt(L, 1);
  int i = param_index(L, s, 2);
  size_t n;
  const char *v = luaL_checklstring(L, 3, &n);
  bind_checked(L, s, sqlite3_bind_blob64(s->st, i, v, (sqlite3_uint64)n, SQLITE_TRANSIENT));
  lua_settop(L, 1);
  return 1;
}

/* st:bind_values(v1, v2, ...): parameters 1..n in order */
static int stmt_bind_values(lua_State *L) {
  Stmt *s = check_stmt(L, 1);
  int n = lua_gettop(L) - 1, i;
  if (n != sqlite3_bind_parameter_count(s->st))
    return luaL_error(L, "%d values for %d parameters", n, sqlite3_bind_parameter_count(s->st));
  for (i = 1; i <= n; i++) bind_value(L, s, i, i + 1);
  lua_settop(L, 1);
  return 1;
}

/* st:bind_names(t): each named parameter (:x, @x, $x) from t.x; absent keys bind NULL */
static int stmt_bind_names(lua_State *L) {
  Stmt *s = check_stmt(L, 1);
  int n, i;
  luaL_checktype(L, 2, LUA_TTABLE);
  n = sqlite3_bind_parameter_count(s->st);
  for (i = 1; i <= n; i++) {
    const char *name = sqlite3_bind_parameter_name(s->st, i);
    if (!name) return luaL_error(L, "parameter %d has no name", i);
    lua_getfield(L, 2, name + 1);
    bind_value(L, s, i, -1);
    lua_pop(L, 1);
  }
  lua_settop(L, 1);
  return 1;
}

/* st:step() -> true when a row is ready, false when done; raises on error
 * (and resets the statement, so it can run again). */
static int stmt_step(lua_State *L) {
  Stmt *s = check_stmt(L, 1);
  int rc = sqlite3_step(s->st);
  if (rc == SQLITE_ROW) { lua_pushboolean(L, 1); return 1; }
  if (rc == SQLITE_DONE) { lua_pushboolean(L, 0); return 1; }
  lua_pushstring(L, sqlite3_errmsg(s->db));
  sqlite3_reset(s->st);
  return lua_error(L);
}

static void push_column(lua_State *L, sqlite3_stmt *st, int i) {
  switch (sqlite3_column_type(st, i)) {
  case SQLITE_INTEGER: lua_pushinteger(L, (lua_Integer)sqlite3_column_int64(st, i)); break;
  case SQLITE_FLOAT: lua_pushnumber(L, sqlite3_column_double(st, i)); break;
  case SQLITE_TEXT:
    lua_pushlstring(L, (const char *)sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i));
    break;
  case SQLITE_BLOB: {
    const void *p = sqlite3_column_blob(st, i);
    lua_pushlstring(L, p ? (const char *)p : "", (size_t)sqlite3_column_bytes(st, i));
    break;
  }
  default: lua_pushnil(L); break;
  }
}

static int check_col(lua_State *L, Stmt *s, int idx) {
  lua_Integer i = luaL_checkinteger(L, idx);
  luaL_argcheck(L, i >= 1 && i <= sqlite3_column_count(s->st), idx, "column index out of range");
  return (int)i - 1;
}

/* st:column(i) -> value of column i (1-based) of the current row */
static int stmt_column(lua_State *L) {
  Stmt *s = check_stmt(L, 1);
  push_column(L, s->st, check_col(L, s, 2));
  return 1;
}

/* st:values() -> every column of the current row, as multiple values */
static int stmt_values(lua_State *L) {
  Stmt *s = check_stmt(L, 1);
  int n = sqlite3_data_count(s->st), i;
  luaL_checkstack(L, n, "too many columns");
  for (i = 0; i < n; i++) push_column(L, s->st, i);
  return n;
}

/* st:named() -> { column_name = value, ... } for the current row */
static int stmt_named(lua_State *L) {
  Stmt *s = check_stmt(L, 1);
  int n = sqlite3_data_count(s->st), i;
  lua_createtable(L, 0, n);
  for (i = 0; i < n; i++) {
    push_column(L, s->st, i);
    lua_setfield(L, -2, sqlite3_column_name(s->st, i));
  }
  return 1;
}

static int stmt_column_count(lua_State *L) {
  lua_pushinteger(L, sqlite3_column_count(check_stmt(L, 1)->st));
  return 1;
}

static int stmt_column_name(lua_State *L) {
  Stmt *s = check_stmt(L, 1);
  lua_pushstring(L, sqlite3_column_name(s->st, check_col(L, s, 2)));
  return 1;
}

/* st:reset(): ready to run again; bindings are kept */
static int stmt_reset(lua_State *L) {
  Stmt *s = check_stmt(L, 1);
  sqlite3_reset(s->st);
  lua_settop(L, 1);
  return 1;
}

static int stmt_clear_bindings(lua_State *L) {
  Stmt *s = check_stmt(L, 1);
  sqlite3_clear_bindings(s->st);
  lua_settop(L, 1);
  return 1;
}

/* ---- the model as a blob ---- */

/* Runs under lua_pcall so a memory error while making the string cannot
 * leak the C blob. */
static int push_bytes(lua_State *L) {
  const char *p = (const char *)lua_touserdata(L, 1);
  lua_pushlstring(L, p, (size_t)lua_tointeger(L, 2));
  return 1;
}

static int opt_false(lua_State *L, int idx, const char *key) {
  int r;
  if (lua_isnoneornil(L, idx)) return 0;
  luaL_checktype(L, idx, LUA_TTABLE);
  lua_getfield(L, idx, key);
  r = lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1);
  lua_pop(L, 1);
  return r;
}

/* doc:save_blob([opts]) -> string holding the whole model (see serialize.h);
 * opts.source = false / opts.text = false leave those out (the caller keeps
 * them and gives them back to load_blob). */
static int doc_save_blob(lua_State *L) {
  Doc *d = ql_lua_check_doc(L, 1);
  char *blob;
  size_t len;
  int rc;
  unsigned flags = (opt_false(L, 2, "source") ? QL_SAVE_NO_SOURCE : 0u) | (opt_false(L, 2, "text") ? QL_SAVE_NO_TEXT : 0u);
  if (ql_doc_save(d->d, flags, &blob, &len) != QL_OK) return luaL_error(L, "out of memory while saving a document model");
  lua_pushcfunction(L, push_bytes);
  lua_pushlightuserdata(L, blob);
  lua_pushinteger(L, (lua_Integer)len);
  rc = lua_pcall(L, 2, 1, 0);
  ql_doc_blob_free(d->d, blob, len);
  if (rc != LUA_OK) return lua_error(L);
  return 1;
}

/* load_blob(blob [, corpus [, source [, text]]]) -> Doc, with the token
 * forms interned in the corpus vocabulary (or a private one); source and
 * text are needed when the blob was saved without them.  Raises on a
 * damaged blob or on parts that are not the ones saved. */
static int l_load_blob(lua_State *L) {
  size_t len;
  const char *blob = luaL_checklstring(L, 1, &len);
  Corpus *c = lua_isnoneornil(L, 2) ? NULL : (Corpus *)luaL_checkudata(L, 2, CORPUS_MT);
  Doc *d;
  char err[256];
  ql_status st;
  ql_blob_parts parts;
  parts.source = luaL_optlstring(L, 3, NULL, &parts.srclen);
  parts.text = luaL_optlstring(L, 4, NULL, &parts.textlen);
  luaL_argcheck(L, !c || c->v, 2, "corpus is closed");
  d = ql_lua_push_doc(L, 2);   /* same shape as parse's Docs */
  luaL_setmetatable(L, DOC_MT);
  if (c) { lua_pushvalue(L, 2); lua_setiuservalue(L, -2, 1); }
  d->d = ql_doc_new(ql_lua_doc_alloc, d, c ? c->v : NULL);
  if (!d->d) return luaL_error(L, "out of memory");
  st = ql_doc_load(d->d, blob, len, &parts, err, sizeof err);
  if (st != QL_OK) {
    ql_doc_free(d->d); d->d = NULL;
    return luaL_error(L, "%s", err);
  }
  ql_lua_doc_account(L, d);
  return 1;
}

/* hash64(bytes [, seed]) -> 16 hex digits (seed: an integer, default 0) */
static int l_hash64(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  uint64_t h = ql_hash64(s, n, (uint64_t)luaL_optinteger(L, 2, 0));
  char hex[17];
  snprintf(hex, sizeof hex, "%08lx%08lx", (unsigned long)(h >> 32), (unsigned long)(h & 0xffffffffUL));
  lua_pushlstring(L, hex, 16);
  return 1;
}

static const luaL_Reg db_methods[] = {
  {"exec", db_exec}, {"prepare", db_prepare}, {"last_insert_rowid", db_last_insert_rowid},
  {"changes", db_changes}, {"busy_timeout", db_busy_timeout}, {"errcode", db_errcode},
  {"autocommit", db_autocommit}, {"is_open", db_is_open}, {"close", db_close}, {NULL, NULL}
};
static const luaL_Reg db_meta[] = { {"__gc", db_close}, {"__close", db_close}, {"__index", NULL}, {NULL, NULL} };
static const luaL_Reg stmt_methods[] = {
  {"bind", stmt_bind}, {"bind_blob", stmt_bind_blob}, {"bind_values", stmt_bind_values},
  {"bind_names", stmt_bind_names}, {"step", stmt_step}, {"column", stmt_column},
  {"values", stmt_values}, {"named", stmt_named}, {"column_count", stmt_column_count},
  {"column_name", stmt_column_name}, {"reset", stmt_reset}, {"clear_bindings", stmt_clear_bindings},
  {"finalize", stmt_finalize}, {"close", stmt_finalize}, {NULL, NULL}
};
static const luaL_Reg stmt_meta[] = { {"__gc", stmt_finalize}, {"__close", stmt_finalize}, {"__index", NULL}, {NULL, NULL} };
static const luaL_Reg funcs[] = {
  {"sqlite_open", l_sqlite_open}, {"load_blob", l_load_blob}, {"hash64", l_hash64}, {NULL, NULL}
};

static void new_type(lua_State *L, const char *name, const luaL_Reg *meta, const luaL_Reg *methods) {
  luaL_newmetatable(L, name);   /* refilled on a second require */
  luaL_setfuncs(L, meta, 0);
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}

void ql_lua_open_store(lua_State *L) {
  luaL_setfuncs(L, funcs, 0);
  lua_pushstring(L, sqlite3_libversion());
  lua_setfield(L, -2, "sqlite_version");
  new_type(L, DB_MT, db_meta, db_methods);
  new_type(L, STMT_MT, stmt_meta, stmt_methods);
  if (lua_getfield(L, -1, "Doc") == LUA_TTABLE) {
    lua_pushcfunction(L, doc_save_blob);
    lua_setfield(L, -2, "save_blob");
  }
  lua_pop(L, 1);
}
