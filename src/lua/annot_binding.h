/* annot_binding.h - the annotations' part of qualua.core. */
#ifndef QL_ANNOT_BINDING_H
#define QL_ANNOT_BINDING_H
#include <lua.h>
/* Adds the annotation accessors (Doc methods) to the module table on top of the stack. */
void ql_lua_open_annotations(lua_State *L);
#endif
