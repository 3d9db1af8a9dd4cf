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
dependencies = { "lua >= 5.4, < 5.5", "lpeg", "lua-cjson", "argparse", "luafilesystem", "lyaml" }
external_dependencies = {
  UTF8PROC = { header = "utf8proc.h", library = "utf8proc" },
  SQLITE = { header = "sqlite3.h", library = "sqlite3" },
}
build = {
  type = "builtin",
  modules = {
    ["qualua.core"] = {
      sources = {
        "src/abstract.c",
        "src/acronyms.c",
        "src/actors.c",
        "src/annotate.c",
        "src/doc.c",
        "src/enumerate.c",
        "src/footnote.c",
        "src/lua/annot_binding.c",
        "src/lua/binding.c",
        "src/lua/match_binding.c",
        "src/lua/store_binding.c",
        "src/match.c",
        "src/mem.c",
        "src/model.c",
        "src/nlm_labels.c",
        "src/quantities.c",
        "src/read_page.c",
        "src/read_report.c",
        "src/read_ris.c",
        "src/recommend.c",
        "src/references.c",
        "src/reflow.c",
        "src/sentence.c",
        "src/serialize.c",
        "src/sniff.c",
        "src/text.c",
        "src/token.c",
        "src/utf8.c",
        "src/vocab.c",
      },
      libraries = { "utf8proc", "sqlite3" },
      incdirs = { "$(UTF8PROC_INCDIR)", "$(SQLITE_INCDIR)" },
      libdirs = { "$(UTF8PROC_LIBDIR)", "$(SQLITE_LIBDIR)" },
      defines = { "_POSIX_C_SOURCE=200809L" },
    },
    ["qualua.analysis.cooccurrence"] = "lua/qualua/analysis/cooccurrence.lua",
    ["qualua.analysis.frequencies"] = "lua/qualua/analysis/frequencies.lua",
    ["qualua.analysis"] = "lua/qualua/analysis/init.lua",
    ["qualua.analysis.kwic"] = "lua/qualua/analysis/kwic.lua",
    ["qualua.analysis.stopwords"] = "lua/qualua/analysis/stopwords.lua",
    ["qualua.analysis.terms"] = "lua/qualua/analysis/terms.lua",
    ["qualua.analysis.util"] = "lua/qualua/analysis/util.lua",
    ["qualua.analysis.validation"] = "lua/qualua/analysis/validation.lua",
    ["qualua.cli"] = "lua/qualua/cli.lua",
    ["qualua.codebook"] = "lua/qualua/codebook.lua",
    ["qualua.codebooks.primary_care"] = "lua/qualua/codebooks/primary_care.lua",
    ["qualua.coding"] = "lua/qualua/coding.lua",
    ["qualua.commands.add"] = "lua/qualua/commands/add.lua",
    ["qualua.commands.code"] = "lua/qualua/commands/code.lua",
    ["qualua.commands.export"] = "lua/qualua/commands/export.lua",
    ["qualua.commands.kwic"] = "lua/qualua/commands/kwic.lua",
    ["qualua.commands.report"] = "lua/qualua/commands/report.lua",
    ["qualua.commands.run"] = "lua/qualua/commands/run.lua",
    ["qualua.commands.search"] = "lua/qualua/commands/search.lua",
    ["qualua.commands.show"] = "lua/qualua/commands/show.lua",
    ["qualua.commands.stats"] = "lua/qualua/commands/stats.lua",
    ["qualua.csv"] = "lua/qualua/csv.lua",
    ["qualua.export"] = "lua/qualua/export.lua",
    ["qualua"] = "lua/qualua/init.lua",
    ["qualua.json"] = "lua/qualua/json.lua",
    ["qualua.model_json"] = "lua/qualua/model_json.lua",
    ["qualua.project_cli"] = "lua/qualua/project_cli.lua",
    ["qualua.recommendations"] = "lua/qualua/recommendations.lua",
    ["qualua.report"] = "lua/qualua/report.lua",
    ["qualua.store"] = "lua/qualua/store.lua",
    ["qualua.template"] = "lua/qualua/template.lua",
    ["qualua.templates.report_html"] = "lua/qualua/templates/report_html.lua",
    ["qualua.templates.report_md"] = "lua/qualua/templates/report_md.lua",
  },
  install = { bin = { qualua = "bin/qualua" } },
}
test_dependencies = { "busted" }
test = { type = "busted" }
