/* annot_binding.c - placeholder until the annotations land. */
#include "annot_binding.h"

void ql_lua_open_annotations(lua_State *L) { (void)L; }
