/* match_binding.h - the codebook matcher's part of qualua.core. */
#ifndef QL_MATCH_BINDING_H
#define QL_MATCH_BINDING_H
#include <lua.h>
/* Adds the matcher's functions and types to the module table on top of the stack. */
void ql_lua_open_match(lua_State *L);
#endif
