"""``--format html``: one self-contained page for an audit (no external scripts, styles or fonts).

Summary counts by severity and by rule, a sortable and filterable table of models and their
verdicts, each model's findings with their fix, a link to the rule's page and one to the spec
section, and the probe figures (throughput per model as an inline SVG bar chart). Every string
that comes from a model or a rule pack is escaped; the script carries no data, it only sorts
and hides rows already on the page. Filter and sort live in the address
(``report.html#q=tf1&verdict=error&sort=errors&order=desc``), so a reload or a shared link
shows the same view. Sorting is by buttons in the headers (keyboard too) with ``aria-sort``;
below 640 px the tables become one card per row, so a phone never scrolls sideways.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from html import escape

from speclint.report import ReportContext
from speclint.report.text import execution_line
from speclint.rules.language import phrase
from speclint.rules.rule import Finding
from speclint.rules.ruleset import ModelResult
from speclint.severity import SEVERITIES, SEVERITY_ORDER, severity_rank

CHART_WIDTH = 640
BAR_HEIGHT = 18

STYLE = """
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem;color:#1b1f24;background:#fff;overflow-wrap:anywhere}
h1{font-size:1.4rem;margin:0 0 .4rem}h2{font-size:1.1rem;margin:1.6rem 0 .5rem}
table{border-collapse:collapse;margin:.3rem 0}th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left}
th{background:#f6f8fa}
th button{white-space:nowrap;font:inherit;font-weight:600;
color:inherit;background:none;border:0;padding:0;cursor:pointer}
th button:after{content:" \\2195";color:#6e7781}th[aria-sort=ascending] button:after{content:" \\2191";color:inherit}
th[aria-sort=descending] button:after{content:" \\2193";color:inherit}
button:focus-visible,a:focus-visible,input:focus-visible,select:focus-visible,section:focus-visible
{outline:2px solid #0969da;outline-offset:2px}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.error{color:#b00020;font-weight:600}.warning{color:#9a6700;font-weight:600}.info{color:#0969da}
.clean{color:#1a7f37;font-weight:600}.muted{color:#57606a}
.pill{display:inline-block;min-width:4.5rem;padding:.1rem .5rem;border-radius:1rem;background:#eee;margin-right:.4rem}
#controls{margin:.6rem 0;display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center}
#controls input{width:22rem;max-width:100%;padding:.25rem}#controls select{padding:.25rem}
#controls label{display:flex;flex-wrap:wrap;gap:.3rem;align-items:center;max-width:100%}
section.model{border-top:1px solid #d0d7de;padding:.4rem 0}section.model h3{font-size:1rem;margin:.3rem 0}
code{font-family:ui-monospace,monospace;font-size:.9em}ul.findings{margin:.2rem 0;padding-left:1.2rem}
ul.findings li{margin:.35rem 0}.fix{display:block;margin:.1rem 0}.links{display:block}
.hidden{display:none}svg{max-width:100%;height:auto}svg text{font:12px system-ui,sans-serif}
@media (max-width:640px){
body{margin:.75rem}
table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:100%}
table.cards thead tr{display:flex;flex-wrap:wrap;gap:.3rem}table.cards th{border-radius:.3rem}
table.cards tbody tr{border:1px solid #d0d7de;margin:.5rem 0;padding:.2rem 0}
table.cards tbody tr.hidden{display:none}
table.cards td{border:0;padding:.1rem .5rem;text-align:left}
table.cards td[data-label]:before{content:attr(data-label) ": ";color:#57606a}
}
"""

# The script holds no data: it sorts and hides rows already on the page and keeps that state in
# the address (``#q=tf1&verdict=error&sort=errors&order=desc``), so a reload or a shared link shows
# the same view. Model links scroll in place so the state stays in the address.
SCRIPT = """
(function(){
  var table=document.getElementById('models'), body=table.querySelector('tbody');
  var rows=Array.prototype.slice.call(body.querySelectorAll('tr'));
  rows.forEach(function(row,i){row.setAttribute('data-index',String(i));});
  var headers=Array.prototype.slice.call(table.querySelectorAll('thead th[data-key]'));
  var query=document.getElementById('filter'), verdict=document.getElementById('verdict');
  var count=document.getElementById('shown'), sorted=null;
  function apply(){
    var q=query.value.trim().toLowerCase(), v=verdict.value, shown=0;
    rows.forEach(function(row){
      var ok=(!q||row.getAttribute('data-text').indexOf(q)>=0)&&(v==='all'||row.getAttribute('data-verdict')===v);
      row.classList.toggle('hidden',!ok);
      var section=document.getElementById(row.getAttribute('data-section'));
      if(section){section.classList.toggle('hidden',!ok);}
      if(ok){shown++;}
    });
    count.textContent=String(shown);
  }
  function sortBy(th,order){
    var index=headers.indexOf(th), numeric=th.hasAttribute('data-numeric');
    headers.forEach(function(h){h.setAttribute('aria-sort','none');});
    th.setAttribute('aria-sort',order==='desc'?'descending':'ascending');
    sorted={key:th.getAttribute('data-key'),order:order};
    rows.sort(function(a,b){
      var x=a.children[index].getAttribute('data-sort'), y=b.children[index].getAttribute('data-sort');
      var c=numeric?(parseFloat(x)||0)-(parseFloat(y)||0):x.localeCompare(y);
      if(order==='desc'){c=-c;}
      return c||(+a.getAttribute('data-index'))-(+b.getAttribute('data-index'));
    });
    rows.forEach(function(row){body.appendChild(row);});
  }
  function unsort(){
    headers.forEach(function(h){h.setAttribute('aria-sort','none');});
    sorted=null;
    rows.sort(function(a,b){return (+a.getAttribute('data-index'))-(+b.getAttribute('data-index'));});
    rows.forEach(function(row){body.appendChild(row);});
  }
  function save(){
    var params=new URLSearchParams();
    if(query.value.trim()){params.set('q',query.value);}
    if(verdict.value!=='all'){params.set('verdict',verdict.value);}
    if(sorted){params.set('sort',sorted.key);params.set('order',sorted.order);}
    var hash=params.toString();
    history.replaceState(null,'',hash?'#'+hash:location.pathname+location.search);
  }
  function restore(){
    var hash=location.hash.slice(1);
    if(hash.indexOf('=')<0){return false;}
    var params=new URLSearchParams(hash);
    query.value=params.get('q')||'';
    var v=params.get('verdict')||'all';
    verdict.value=Array.prototype.some.call(verdict.options,function(o){return o.value===v;})?v:'all';
    var th=headers.filter(function(h){return h.getAttribute('data-key')===params.get('sort');})[0];
    if(th){sortBy(th,params.get('order')==='desc'?'desc':'asc');}else{unsort();}
    apply();
    return true;
  }
  headers.forEach(function(th){
    th.querySelector('button').addEventListener('click',function(){
      var first=th.hasAttribute('data-numeric')?'desc':'asc';
      var order=sorted&&sorted.key===th.getAttribute('data-key')?(sorted.order==='desc'?'asc':'desc'):first;
      sortBy(th,order);save();
    });
  });
  query.addEventListener('input',function(){apply();save();});
  verdict.addEventListener('change',function(){apply();save();});
  window.addEventListener('hashchange',restore);
  body.addEventListener('click',function(event){
    var link=event.target.closest&&event.target.closest('a[data-section]');
    var section=link&&document.getElementById(link.getAttribute('data-section'));
    if(!section){return;}
    event.preventDefault();
    section.scrollIntoView();
    section.focus({preventScroll:true});
  });
  if(!restore()){apply();}
  document.body.setAttribute('data-ready','1');
})();
"""

# (key, header phrase, numeric): the key names the column in the address (``#sort=errors``)
# and stays English in every language, so a shared link works for any reader.
COLUMNS = (
    ("model", "html.col.model", False),
    ("profile", "html.col.profile", False),
    ("verdict", "html.col.verdict", True),
    ("errors", "html.col.errors", True),
    ("warnings", "html.col.warnings", True),
    ("info", "html.col.info", True),
    ("executed", "html.col.executed", False),
    ("speed", "html.col.images_per_second", True),
)

Say = Callable[[str], str]


def sayer(language: str) -> Say:
    """The page's fixed words in ``language`` (``phrase``), HTML-escaped; ``str.format`` fields
    survive escaping, and what fills them is escaped by the caller."""
    return lambda key: escape(phrase(key, language))


def verdict_word(value: str, say: Say) -> str:
    """``error``/``warning``/``info``/``clean`` as the reader says it (CSS classes stay English)."""
    return say("verdict.clean" if value == "clean" else f"severity.{value}")


def counted(noun: str, number: int, say: Say) -> str:
    return say(f"count.{noun}.{'one' if number == 1 else 'other'}").format(count=number)


def verdict(result: ModelResult) -> str:
    """The worst severity among the model's findings, or ``clean``."""
    worst = max((severity_rank(f.severity) for f in result.findings), default=-1)
    return SEVERITIES[worst] if worst >= 0 else "clean"


def _throughput(result: ModelResult) -> float | None:
    speed = (result.execution or {}).get("images_per_second")
    return float(speed) if isinstance(speed, (int, float)) else None


def _link(url: str, text: str, kind: str = "") -> str:
    """A link only to http(s): a rule pack's URL cannot become ``javascript:``."""
    if url.startswith(("https://", "http://")):
        css = f' class="{kind}"' if kind else ""
        return f'<a href="{escape(url)}"{css}>{text}</a>'
    return text


def _summary(results: list[ModelResult], say: Say) -> list[str]:
    by_severity: Counter[str] = Counter(f.severity for r in results for f in r.findings)
    verdicts: Counter[str] = Counter(verdict(r) for r in results)
    parts = [f"<h2>{say('html.summary')}</h2>", "<p>"]
    for severity in SEVERITY_ORDER:
        word = verdict_word(severity, say)
        parts.append(f'<span class="pill"><span class="{severity}">{by_severity[severity]}</span> {word}</span>')
    parts.append(f"</p><p>{say('html.models_by_verdict')}")
    parts.append(
        ", ".join(f'<span class="{v}">{verdicts[v]} {verdict_word(v, say)}</span>' for v in (*SEVERITY_ORDER, "clean"))
    )
    parts.append("</p>")
    return parts


def _unread(context: ReportContext, say: Say) -> list[str]:
    """Models that could not be read come first: nothing below is a verdict on them."""
    if not context.unread:
        return []
    count = len(context.unread)
    items = "".join(f"<li>{escape(path)}: {escape(why)}</li>" for path, why in context.unread)
    heading = say(f"html.unread.{'one' if count == 1 else 'other'}").format(count=count)
    return [f'<h2 class="error">{heading}</h2><ul>{items}</ul>']


def _rules_table(results: list[ModelResult], context: ReportContext, say: Say) -> list[str]:
    """Counts per rule; the code links to the rule's page, the last column to the spec section."""
    counts: Counter[tuple[str, str]] = Counter((f.code, f.severity) for r in results for f in r.findings)
    models: dict[str, set[str]] = {}
    first: dict[str, Finding] = {}
    for result in results:
        for finding in result.findings:
            models.setdefault(finding.code, set()).add(result.path)
            first.setdefault(finding.code, finding)
    parts = [f'<h2 id="rules-title">{say("html.findings_by_rule")}</h2>']
    if not counts:
        return [*parts, f"<p>{say('html.no_findings')}</p>"]
    label = {
        key: say(f"html.col.{key}") for key in ("rule", "name", "summary", "severity", "findings", "models", "spec")
    }
    headers = "".join(f'<th scope="col">{label[key]}</th>' for key in label)
    parts.append(
        f'<table id="rules" class="cards" aria-labelledby="rules-title"><thead><tr>{headers}</tr></thead><tbody>'
    )
    for (code, severity), count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        rule = context.rules.get(code)
        summary = escape(rule.summary) if rule else ""
        finding = first[code]
        parts.append(
            f"<tr><td>{_link(finding.url or finding.spec_url, f'<code>{escape(code)}</code>', 'rule')}</td>"
            f'<td data-label="{label["name"]}">{escape(finding.name)}</td>'
            f'<td data-label="{label["summary"]}">{summary}</td>'
            f'<td data-label="{label["severity"]}" class="{escape(severity)}">{verdict_word(severity, say)}</td>'
            f'<td data-label="{label["findings"]}" class="num">{count}</td>'
            f'<td data-label="{label["models"]}" class="num">{len(models[code])}</td>'
            f'<td data-label="{label["spec"]}">{_link(finding.spec_url, say("html.spec_section"), "spec")}</td></tr>'
        )
    parts.append("</tbody></table>")
    return parts


def _chart(results: list[ModelResult], say: Say) -> list[str]:
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
        f"<h2>{say('html.throughput')}</h2>",
        f'<svg id="throughput" xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" height="{height}" '
        f'viewBox="0 0 {CHART_WIDTH} {height}" '
        f'role="img" aria-label="{say("html.throughput_label")}">',
    ]
    for row, (path, speed, batch) in enumerate(speeds):
        y = 4 + row * BAR_HEIGHT
        width = max(1.0, bar_width * speed / top)
        short = path if len(path) <= 40 else "..." + path[-37:]
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end">{escape(short)}</text>'
            f'<rect x="{label_width}" y="{y + 2}" width="{width:.1f}" height="{BAR_HEIGHT - 5}" fill="#0969da">'
            f"<title>{escape(path)}: {speed:.1f} {say('html.col.images_per_second')}"
            f"{say('html.at_batch').format(batch=escape(str(batch))) if batch else ''}</title></rect>"
            f'<text x="{label_width + width + 4:.1f}" y="{y + 13}">{speed:.0f}</text>'
        )
    parts.append("</svg>")
    return parts


def _models_table(results: list[ModelResult], say: Say) -> list[str]:
    labels = [say(label) for _, label, _ in COLUMNS]
    headers = "".join(
        f'<th scope="col" data-key="{key}" aria-sort="none"{" data-numeric" if numeric else ""}>'
        f'<button type="button">{label}</button></th>'
        for (key, _, numeric), label in zip(COLUMNS, labels, strict=True)
    )
    shown = say("html.shown").format(shown=f'<span id="shown">{len(results)}</span>', total=len(results))
    parts = [
        f'<h2 id="models-title">{say("html.models")}</h2>',
        f'<div id="controls" role="search" aria-label="{say("html.filter_label")}">'
        f'<label for="filter">{say("html.filter")}</label>'
        f'<input id="filter" type="search" placeholder="{say("html.filter_placeholder")}">'
        f'<label for="verdict">{say("html.verdict")}</label><select id="verdict">'
        f'<option value="all">{say("html.all")}</option>'
        + "".join(f'<option value="{v}">{verdict_word(v, say)}</option>' for v in (*SEVERITY_ORDER, "clean"))
        + f'</select> <span class="muted" aria-live="polite">{shown}</span></div>',
        f'<table id="models" class="cards" aria-labelledby="models-title"><thead><tr>{headers}</tr></thead><tbody>',
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
            f'<td data-sort="{escape(result.path)}">'
            f'<a href="#{section}" data-section="{section}">{escape(result.path)}</a></td>'
            f'<td data-label="{labels[1]}" data-sort="{escape(result.profile or "")}">'
            f"{escape(result.profile or 'none')}</td>"
            f'<td data-label="{labels[2]}" data-sort="{severity_rank(worst) if worst != "clean" else -1}" '
            f'class="{worst}">{verdict_word(worst, say)}</td>'
            + "".join(
                f'<td data-label="{label}" class="num" data-sort="{counts[s]}">{counts[s]}</td>'
                for s, label in zip(SEVERITY_ORDER, labels[3:6], strict=True)
            )
            + f'<td data-label="{labels[6]}" data-sort="{escape(status)}">{escape(status) or "-"}</td>'
            f'<td data-label="{labels[7]}" class="num" data-sort="{speed if speed is not None else ""}">'
            f"{f'{speed:.1f}' if speed is not None else '-'}</td></tr>"
        )
    parts.append("</tbody></table>")
    return parts


def _finding(finding: Finding, say: Say) -> str:
    """What was found and where; the fix; the rule's page and, separately, the spec section."""
    rule_page = finding.url or finding.spec_url
    rule_link = say("html.rule_link").format(code=escape(finding.code), name=escape(finding.name))
    links = [_link(rule_page, rule_link, "rule")]
    if finding.spec_url and finding.spec_url != rule_page:
        links.append(_link(finding.spec_url, say("html.spec_section"), "spec"))
    fix = f'<span class="fix"><strong>{say("html.fix")}</strong> {escape(finding.fix)}</span>' if finding.fix else ""
    severity = say(f"severity.{finding.severity}") if finding.severity in SEVERITY_ORDER else escape(finding.severity)
    where = say("finding.at").format(where=escape(finding.where))
    return (
        f"<li>{_link(rule_page, f'<code>{escape(finding.code)}</code>', 'code')} "
        f'<span class="{escape(finding.severity)}">{severity}</span> '
        f'{escape(finding.message)} <span class="muted">{where}</span>'
        f'{fix}<span class="links">{" | ".join(links)}</span></li>'
    )


def _details(results: list[ModelResult], say: Say) -> list[str]:
    parts = [f"<h2>{say('html.findings_by_model')}</h2>"]
    for index, result in enumerate(results):
        parts.append(
            f'<section class="model" id="model-{index}" tabindex="-1" aria-labelledby="model-{index}-title">'
            f'<h3 id="model-{index}-title">{escape(result.path)} '
            f'<span class="muted">[{escape(result.profile or "none")}] {escape(result.profile_reason)}</span></h3>'
        )
        if result.execution:
            parts.append(f'<p class="muted">{escape(execution_line(result.execution))}</p>')
        if not result.findings:
            parts.append(f'<p class="clean">{say("html.model_no_findings")}</p></section>')
            continue
        parts.append('<ul class="findings">')
        parts.extend(_finding(finding, say) for finding in result.findings)
        parts.append("</ul></section>")
    return parts


def render(results: list[ModelResult], context: ReportContext) -> str:
    """The page in the reader's language (``ReportContext.language``): its fixed words from the
    ``html.*`` phrases; messages and fixes as the rules worded them; model strings escaped."""
    say = sayer(context.language)
    models = counted("model", len(results), say)
    findings = counted("finding", sum(len(r.findings) for r in results), say)
    title = say("html.title")
    parts = [
        f'<!DOCTYPE html><html lang="{escape(context.language)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}: {models}</title>",
        f"<style>{STYLE}</style></head><body><main>",
        f'<h1>{title}</h1><p class="muted">'
        f"{say('html.version_line').format(version=escape(context.version), findings=findings, models=models)}</p>",
        *_unread(context, say),
        *_summary(results, say),
        *_models_table(results, say),
        *_chart(results, say),
        *_rules_table(results, context, say),
        *_details(results, say),
        f"</main><script>{SCRIPT}</script></body></html>",
    ]
    return "\n".join(parts) + "\n"
