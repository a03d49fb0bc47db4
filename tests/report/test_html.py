"""``--format html``: a self-contained page, every model string escaped, checked in real Chromium.

The browser tests drive headless Chromium (the Debian ``chromium`` package; ``.ci/run``
installs it) through the DevTools protocol over a pipe: the test types into the filter box,
clicks a column header and takes a screenshot, as a person would.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import os
import select
import shutil
import struct
import subprocess
import time
import zlib
from pathlib import Path
from typing import Any

import pytest

import speclint
from speclint.project import rule_page_url
from speclint.report import ReportContext
from speclint.report.html import render, verdict
from speclint.rules.language import catalog
from speclint.rules.rule import Finding
from speclint.rules.ruleset import ModelResult
from tests.conftest import MODELS, need, run_speclint

HOSTILE = '<img src=x onerror="alert(1)">&amp;'
NAMES = ["tf2-feature-vector", "tf1-input-uint8", "tf2-nchw", "tf1-softmax-output", "broken-truncated"]


def _hostile_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "audit"
    for name in NAMES:
        shutil.copytree(MODELS / name, tree / name)
    shutil.copytree(MODELS / "tf2-nchw", tree / HOSTILE)
    return tree


def test_the_page_is_self_contained_and_escapes_every_model_string(tmp_path: Path) -> None:
    tree = _hostile_tree(tmp_path)
    done = run_speclint("--format", "html", str(tree))
    assert done.returncode == 1, done.stderr
    page = done.stdout
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert HOSTILE not in page and "<img" not in page and 'onerror="alert' not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;amp;" in page
    for external in ("<link", "<script src", "@import", "url(", "<iframe", "<img"):
        assert external not in page, external
    assert page.count("<script>") == 1 and page.count("<style>") == 1


def test_the_page_counts_by_rule_and_severity_and_links_the_spec() -> None:
    paths = [str(MODELS / name) for name in NAMES]
    report = speclint.lint(paths)
    page = report.render("html")
    findings = [f for r in report.results for f in r.findings]
    errors = sum(f.severity == "error" for f in findings)
    assert f'<span class="error">{errors}</span> error' in page
    for code in {f.code for f in findings}:
        count = sum(f.code == code for f in findings)
        assert f"<code>{code}</code></a>" in page
        assert f'<td data-label="findings" class="num">{count}</td>' in page
    assert 'href="https://www.tensorflow.org/hub/common_signatures/images#input"' in page
    assert [verdict(r) for r in report.results].count("clean") == 1  # tf2-feature-vector


def test_each_finding_has_its_fix_and_links_to_its_rule_page_and_spec_section() -> None:
    report = speclint.lint([str(MODELS / "tf1-input-uint8")])
    (finding,) = report.results[0].findings
    page = report.render("html")
    assert finding.fix and finding.url == rule_page_url(finding.code) != finding.spec_url
    item = page[page.index('<ul class="findings">') : page.index("</ul>")]
    assert f'<span class="fix"><strong>Fix:</strong> {html.escape(finding.fix)}</span>' in item
    assert f'<a href="{finding.url}" class="rule">rule {finding.code}: {finding.name}</a>' in item
    assert f'<a href="{finding.spec_url}" class="spec">spec section</a>' in item
    rules = page[page.index('<table id="rules"') : page.index("</table>", page.index('<table id="rules"'))]
    assert f'<a href="{finding.url}" class="rule"><code>{finding.code}</code></a>' in rules
    assert f'<a href="{finding.spec_url}" class="spec">spec section</a>' in rules


def test_hostile_strings_in_every_field_stay_text() -> None:
    bad = '</script><script>alert("x")</script>\n"quoted" \'single\' <b>&amp;'
    spec, page_url = "https://e.org/#" + bad, "https://e.org/" + bad
    finding = Finding(bad, "SL112", bad, bad, "error", bad, "/x", spec, fix=bad, url=page_url)
    result = ModelResult(bad, "tf2", "p", bad, [finding], {"status": "ok", "images_per_second": 1.0, "reason": bad})
    page = render([result], ReportContext(rules={}, version=bad, unread=((bad, bad),)))
    markup = page.split("<script>")[0]
    assert "<b>" not in page and 'alert("' not in markup and page.count("<script>") == 1
    assert page.count("</script>") == 1 and '"quoted"' not in markup
    assert "&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in markup


def test_rule_pack_links_other_than_http_are_not_links() -> None:
    finding = Finding("m", "ORG001", "here", "n", "error", "msg", "/x", "javascript:alert(1)")
    page = render([ModelResult("m", "tf2", "p", "r", [finding])], ReportContext(rules={}, version="0"))
    assert "javascript:" not in page.split("<script>")[0]


def test_executed_models_get_a_throughput_bar() -> None:
    results = [
        ModelResult("a<b", "tf2", "p", "r", [], {"status": "ok", "device": "CPU:0", "images_per_second": 120.0}),
        ModelResult("c", "tf2", "p", "r", [], {"status": "ok", "device": "CPU:0", "images_per_second": 60.0}),
        ModelResult("d", "tf2", "p", "r", [], {"status": "crashed", "device": None, "images_per_second": None}),
    ]
    page = render(results, ReportContext(rules={}, version="0"))
    chart = page[page.index('<svg id="throughput"') : page.index("</svg>")]
    assert chart.count("<rect") == 2 and "a&lt;b: 120.0 images/s" in chart
    widths = [float(part.split('"')[0]) for part in chart.split('width="')[2:]]
    assert widths[0] == pytest.approx(2 * widths[1])


# --- real Chromium -------------------------------------------------------------------------------


def _chromium() -> str:
    found = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
    need(found is not None, "Chromium is not installed (apt-get install chromium)")
    assert found is not None
    return found


class Browser:
    """Headless Chromium driven by the DevTools protocol over ``--remote-debugging-pipe`` (fds 3 and 4)."""

    def __init__(self, binary: str, profile: Path) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def wire() -> None:
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        args = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe"]
        args += ["--no-first-run", f"--user-data-dir={profile}", "about:blank"]
        self.process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=wire, pass_fds=(3, 4)
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._next = 0
        self._buffer = b""
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None

    def call(self, method: str, params: dict[str, Any] | None = None, timeout: float = 30) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if self.session and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read(timeout)
            if reply.get("id") == self._next:
                assert "error" not in reply, (method, reply["error"])
                result: dict[str, Any] = reply["result"]
                return result
            self.events.append(reply)

    def wait_event(self, method: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event.get("method") == method:
                    self.events.remove(event)
                    return event
            self.events.append(self._read(deadline - time.monotonic()))

    def _read(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            assert left > 0 and select.select([self._from_chrome], [], [], left)[0], "Chromium did not answer"
            chunk = os.read(self._from_chrome, 1 << 20)
            assert chunk, "Chromium exited"
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def open(self, url: str, width: int = 1280, height: int = 1000) -> None:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        self.call("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def click(self, selector: str) -> None:
        """A mouse click in the middle of the element's first box (a wrapped link's first line)."""
        box = self.evaluate(
            f"(() => {{const r = document.querySelector({json.dumps(selector)}).getClientRects()[0];"
            "return [r.x + r.width / 2, r.y + r.height / 2];})()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            self.call(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": box[0], "y": box[1], "button": "left", "clickCount": 1},
            )

    def screenshot(self, path: Path) -> bytes:
        data = base64.b64decode(self.call("Page.captureScreenshot", {"format": "png"})["data"])
        path.write_bytes(data)
        return data

    def close(self) -> None:
        with contextlib.suppress(AssertionError):
            self.call("Browser.close", timeout=10)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)


@pytest.fixture
def browser(tmp_path: Path) -> Any:
    chrome = Browser(_chromium(), tmp_path / "chrome-profile")
    try:
        yield chrome
    finally:
        chrome.close()


VISIBLE_ROWS = (
    "Array.from(document.querySelectorAll('#models tbody tr'))"
    ".filter(r => getComputedStyle(r).display !== 'none').map(r => r.cells[0].textContent)"
)
VISIBLE_SECTIONS = (
    "Array.from(document.querySelectorAll('section.model')).filter(s => getComputedStyle(s).display !== 'none').length"
)


def _png_pixels(data: bytes) -> tuple[int, int, set[bytes]]:
    """Width, height and the set of distinct RGB(A) pixels of a PNG (8-bit, no interlace)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, color = struct.unpack(">IIBB", data[16:26])
    assert depth == 8 and color in (2, 6)
    channels = 3 if color == 2 else 4
    chunks, at = b"", 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        if kind == b"IDAT":
            chunks += data[at + 8 : at + 8 + length]
        at += 12 + length
    raw = zlib.decompress(chunks)
    stride = width * channels
    previous = bytearray(stride)
    pixels: set[bytes] = set()
    for row in range(height):
        kind = raw[row * (stride + 1)]
        line = bytearray(raw[row * (stride + 1) + 1 : (row + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        if row % 8 == 0:
            pixels.update(bytes(line[i : i + 3]) for i in range(0, stride, channels * 4))
        previous = line
    return width, height, pixels


def test_the_page_renders_and_the_filter_and_sort_work_in_chromium(tmp_path: Path, browser: Browser) -> None:
    tree = _hostile_tree(tmp_path)
    page = tmp_path / "report.html"
    done = run_speclint("--format", "html", "-o", str(page), str(tree))
    assert done.returncode == 1, done.stderr
    browser.open(page.as_uri())
    assert browser.evaluate("document.body.getAttribute('data-ready')") == "1"  # the script ran without error
    everything = browser.evaluate(VISIBLE_ROWS)
    assert len(everything) == 6 and any(HOSTILE in row for row in everything)  # shown as text, not markup
    assert browser.evaluate("document.querySelectorAll('img').length") == 0
    full = browser.screenshot(tmp_path / "all.png")

    browser.evaluate("document.getElementById('filter').focus()")
    browser.call("Input.insertText", {"text": "tf1"})  # typing, as a person would
    assert sorted(browser.evaluate(VISIBLE_ROWS)) == [str(tree / "tf1-input-uint8"), str(tree / "tf1-softmax-output")]
    assert browser.evaluate(VISIBLE_SECTIONS) == 2
    assert browser.evaluate("document.getElementById('shown').textContent") == "2"
    filtered = browser.screenshot(tmp_path / "filtered.png")
    assert filtered != full

    browser.evaluate("document.getElementById('filter').value = ''")
    browser.call("Input.insertText", {"text": " "})  # a blank query shows every row again
    browser.evaluate(
        "(s => { s.value = 'error'; s.dispatchEvent(new Event('change')); })(document.getElementById('verdict'))"
    )
    errors = browser.evaluate(VISIBLE_ROWS)
    report = speclint.lint([tree])
    assert sorted(errors) == sorted(r.path for r in report.results if verdict(r) == "error")

    browser.evaluate(
        "(s => { s.value = 'all'; s.dispatchEvent(new Event('change')); })(document.getElementById('verdict'))"
    )
    browser.evaluate("(q => { q.value = ''; q.dispatchEvent(new Event('input')); })(document.getElementById('filter'))")
    browser.click("#models th:nth-child(4) button")  # errors, descending
    counts = browser.evaluate(
        "Array.from(document.querySelectorAll('#models tbody tr')).map(r => +r.cells[3].textContent)"
    )
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]

    width, height, pixels = _png_pixels(full)
    assert (width, height) == (1280, 1000)
    assert len(pixels) > 20  # text, colours and table lines, not a blank page


def test_the_filter_can_be_set_from_the_address(tmp_path: Path, browser: Browser) -> None:
    paths = [str(MODELS / name) for name in NAMES]
    page = tmp_path / "report.html"
    page.write_text(speclint.lint(paths).render("html"))
    browser.open(page.as_uri() + "#q=nchw")
    assert browser.evaluate(VISIBLE_ROWS) == [str(MODELS / "tf2-nchw")]
    assert browser.evaluate("document.getElementById('filter').value") == "nchw"


# What axe-core would check that matters here, written as assertions computed in the page.
ACCESSIBILITY = """(() => {
  const name = el => (el.getAttribute('aria-label') || el.textContent || '').trim();
  const sortable = Array.from(document.querySelectorAll('#models thead th'));
  const controls = Array.from(document.querySelectorAll('input, select'));
  return {
    main: document.querySelectorAll('main').length,
    search: Array.from(document.querySelectorAll('[role=search]')).map(s => s.getAttribute('aria-label')),
    controlsInSearch: controls.every(c => c.closest('[role=search]') !== null),
    unnamedButtons: Array.from(document.querySelectorAll('button')).filter(b => !name(b)).length,
    buttons: document.querySelectorAll('#models thead th button').length,
    headers: sortable.length,
    ariaSort: sortable.map(th => th.getAttribute('aria-sort')),
    unlabelled: controls.filter(c => !c.labels.length || !Array.from(c.labels).some(l => name(l))).length,
    unnamedLinks: Array.from(document.querySelectorAll('a')).filter(a => !name(a)).length,
    h1: document.querySelectorAll('h1').length,
  };
})()"""
SORT_STATE = (
    "Array.from(document.querySelectorAll('#models thead th'))"
    ".map(th => th.getAttribute('data-key') + ':' + th.getAttribute('aria-sort'))"
)
ERRORS_COLUMN = "Array.from(document.querySelectorAll('#models tbody tr')).map(r => +r.cells[3].textContent)"


def _press(browser: Browser, key: str) -> None:
    """A real key press on the focused element: Enter or Space."""
    code, number, text = {"Enter": ("Enter", 13, "\r"), " ": ("Space", 32, " ")}[key]
    for kind in ("keyDown", "keyUp"):
        event = {"type": kind, "key": key, "code": code, "windowsVirtualKeyCode": number}
        browser.call("Input.dispatchKeyEvent", {**event, "text": text} if kind == "keyDown" else event)


def test_reviewers_page_keyboard_sort_state_in_the_address_and_a_phone_screen(tmp_path: Path, browser: Browser) -> None:
    tree = _hostile_tree(tmp_path)
    page = tmp_path / "report.html"
    done = run_speclint("--format", "html", "-o", str(page), str(tree))
    assert done.returncode == 1, done.stderr
    shots = tmp_path / "screenshots"
    shots.mkdir()
    browser.open(page.as_uri())
    assert browser.evaluate("document.body.getAttribute('data-ready')") == "1"

    a11y = browser.evaluate(ACCESSIBILITY)
    assert a11y["main"] == 1 and a11y["h1"] == 1 and a11y["search"] == ["Filter models"] and a11y["controlsInSearch"]
    assert a11y["unnamedButtons"] == 0 and a11y["unnamedLinks"] == 0 and a11y["unlabelled"] == 0
    assert a11y["buttons"] == a11y["headers"] == 8 and a11y["ariaSort"] == ["none"] * 8

    # The fix and the rule page of a finding, read from the rendered page.
    report = speclint.lint([tree])
    uint8 = next(r for r in report.results if r.path.endswith("tf1-input-uint8"))
    (finding,) = uint8.findings
    shown = browser.evaluate(
        "Array.from(document.querySelectorAll('section.model li')).filter(li => li.textContent.includes("
        + json.dumps(finding.message)
        + ")).map(li => [li.querySelector('.fix').textContent, li.querySelector('a.rule').href,"
        " li.querySelector('a.spec').href])"
    )
    assert shown == [[f"Fix: {finding.fix}", finding.url, finding.spec_url]]

    # Sorting by keyboard: Enter, then Space, on the focused header button.
    browser.evaluate("document.querySelector('#models th[data-key=errors] button').focus()")
    _press(browser, "Enter")
    assert "errors:descending" in browser.evaluate(SORT_STATE)
    assert sum(s.endswith(":none") for s in browser.evaluate(SORT_STATE)) == 7
    counts = browser.evaluate(ERRORS_COLUMN)
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    assert browser.evaluate("location.hash") == "#sort=errors&order=desc"
    _press(browser, " ")
    assert "errors:ascending" in browser.evaluate(SORT_STATE)
    assert browser.evaluate(ERRORS_COLUMN) == sorted(counts)
    assert browser.evaluate("document.activeElement.textContent") == "errors"

    # Filter and verdict join the address; a model link keeps it and moves focus to the model.
    browser.evaluate("document.getElementById('filter').focus()")
    browser.call("Input.insertText", {"text": "tf"})
    browser.evaluate(
        "(s => { s.value = 'warning'; s.dispatchEvent(new Event('change')); })(document.getElementById('verdict'))"
    )
    state = "#q=tf&verdict=warning&sort=errors&order=asc"
    assert browser.evaluate("location.hash") == state
    visible = browser.evaluate(VISIBLE_ROWS)
    assert sorted(visible) == sorted(
        r.path for r in report.results if verdict(r) == "warning" and "tf" in f"{r.path} {r.profile}".lower()
    )
    assert len(visible) == 3
    browser.click("#models tbody tr:not(.hidden) a")
    assert browser.evaluate("location.hash") == state
    assert browser.evaluate("document.activeElement.tagName + ':' + document.activeElement.id").startswith("SECTION:")
    shared = browser.evaluate("location.href")
    browser.screenshot(shots / "wide-filtered.png")

    # A shared link (a fresh tab) restores the same view; editing the address changes it.
    browser.open(shared)
    assert browser.evaluate("document.getElementById('filter').value") == "tf"
    assert browser.evaluate("document.getElementById('verdict').value") == "warning"
    assert "errors:ascending" in browser.evaluate(SORT_STATE)
    assert browser.evaluate(VISIBLE_ROWS) == visible
    browser.evaluate("location.hash = 'verdict=error&sort=model&order=desc'")
    browser.evaluate("new Promise(r => setTimeout(r, 50))")
    assert browser.evaluate("document.getElementById('filter').value") == ""
    assert "model:descending" in browser.evaluate(SORT_STATE)
    names = browser.evaluate(VISIBLE_ROWS)
    assert names and names == sorted(names, reverse=True)
    browser.call("Page.reload")
    browser.wait_event("Page.loadEventFired")
    assert "model:descending" in browser.evaluate(SORT_STATE) and browser.evaluate(VISIBLE_ROWS) == names

    # Both widths: a screenshot each; at 390 px nothing scrolls sideways and sorting still works.
    wide = browser.screenshot(shots / "wide.png")
    assert _png_pixels(wide)[:2] == (1280, 1000)
    browser.open(page.as_uri() + "#sort=verdict&order=desc", width=390, height=844)
    assert browser.evaluate("innerWidth") == 390
    assert browser.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert browser.evaluate(
        "Array.from(document.querySelectorAll('body *')).every(e => e.getBoundingClientRect().right <= innerWidth + 0.5"
        " || e.closest('.hidden'))"
    )
    assert browser.evaluate("document.querySelector('#models th[data-key=speed] button').getBoundingClientRect().width")
    narrow = browser.screenshot(shots / "narrow.png")
    width, height, pixels = _png_pixels(narrow)
    assert (width, height) == (390, 844) and len(pixels) > 20
    assert "verdict:descending" in browser.evaluate(SORT_STATE)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "zh-CN",
            (
                "<title>speclint 报告: 2 个模型</title>",
                "<h2>摘要</h2>",
                '<label for="filter">筛选</label>',
                "<strong>修复：</strong>",
                ">规范章节</a>",
                '<h2 class="error">1 个模型无法读取</h2>',
                "图像输入的数据类型为 DT_UINT8",
            ),
        ),
        (
            "pt-BR",
            (
                "<title>Relatório do speclint: 2 modelos</title>",
                "<h2>Resumo</h2>",
                ">Filtrar</label>",
                "<strong>Correção:</strong>",
                ">seção da especificação</a>",
                "1 modelo não pôde ser lido</h2>",
                "a entrada de imagens tem dtype DT_UINT8",
            ),
        ),
    ],
)
def test_the_page_speaks_the_readers_language(tmp_path: Path, language: str, words: tuple[str, ...]) -> None:
    """Fixed words from the ``html.*`` phrases, findings as the rules word them in that language,
    model strings and numbers as they are (escaped); keys, classes and values stay English."""
    tree = tmp_path / "audit"
    shutil.copytree(MODELS / "tf1-input-uint8", tree / HOSTILE)
    shutil.copytree(MODELS / "broken-truncated", tree / "broken-truncated")
    done = run_speclint("--format", "html", "--lang", language, str(tree))
    assert done.returncode == 1, done.stderr
    page = done.stdout
    assert page.startswith(f'<!DOCTYPE html><html lang="{language}">')
    assert all(word in page for word in words), [word for word in words if word not in page]
    assert (
        html.escape(catalog(language)["rules"]["SL112"]["fix"]) in page
        and "Fix:" not in page
        and "spec section" not in page
    )
    assert HOSTILE not in page and html.escape(HOSTILE) in page
    assert 'data-key="errors"' in page and '<option value="error">' in page and 'class="error"' in page
