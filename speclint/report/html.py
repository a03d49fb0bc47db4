"""``--format html``: one self-contained page for an audit (no external scripts, styles or fonts).

Summary counts by severity and by rule, a sortable and filterable table of models and their
verdicts, each model's findings with links to the rule's spec section, and the probe
figures (throughput per model as an inline SVG bar chart). Every string that comes from a
model or a rule pack is escaped; the script carries no data, it only sorts and hides rows
already on the page. The filter can be set from the address: ``report.html#q=tf1&verdict=error``.
"""

from __future__ import annotations

from collections import Counter
from html import escape

from speclint.report import ReportContext
from speclint.report.text import execution_line
from speclint.rules.model import SEVERITIES
from speclint.rules.ruleset import ModelResult

ORDER = ("error", "warning", "info")
CHART_WIDTH = 640
BAR_HEIGHT = 18

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem;color:#1b1f24;background:#fff}
h1{font-size:1.4rem;margin:0 0 .4rem}h2{font-size:1.1rem;margin:1.6rem 0 .5rem}
table{border-collapse:collapse;margin:.3rem 0}th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left}
th{background:#f6f8fa}th.sortable{cursor:pointer;user-select:none}th.sortable:after{content:" \\2195";color:#8c959f}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.error{color:#b00020;font-weight:600}.warning{color:#9a6700;font-weight:600}.info{color:#0969da}
.clean{color:#1a7f37;font-weight:600}.muted{color:#57606a}
.pill{display:inline-block;min-width:4.5rem;padding:.1rem .5rem;border-radius:1rem;background:#eee;margin-right:.4rem}
#controls{margin:.6rem 0}#controls input{width:22rem;padding:.25rem}#controls select{padding:.25rem}
section.model{border-top:1px solid #d0d7de;padding:.4rem 0}section.model h3{font-size:1rem;margin:.3rem 0}
code{font-family:ui-monospace,monospace;font-size:.9em}ul.findings{margin:.2rem 0;padding-left:1.2rem}
.hidden{display:none}svg text{font:12px system-ui,sans-serif}
"""

SCRIPT = """
(function(){
  var rows=Array.prototype.slice.call(document.querySelectorAll('#models tbody tr'));
  var query=document.getElementById('filter'), verdict=document.getElementById('verdict');
  var count=document.getElementById('shown');
  function apply(){
    var q=query.value.toLowerCase(), v=verdict.value, shown=0;
    rows.forEach(function(row){
      var ok=(!q||row.getAttribute('data-text').indexOf(q)>=0)&&(v==='all'||row.getAttribute('data-verdict')===v);
      row.classList.toggle('hidden',!ok);
      var section=document.getElementById(row.getAttribute('data-section'));
      if(section){section.classList.toggle('hidden',!ok);}
      if(ok){shown++;}
    });
    count.textContent=String(shown);
  }
  function sortBy(th){
    var index=Array.prototype.indexOf.call(th.parentNode.children,th), numeric=th.hasAttribute('data-numeric');
    var descending=th.getAttribute('data-order')!=='desc';
    th.parentNode.querySelectorAll('th').forEach(function(h){h.removeAttribute('data-order');});
    th.setAttribute('data-order',descending?'desc':'asc');
    var body=document.querySelector('#models tbody');
    rows.sort(function(a,b){
      var x=a.children[index].getAttribute('data-sort'), y=b.children[index].getAttribute('data-sort');
      var c=numeric?(parseFloat(x)||0)-(parseFloat(y)||0):x.localeCompare(y);
      return descending?-c:c;
    });
    rows.forEach(function(row){body.appendChild(row);});
  }
  document.querySelectorAll('#models th.sortable').forEach(function(th){
    th.addEventListener('click',function(){sortBy(th);});
  });
  query.addEventListener('input',apply);verdict.addEventListener('change',apply);
  var params=new URLSearchParams(location.hash.slice(1));
  if(params.has('q')){query.value=params.get('q');}
  if(params.has('verdict')){verdict.value=params.get('verdict');}
  apply();
  document.body.setAttribute('data-ready','1');
})();
"""


def verdict(result: ModelResult) -> str:
    """The worst severity among the model's findings, or ``clean``."""
    worst = max((SEVERITIES.index(f.severity) for f in result.findings), default=-1)
    return SEVERITIES[worst] if worst >= 0 else "clean"


def _throughput(result: ModelResult) -> float | None:
    speed = (result.execution or {}).get("images_per_second")
    return float(speed) if isinstance(speed, (int, float)) else None


def _link(url: str, text: str) -> str:
    """A link only to http(s): a rule pack's URL cannot become ``javascript:``."""
    if url.startswith(("https://", "http://")):
        return f'<a href="{escape(url)}">{text}</a>'
    return text


def _summary(results: list[ModelResult]) -> list[str]:
    by_severity: Counter[str] = Counter(f.severity for r in results for f in r.findings)
    verdicts: Counter[str] = Counter(verdict(r) for r in results)
    parts = ["<h2>Summary</h2>", "<p>"]
    for severity in ORDER:
        parts.append(f'<span class="pill"><span class="{severity}">{by_severity[severity]}</span> {severity}</span>')
    parts.append("</p><p>Models by verdict: ")
    parts.append(", ".join(f'<span class="{v}">{verdicts[v]} {v}</span>' for v in (*ORDER, "clean")))
    parts.append("</p>")
    return parts


def _unread(context: ReportContext) -> list[str]:
    """Models that could not be read come first: nothing below is a verdict on them."""
    if not context.unread:
        return []
    count = len(context.unread)
    items = "".join(f"<li>{escape(path)}: {escape(why)}</li>" for path, why in context.unread)
    return [f'<h2 class="error">{count} model{"s" if count != 1 else ""} could not be read</h2><ul>{items}</ul>']


def _rules_table(results: list[ModelResult], context: ReportContext) -> list[str]:
    counts: Counter[tuple[str, str]] = Counter((f.code, f.severity) for r in results for f in r.findings)
    models: dict[str, set[str]] = {}
    urls: dict[str, str] = {}
    names: dict[str, str] = {}
    for result in results:
        for finding in result.findings:
            models.setdefault(finding.code, set()).add(result.path)
            urls.setdefault(finding.code, finding.spec_url)
            names.setdefault(finding.code, finding.name)
    parts = ["<h2>Findings by rule</h2>"]
    if not counts:
        return [*parts, "<p>No findings.</p>"]
    parts.append(
        '<table id="rules"><thead><tr><th>rule</th><th>name</th><th>summary</th>'
        "<th>severity</th><th>findings</th><th>models</th></tr></thead><tbody>"
    )
    for (code, severity), count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        rule = context.rules.get(code)
        summary = escape(rule.summary) if rule else ""
        parts.append(
            f"<tr><td>{_link(urls[code], f'<code>{escape(code)}</code>')}</td><td>{escape(names[code])}</td>"
            f'<td>{summary}</td><td class="{escape(severity)}">{escape(severity)}</td>'
            f'<td class="num">{count}</td><td class="num">{len(models[code])}</td></tr>'
        )
    parts.append("</tbody></table>")
    return parts


def _chart(results: list[ModelResult]) -> list[str]:
    """Images per second at batch 32, one bar per executed model, as inline SVG."""
    speeds = [
        (r.path, s, (r.execution or {}).get("throughput_batch")) for r in results if (s := _throughput(r)) is not None
    ]
    if not speeds:
        return []
    top = max(s for _, s, _ in speeds) or 1.0
    label_width, bar_width = 260, CHART_WIDTH - 260 - 80
    height = BAR_HEIGHT * len(speeds) + 8
    parts = [
        "<h2>Throughput (images/s at batch 32, or the smaller batch that fit in memory)</h2>",
        f'<svg id="throughput" xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" height="{height}" '
        f'role="img" aria-label="throughput per model">',
    ]
    for row, (path, speed, batch) in enumerate(speeds):
        y = 4 + row * BAR_HEIGHT
        width = max(1.0, bar_width * speed / top)
        short = path if len(path) <= 40 else "..." + path[-37:]
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end">{escape(short)}</text>'
            f'<rect x="{label_width}" y="{y + 2}" width="{width:.1f}" height="{BAR_HEIGHT - 5}" fill="#0969da">'
            f"<title>{escape(path)}: {speed:.1f} images/s{f' at batch {batch}' if batch else ''}</title></rect>"
            f'<text x="{label_width + width + 4:.1f}" y="{y + 13}">{speed:.0f}</text>'
        )
    parts.append("</svg>")
    return parts


def _models_table(results: list[ModelResult]) -> list[str]:
    parts = [
        "<h2>Models</h2>",
        '<div id="controls"><label>Filter <input id="filter" type="search" placeholder="path, profile or rule code">'
        '</label> <label>verdict <select id="verdict"><option value="all">all</option>'
        + "".join(f'<option value="{v}">{v}</option>' for v in (*ORDER, "clean"))
        + f'</select></label> <span class="muted"><span id="shown">{len(results)}</span> of {len(results)} shown'
        "</span></div>",
        '<table id="models"><thead><tr><th class="sortable">model</th><th class="sortable">profile</th>'
        '<th class="sortable">verdict</th><th class="sortable" data-numeric>errors</th>'
        '<th class="sortable" data-numeric>warnings</th><th class="sortable" data-numeric>info</th>'
        '<th class="sortable">executed</th><th class="sortable" data-numeric>images/s</th></tr></thead><tbody>',
    ]
    for index, result in enumerate(results):
        counts = Counter(f.severity for f in result.findings)
        worst = verdict(result)
        codes = " ".join(sorted({f.code for f in result.findings}))
        text = " ".join([result.path, result.profile or "none", codes]).lower()
        execution = result.execution or {}
        status = str(execution.get("status") or "") + (f" ({execution['reason']})" if execution.get("reason") else "")
        speed = _throughput(result)
        section = f"model-{index}"
        parts.append(
            f'<tr data-verdict="{worst}" data-text="{escape(text)}" data-section="{section}">'
            f'<td data-sort="{escape(result.path)}"><a href="#{section}">{escape(result.path)}</a></td>'
            f'<td data-sort="{escape(result.profile or "")}">{escape(result.profile or "none")}</td>'
            f'<td data-sort="{SEVERITIES.index(worst) if worst != "clean" else -1}" class="{worst}">{worst}</td>'
            + "".join(f'<td class="num" data-sort="{counts[s]}">{counts[s]}</td>' for s in ORDER)
            + f'<td data-sort="{escape(status)}">{escape(status) or "-"}</td>'
            f'<td class="num" data-sort="{speed if speed is not None else ""}">'
            f"{f'{speed:.1f}' if speed is not None else '-'}</td></tr>"
        )
    parts.append("</tbody></table>")
    return parts


def _details(results: list[ModelResult]) -> list[str]:
    parts = ["<h2>Findings by model</h2>"]
    for index, result in enumerate(results):
        parts.append(
            f'<section class="model" id="model-{index}"><h3>{escape(result.path)} '
            f'<span class="muted">[{escape(result.profile or "none")}] {escape(result.profile_reason)}</span></h3>'
        )
        if result.execution:
            parts.append(f'<p class="muted">{escape(execution_line(result.execution))}</p>')
        if not result.findings:
            parts.append('<p class="clean">no findings</p></section>')
            continue
        parts.append('<ul class="findings">')
        for finding in result.findings:
            parts.append(
                f"<li>{_link(finding.spec_url, f'<code>{escape(finding.code)}</code>')} "
                f'<span class="{escape(finding.severity)}">{escape(finding.severity)}</span> '
                f"{escape(finding.message)} "
                f'<span class="muted">at {escape(finding.where)} | {escape(finding.name)}</span></li>'
            )
        parts.append("</ul></section>")
    return parts


def render(results: list[ModelResult], context: ReportContext) -> str:
    models = len(results)
    findings = sum(len(r.findings) for r in results)
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>speclint report: {models} model{'s' if models != 1 else ''}</title>",
        f"<style>{STYLE}</style></head><body>",
        f'<h1>speclint report</h1><p class="muted">speclint {escape(context.version)}: '
        f"{findings} finding{'s' if findings != 1 else ''} in {models} model{'s' if models != 1 else ''}</p>",
        *_unread(context),
        *_summary(results),
        *_models_table(results),
        *_chart(results),
        *_rules_table(results, context),
        *_details(results),
        f"<script>{SCRIPT}</script></body></html>",
    ]
    return "\n".join(parts) + "\n"
