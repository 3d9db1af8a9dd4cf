-- The built-in report template (html), as a module so that it installs with the
-- Lua files wherever they go. The template language: lua/qualua/template.lua.
return [==[{# The built-in qualua report.  Context (qualua.report.context):
   title, generated, codebook{name,themes}, total_codings, docs[], themes[],
   matrix[], root_themes[], bars_svg, theme_bars_svg, cooccurrence{rows,top},
   recommendations{actors,groups,total}, figures[], glossary[], references[],
   quality[], totals{}, texts[].  Offsets shown are 0-based, half-open. #}
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>{{ title }}</title>
<style>
:root { --ink:#1c2430; --muted:#5c6b7a; --line:#d9dee4; --accent:#1f60b4; --bg:#fafbfc; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; color:var(--ink); background:var(--bg); }
header.top { background:#14375e; color:#fff; padding:1.2rem 1.5rem; }
header.top h1 { margin:0 0 .3rem; font-size:1.6rem; }
header.top p { margin:0; opacity:.85; font-size:.9rem; }
nav.toc { background:#fff; border-bottom:1px solid var(--line); padding:.5rem 1.5rem; position:sticky; top:0; z-index:2; overflow-x:auto; white-space:nowrap; }
nav.toc a { color:var(--accent); text-decoration:none; margin-right:1rem; font-size:.9rem; }
main { max-width:1240px; margin:0 auto; padding:1rem 1.5rem 3rem; }
section { background:#fff; border:1px solid var(--line); border-radius:8px; padding:1rem 1.25rem; margin:1.25rem 0; }
h2 { margin:.2rem 0 .8rem; font-size:1.3rem; color:#14375e; }
h3 { font-size:1.05rem; margin:1.2rem 0 .5rem; }
p.note { color:var(--muted); font-size:.88rem; margin:.3rem 0 .8rem; }
.cards { display:grid; grid-template-columns:repeat(auto-fit,minmax(150px,1fr)); gap:.75rem; }
.card { border:1px solid var(--line); border-radius:6px; padding:.6rem .8rem; background:var(--bg); }
.card b { display:block; font-size:1.5rem; color:#14375e; }
.card span { color:var(--muted); font-size:.85rem; }
.scroll { overflow-x:auto; -webkit-overflow-scrolling:touch; max-width:100%; }
table { border-collapse:collapse; width:100%; font-size:.88rem; }
th, td { border-bottom:1px solid var(--line); padding:.35rem .5rem; text-align:left; vertical-align:top; }
th { background:#f0f3f7; font-weight:600; position:sticky; top:0; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
table.heat td.num { text-align:center; min-width:2.6rem; }
table.heat th.col { text-align:center; }
td.theme { white-space:nowrap; }
.swatch { display:inline-block; width:.8rem; height:.8rem; border-radius:2px; margin-right:.35rem; vertical-align:-1px; }
.badge { display:inline-block; padding:0 .4rem; border-radius:9px; font-size:.78rem; background:#e8edf3; color:#2b3a4a; white-space:nowrap; }
.badge.valid { background:#dff3e4; color:#1d6b32; }
.badge.damaged, .badge.malformed { background:#fde2e1; color:#8a1c17; }
.badge.none { background:#eee; color:#666; }
table.matrix td { min-width:16rem; }
table.matrix td.theme { min-width:11rem; white-space:normal; font-weight:600; }
blockquote { margin:.25rem 0 .5rem; padding:.3rem .6rem; border-left:3px solid var(--accent); background:#f5f8fc; font-size:.85rem; }
blockquote a { font-size:.75rem; color:var(--muted); }
mark { background:#ffe58a; padding:0 1px; }
svg.chart { max-width:100%; height:auto; font:12px system-ui,sans-serif; }
svg.chart .lbl { fill:#1c2430; } svg.chart .val { fill:#5c6b7a; }
details { margin:.5rem 0; }
summary { cursor:pointer; font-weight:600; }
.doctext p, .doctext h4, .doctext li { margin:.35rem 0; scroll-margin-top:3rem; }
.doctext :target { background:#fff6c8; outline:2px solid #f0c000; }
.doctext .kind { color:var(--muted); font-size:.72rem; margin-right:.4rem; text-transform:uppercase; }
ul.compact { margin:.3rem 0; padding-left:1.2rem; }
.muted { color:var(--muted); }
@media (max-width: 640px) {
  body { font-size:14px; }
  main { padding:.5rem .6rem 2rem; }
  section { padding:.75rem .7rem; border-radius:0; margin:.75rem -.6rem; border-left:0; border-right:0; }
  header.top { padding:1rem .8rem; }
  header.top h1 { font-size:1.25rem; }
  table.matrix td { min-width:13rem; }
  td.theme { white-space:normal; min-width:9rem; }
  svg.chart { min-width:560px; }
}
@media print { nav.toc { display:none; } section { break-inside:avoid-page; } }
</style>
</head>
<body>
<header class="top">
<h1>{{ title }}</h1>
<p>{{ docs | len }} documents · codebook “{{ codebook.name }}” ({{ codebook.themes }} themes) · {{ total_codings }} codings · generated {{ generated }} by qualua</p>
</header>
<nav class="toc" aria-label="Contents">
<a href="#inventory">Corpus</a><a href="#frequencies">Frequencies</a><a href="#heatmap">Heatmap</a><a href="#matrix">Framework matrix</a><a href="#cooccurrence">Co-occurrence</a><a href="#recommendations">Recommendations</a><a href="#figures">Key figures</a><a href="#glossary">Glossary</a><a href="#references">References</a><a href="#quality">Data quality</a><a href="#texts">Texts</a>
</nav>
<main>

<section id="summary">
<h2>Summary</h2>
<div class="cards">
<div class="card"><b>{{ docs | len }}</b><span>documents</span></div>
<div class="card"><b>{{ total_codings }}</b><span>codings</span></div>
<div class="card"><b>{{ themes_used }}/{{ codebook.themes }}</b><span>themes found</span></div>
<div class="card"><b>{{ recommendations.groups }}</b><span>recommendations ({{ recommendations.total }} before grouping)</span></div>
<div class="card"><b>{{ totals.figures }}</b><span>key figures</span></div>
<div class="card"><b>{{ totals.references }}</b><span>references ({{ totals.refs_doi }} with DOI)</span></div>
</div>
</section>

<section id="inventory">
<h2>Corpus inventory</h2>
<div class="scroll"><table>
<thead><tr><th>#</th><th>Kind</th><th>Title</th><th>Authors</th><th>Year</th><th>Journal</th><th>DOI</th><th class="num">Codings</th></tr></thead>
<tbody>
{% for d in docs %}
<tr id="{{ d.id }}"><td>{{ d.short }}</td><td><span class="badge">{{ d.kind }}</span></td><td>{% if d.has_title %}{{ d.title }}<br />{% else %}<span class="muted">(no title)</span><br />{% endif %}<span class="muted">{{ d.file }}</span></td><td>{{ d.authors | default "—" }}</td><td>{{ d.year | default "—" }}</td><td>{{ d.journal | default "—" }}</td><td>{% if d.doi %}<span class="badge {{ d.doi_status }}">{{ d.doi_status }}</span> {{ d.doi }}{% else %}<span class="badge none">none</span>{% endif %}</td><td class="num">{{ d.codings }}</td></tr>
{% endfor %}
</tbody>
</table></div>
</section>

<section id="frequencies">
<h2>Theme frequencies</h2>
<p class="note">Codings per top-level theme (its sub-themes included).</p>
<div class="scroll">{{{ bars_svg }}}</div>
<details><summary>Every theme ({{ themes_used }} with codings)</summary>
<div class="scroll">{{{ theme_bars_svg }}}</div>
</details>
</section>

<section id="heatmap">
<h2>Themes × documents</h2>
<p class="note">Codings of each theme in each document; darker is more (the largest cell has {{ max_count }}).</p>
<div class="scroll"><table class="heat">
<thead><tr><th>Theme</th>{% for d in docs %}<th class="col" title="{{ d.title }}">{{ d.short }}</th>{% endfor %}<th class="num">Total</th><th class="num">Docs</th></tr></thead>
<tbody>
{% for t in themes %}
<tr><td class="theme" style="padding-left:{{ t.indent + 0.5 }}rem">{% if t.depth == 1 %}<span class="swatch" style="background:{{ t.color | default '#999' }}"></span><b>{{ t.name }}</b>{% else %}{{ t.name }}{% endif %}</td>{% for c in t.cells %}<td class="num" style="{{ c.style }}">{{ c.count }}</td>{% endfor %}<td class="num">{{ t.total }}</td><td class="num">{{ t.doc_n }}</td></tr>
{% endfor %}
</tbody>
</table></div>
</section>

<section id="matrix">
<h2>Framework matrix</h2>
<p class="note">For each theme with codings, the best excerpts from each document (most distinct matched terms, then shortest). Matched terms are highlighted; the link goes to the passage in the document’s text below; offsets are bytes of the normalised text.</p>
<div class="scroll"><table class="matrix">
<thead><tr><th>Theme</th>{% for d in docs %}<th title="{{ d.title }}">{{ d.short }} · {{ d.title | truncate 40 }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in matrix %}
<tr><td class="theme">{{ row.path }} <span class="badge">{{ row.total }}</span></td>{% for c in row.cells %}<td>{% for e in c.excerpts %}<blockquote>{{ e.html }} <a href="#{{ e.anchor }}">[{{ e.start }}–{{ e.stop }}]</a></blockquote>{% else %}<span class="muted">—</span>{% endfor %}{% if c.more %}<span class="muted">+{{ c.more }} more</span>{% endif %}</td>{% endfor %}</tr>
{% endfor %}
</tbody>
</table></div>
</section>

<section id="cooccurrence">
<h2>Co-occurrence</h2>
<p class="note">Sentences coded with both top-level themes (their sub-themes included).</p>
<div class="scroll"><table class="heat">
<thead><tr><th>Theme</th>{% for r in cooccurrence.rows %}<th class="col" title="{{ r.name }}">{{ r.short }}</th>{% endfor %}</tr></thead>
<tbody>
{% for r in cooccurrence.rows %}
<tr><td class="theme">{{ r.short }} {{ r.name }}</td>{% for c in r.cells %}<td class="num" style="{{ c.style }}">{% if not c.self %}{{ c.count }}{% endif %}</td>{% endfor %}</tr>
{% endfor %}
</tbody>
</table></div>
{% if cooccurrence.top %}
<h3>Strongest pairs</h3>
<ul class="compact">
{% for p in cooccurrence.top %}
<li>{{ p.a }} + {{ p.b }}: {{ p.count }}</li>
{% endfor %}
</ul>
{% endif %}
</section>

<section id="recommendations">
<h2>Recommendations by actor</h2>
<p class="note">{{ recommendations.total }} recommendations, {{ recommendations.groups }} after grouping near-duplicates within and across documents. A recommendation addressed to several actors appears under each.</p>
{% for a in recommendations.actors %}
<h3>{{ a.actor }} <span class="badge">{{ a.count }}</span></h3>
<div class="scroll"><table>
<thead><tr><th>Horizon</th><th>Recommendation</th><th>Where</th><th>Themes</th></tr></thead>
<tbody>
{% for g in a.groups %}
<tr><td><span class="badge">{{ g.horizon }}</span></td><td>{{ g.text }}{% if g.grouped %} <span class="badge">×{{ g.members }} grouped</span>{% endif %}</td><td>{% for p in g.places %}<a href="#{{ p.anchor }}">{{ p.doc.short }}</a>{% if not loop.last %}, {% endif %}{% endfor %}</td><td>{{ g.themes | join "; " }}</td></tr>
{% endfor %}
</tbody>
</table></div>
{% else %}
<p class="muted">No recommendations found.</p>
{% endfor %}
</section>

<section id="figures">
<h2>Key figures</h2>
{% for f in figures %}
<h3>{{ f.doc.short }} · {{ f.doc.title | truncate 90 }}</h3>
<div class="scroll"><table>
<thead><tr><th>Figure</th><th>Kind</th><th>Flags</th><th>In context</th></tr></thead>
<tbody>
{% for q in f.list %}
<tr><td class="theme">{% if q.anchor %}<a href="#{{ q.anchor }}">{{ q.text }}</a>{% else %}{{ q.text }}{% endif %}</td><td>{{ q.kind }}</td><td>{% if q.flags %}<span class="badge damaged">{{ q.flags }}</span>{% endif %}</td><td>{{ q.context }}</td></tr>
{% endfor %}
</tbody>
</table></div>
{% else %}
<p class="muted">No figures found.</p>
{% endfor %}
</section>

<section id="glossary">
<h2>Acronym glossary</h2>
<div class="scroll"><table>
<thead><tr><th>Acronym</th><th>Meaning</th><th>Documents</th><th class="num">Uses</th></tr></thead>
<tbody>
{% for g in glossary %}
<tr><td><b>{{ g.short }}</b></td><td>{{ g.long }}{% if g.variants %} <span class="muted">(also: {{ g.variants | join "; " }})</span>{% endif %}</td><td>{{ g.docs_text }}</td><td class="num">{{ g.uses }}</td></tr>
{% else %}
<tr><td colspan="4" class="muted">No acronyms defined.</td></tr>
{% endfor %}
</tbody>
</table></div>
</section>

<section id="references">
<h2>References</h2>
{% for r in references %}
<h3>{{ r.doc.short }} · {{ r.doc.title | truncate 90 }} <span class="badge">{{ r.list | len }}</span></h3>
<div class="scroll"><table>
<thead><tr><th>#</th><th>Reference</th><th>Year</th><th>DOI</th></tr></thead>
<tbody>
{% for x in r.list %}
<tr><td>{{ x.n }}</td><td>{% if x.authors %}{{ x.authors }}. {% endif %}{% if x.anchor %}<a href="#{{ x.anchor }}">{{ x.title }}</a>{% else %}{{ x.title }}{% endif %}</td><td>{{ x.year }}</td><td><span class="badge {{ x.status }}">{{ x.status }}</span> {{ x.doi }}{% if x.damage %} <span class="muted">({{ x.damage }})</span>{% endif %}</td></tr>
{% endfor %}
</tbody>
</table></div>
{% else %}
<p class="muted">No reference lists found.</p>
{% endfor %}
</section>

<section id="quality">
<h2>Data quality</h2>
<p class="note">What the readers repaired or left out, and numbers and DOIs that look wrong: {{ totals.repairs }} repairs, {{ totals.dropped }} dropped regions, {{ totals.flagged }} flagged numbers, {{ totals.refs_bad }} damaged DOIs.</p>
<div class="scroll"><table>
<thead><tr><th>Document</th><th class="num">Repairs</th><th>Dropped regions</th><th>Warnings</th><th class="num">Flagged numbers</th><th class="num">DOI problems</th></tr></thead>
<tbody>
{% for q in quality %}
<tr><td>{{ q.doc.short }} {{ q.doc.file }}</td><td class="num">{{ q.repairs_n }}</td><td>{% for x in q.dropped %}{{ x.reason }} ×{{ x.count }}{% if not loop.last %}, {% endif %}{% else %}—{% endfor %}</td><td>{% for w in q.warnings %}{{ w.code }}: {{ w.message }} {% else %}—{% endfor %}</td><td class="num">{{ q.flagged | len }}</td><td class="num">{{ q.bad_dois | len }}</td></tr>
{% endfor %}
</tbody>
</table></div>
{% for q in quality %}
{% if not q.clean %}
<details><summary>{{ q.doc.short }} {{ q.doc.file }}: details</summary>
{% if q.repairs %}
<h3>Repairs</h3>
<div class="scroll"><table><thead><tr><th>Rule</th><th>Source</th><th>Repaired</th><th class="num">Offset</th></tr></thead><tbody>
{% for r in q.repairs %}
<tr><td>{{ r.rule }}</td><td><code>{{ r.from }}</code></td><td><code>{{ r.to }}</code></td><td class="num">{{ r.start }}</td></tr>
{% endfor %}
</tbody></table></div>
{% endif %}
{% if q.flagged %}
<h3>Flagged numbers</h3>
<div class="scroll"><table><thead><tr><th>Text</th><th>Kind</th><th>Flags</th><th class="num">Offsets</th></tr></thead><tbody>
{% for f in q.flagged %}
<tr><td><code>{{ f.text }}</code></td><td>{{ f.kind }}</td><td>{{ f.flags }}</td><td class="num">{{ f.start }}–{{ f.stop }}</td></tr>
{% endfor %}
</tbody></table></div>
{% endif %}
{% if q.bad_dois %}
<h3>DOI problems</h3>
<ul class="compact">
{% for b in q.bad_dois %}
<li>{{ b.title | truncate 80 }}: <code>{{ b.doi }}</code> {{ b.damage }}</li>
{% endfor %}
</ul>
{% endif %}
</details>
{% endif %}
{% endfor %}
</section>

{% if texts %}
<section id="texts">
<h2>Document texts</h2>
<p class="note">The normalised text of each document, block by block; excerpt links above open the passage here.</p>
{% for t in texts %}
<details id="doc-{{ t.doc.index }}-text"><summary>{{ t.doc.short }} · {{ t.doc.title | truncate 100 }} <span class="muted">({{ t.doc.text_len }} bytes)</span></summary>
<div class="doctext">
{% for b in t.blocks %}
{% if b.heading %}
<h4 id="{{ b.id }}">{{ b.text }}</h4>
{% else %}
<p id="{{ b.id }}"><span class="kind">{{ b.kind }}</span>{{ b.text }}</p>
{% endif %}
{% endfor %}
</div>
</details>
{% endfor %}
</section>
{% endif %}
</main>
</body>
</html>
]==]
