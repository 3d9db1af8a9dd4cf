/* test_host.c - qualua embedded in a host: two lua_States in two threads read
 * the seeds at once and must agree; a state whose allocator caps memory gets
 * a Lua error, not a crash, when a document does not fit. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

typedef struct { size_t used, cap; } Budget;

static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  Budget *b = (Budget *)ud;
  size_t old = ptr ? osize : 0;
  if (nsize == 0) { free(ptr); b->used -= old; return NULL; }
  if (b->cap && b->used - old + nsize > b->cap) return NULL;
  {
    void *p = realloc(ptr, nsize);
    if (p) b->used = b->used - old + nsize;
    return p;
  }
}

static const char *script =
  "package.cpath = 'build/?.so;' .. package.cpath\n"
  "package.path = 'lua/?.lua;lua/?/init.lua;' .. package.path\n"
  "local qualua = require 'qualua'\n"
  "local total = 0\n"
  "for round = 1, 20 do\n"
  "  for _, f in ipairs(qualua.files('seeds')) do\n"
  "    local d = qualua.read(f)\n"
  "    total = total + d:count('token') + d:count('sentence') + #d\n"
  "  end\n"
  "  collectgarbage()\n"
  "end\n"
  "return total\n";

typedef struct { Budget budget; long long result; char err[256]; } Job;

static void *run(void *arg) {
  Job *j = (Job *)arg;
  lua_State *L = lua_newstate(capped_alloc, &j->budget);
  j->result = -1;
  if (!L) { snprintf(j->err, sizeof j->err, "cannot create state"); return NULL; }
  luaL_openlibs(L);
  if (luaL_dostring(L, script) != LUA_OK) snprintf(j->err, sizeof j->err, "%s", lua_tostring(L, -1));
  else j->result = (long long)lua_tointeger(L, -1);
  lua_close(L);
  return NULL;
}

int main(void) {
  Job a, b, small;
  pthread_t ta, tb;
  int fails = 0, passed = 0;
  memset(&a, 0, sizeof a); memset(&b, 0, sizeof b); memset(&small, 0, sizeof small);
  pthread_create(&ta, NULL, run, &a);
  pthread_create(&tb, NULL, run, &b);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  if (a.result <= 0 || a.result != b.result) {
    fprintf(stderr, "FAIL: two states disagree or failed: %lld vs %lld (%s %s)\n", a.result, b.result, a.err, b.err);
    fails++;
  } else passed++;
  /* 600 KB is enough for Lua and the module, not for 20 rounds of the seeds' models at once */
  small.budget.cap = 600 * 1024;
  run(&small);
  if (small.result != -1 || strstr(small.err, "memory") == NULL) {
    fprintf(stderr, "FAIL: a capped state should fail with a memory error, got %lld (%s)\n", small.result, small.err);
    fails++;
  } else passed++;
  if (small.budget.used != 0) { fprintf(stderr, "FAIL: capped state leaked %zu bytes\n", small.budget.used); fails++; }
  else passed++;
  printf("%d passed, %d failed\n", passed, fails);
  return fails ? 1 : 0;
}
