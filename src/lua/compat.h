/* compat.h - qualua targets Lua 5.4 only. */
#ifndef QL_COMPAT_H
#define QL_COMPAT_H
#include <lua.h>
#if LUA_VERSION_NUM < 504
#error "qualua needs Lua 5.4"
#endif
#endif
