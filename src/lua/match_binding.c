/* match_binding.c - placeholder until the matcher lands. */
#include "match_binding.h"

void ql_lua_open_match(lua_State *L) { (void)L; }
