rockspec_format = "3.0"
package = "qualua"
version = "scm-1"
source = { url = "git+file://." }
description = {
  summary = "Read, model and analyse policy and research documents",
  detailed = [[
A C core that parses citation exports, scraped article pages, research-portal
pages and PDF-extracted reports into a precise document model (sections,
blocks, sentences, tokens, footnotes, every span traceable to its source
bytes), exposed as a Lua 5.4 module with codebooks, analyses and a command.]],
  license = "MIT",
}
dependencies = { "lua >= 5.4, < 5.5", "lpeg", "lua-cjson", "argparse", "luafilesystem" }
external_dependencies = {
  UTF8PROC = { header = "utf8proc.h", library = "utf8proc" },
}
build = {
  type = "builtin",
  modules = {
    ["qualua.core"] = {
      sources = {
        "src/abstract.c", "src/doc.c", "src/enumerate.c", "src/mem.c", "src/model.c",
        "src/read_page.c", "src/read_report.c", "src/read_ris.c", "src/sentence.c",
        "src/sniff.c", "src/text.c", "src/token.c", "src/utf8.c", "src/vocab.c",
        "src/lua/binding.c", "src/lua/match_binding.c",
      },
      libraries = { "utf8proc" },
      incdirs = { "$(UTF8PROC_INCDIR)" },
      libdirs = { "$(UTF8PROC_LIBDIR)" },
      defines = { "_POSIX_C_SOURCE=200809L" },
    },
    ["qualua"] = "lua/qualua/init.lua",
    ["qualua.cli"] = "lua/qualua/cli.lua",
    ["qualua.json"] = "lua/qualua/json.lua",
    ["qualua.model_json"] = "lua/qualua/model_json.lua",
    ["qualua.commands.show"] = "lua/qualua/commands/show.lua",
    ["qualua.commands.stats"] = "lua/qualua/commands/stats.lua",
  },
  install = { bin = { qualua = "bin/qualua" } },
}
test_dependencies = { "busted" }
test = { type = "busted" }
