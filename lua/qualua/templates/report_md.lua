-- The built-in report template (md), as a module so that it installs with the
-- Lua files wherever they go. The template language: lua/qualua/template.lua.
return [==[{# The built-in report as Markdown; the same context as report_html.lua.
   Markdown has no escaping: table cells go through the `cell` filter. #}
# {{{ title }}}

{{{ docs | len }}} documents · codebook “{{{ codebook.name }}}” ({{{ codebook.themes }}} themes) · {{{ total_codings }}} codings · generated {{{ generated }}} by qualua

## Corpus inventory

| # | Kind | Title | Authors | Year | Journal | DOI | Codings |
|---|---|---|---|---|---|---|---:|
{% for d in docs %}
| {{{ d.short }}} | {{{ d.kind }}} | {{{ d.title | cell }}} | {{{ d.authors | default "—" | cell }}} | {{{ d.year | default "—" }}} | {{{ d.journal | default "—" | cell }}} | {% if d.doi %}{{{ d.doi | cell }}} ({{{ d.doi_status }}}){% else %}none{% endif %} | {{{ d.codings }}} |
{% endfor %}

## Theme frequencies

| Theme | Codings |
|---|---:|
{% for t in root_themes %}
| {{{ t.label | cell }}} | {{{ t.value }}} |
{% endfor %}

## Themes × documents

| Theme |{% for d in docs %} {{{ d.short }}} |{% endfor %} Total |
|---|{% for d in docs %}---:|{% endfor %}---:|
{% for t in themes %}
| {% if t.depth == 1 %}**{{{ t.name | cell }}}**{% else %}  {{{ t.name | cell }}}{% endif %} |{% for c in t.cells %} {{{ c.count }}} |{% endfor %} {{{ t.total }}} |
{% endfor %}

## Framework matrix

Best excerpts per theme and document; [start–stop] are byte offsets (0-based, half-open) in the document's normalised text.

{% for row in matrix %}
### {{{ row.path }}} ({{{ row.total }}})

{% for c in row.cells %}
{% if c.excerpts %}
- **{{{ docs[loop.index].short }}}** ({{{ c.count }}}):
{% for e in c.excerpts %}
  - {{{ e.text | cell }}} [{{{ e.start }}}–{{{ e.stop }}}]
{% endfor %}
{% endif %}
{% endfor %}

{% endfor %}
## Co-occurrence

{% for p in cooccurrence.top %}
- {{{ p.a }}} + {{{ p.b }}}: {{{ p.count }}}
{% else %}
No themes co-occur.
{% endfor %}

## Recommendations by actor

{{{ recommendations.total }}} recommendations, {{{ recommendations.groups }}} after grouping near-duplicates.

{% for a in recommendations.actors %}
### {{{ a.actor }}} ({{{ a.count }}})

| Horizon | Recommendation | Where | Themes |
|---|---|---|---|
{% for g in a.groups %}
| {{{ g.horizon }}} | {{{ g.text | cell }}}{% if g.grouped %} (×{{{ g.members }}} grouped){% endif %} | {% for p in g.places %}{{{ p.doc.short }}}{% if not loop.last %}, {% endif %}{% endfor %} | {{{ g.themes | join "; " | cell }}} |
{% endfor %}

{% endfor %}
## Key figures

{% for f in figures %}
### {{{ f.doc.short }}} · {{{ f.doc.title | truncate 90 }}}

| Figure | Kind | Flags | In context |
|---|---|---|---|
{% for q in f.list %}
| {{{ q.text | cell }}} | {{{ q.kind }}} | {{{ q.flags }}} | {{{ q.context | cell }}} |
{% endfor %}

{% endfor %}
## Acronym glossary

| Acronym | Meaning | Documents | Uses |
|---|---|---|---:|
{% for g in glossary %}
| {{{ g.short | cell }}} | {{{ g.long | cell }}} | {{{ g.docs_text }}} | {{{ g.uses }}} |
{% endfor %}

## References

{% for r in references %}
### {{{ r.doc.short }}} · {{{ r.doc.title | truncate 90 }}}

| # | Reference | Year | DOI |
|---|---|---|---|
{% for x in r.list %}
| {{{ x.n }}} | {{{ x.title | cell }}} | {{{ x.year }}} | {{{ x.doi | cell }}} ({{{ x.status }}}{% if x.damage %}: {{{ x.damage | cell }}}{% endif %}) |
{% endfor %}

{% endfor %}
## Data quality

{{{ totals.repairs }}} repairs, {{{ totals.dropped }}} dropped regions, {{{ totals.flagged }}} flagged numbers, {{{ totals.refs_bad }}} damaged DOIs.

| Document | Repairs | Dropped regions | Flagged numbers | DOI problems |
|---|---:|---|---:|---:|
{% for q in quality %}
| {{{ q.doc.short }}} {{{ q.doc.file | cell }}} | {{{ q.repairs_n }}} | {% for x in q.dropped %}{{{ x.reason }}} ×{{{ x.count }}}{% if not loop.last %}, {% endif %}{% else %}—{% endfor %} | {{{ q.flagged | len }}} | {{{ q.bad_dois | len }}} |
{% endfor %}
]==]
