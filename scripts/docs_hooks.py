"""MkDocs hooks (``hooks:`` in mkdocs.yml): the parts of the documentation site written by code.

- The command-line reference, from the argparse parser itself (``speclint.cli.build_parser``):
  every command, argument, choice and default, in the words of ``--help``.
- The configuration reference, from ``speclint.config`` (its keys, its defaults) and the
  defaults the readers use; a key without a description here stops the build.
- The rule and change-rule pages (``docs/rules``, ``docs/changes``, generated from the rule
  files by their own scripts) in the navigation, each page listed, whatever rules exist.
- ``CHANGELOG.md`` as the changelog page.
- Example reports: ``<!-- generated: speclint ARGUMENTS -->`` becomes what ``speclint
  ARGUMENTS`` prints when the site is built.

A page asks for a generated part with a marker line, ``<!-- generated: cli-reference -->``;
the prose around it stays in ``docs/``. ``tests/test_docs_site.py`` runs ``mkdocs build
--strict``; ``python scripts/docs_hooks.py cli|config`` prints a generated part.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # a checkout that is not installed

MARKER = re.compile(r"^<!-- generated: (?P<part>[a-z-]+)(?: (?P<arguments>[^>]+?))? -->$", re.MULTILINE)
USAGE_WIDTH = 76  # what the content column shows without scrolling


def build_parser() -> argparse.ArgumentParser:
    from speclint.cli import build_parser  # where the parser is built: the one line to change if it moves

    return build_parser()


# ---- the command line --------------------------------------------------------------------


def _subcommands(parser: argparse.ArgumentParser) -> Iterator[tuple[str, str, argparse.ArgumentParser]]:
    """(name, one-line help, parser) of each command: the walk the completion scripts use too."""
    from speclint.completion import commands

    return commands(parser)


def _usage(parser: argparse.ArgumentParser) -> str:
    """``usage: ...`` at a fixed width: the page must not depend on the terminal that built it."""
    formatter = argparse.HelpFormatter(parser.prog, width=USAGE_WIDTH)
    formatter.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups)
    return formatter.format_help().strip()


def _cell(text: str) -> str:
    """One table cell of plain help text: dunder names as code (``__pycache__`` is not bold)."""
    from speclint.rules.docs import markdown_prose

    return markdown_prose(text).replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def _names(action: argparse.Action) -> str:
    if not action.option_strings:
        return f"`{action.metavar or action.dest}`"
    value = ""
    if action.nargs != 0:
        value = " " + (action.metavar or action.dest.upper()) if not action.choices else ""
    return ", ".join(f"`{option}{value}`" for option in action.option_strings)


def _values(action: argparse.Action) -> str:
    if action.choices:
        return " ".join(f"`{choice}`" for choice in action.choices)
    if action.nargs == 0:
        return "flag"
    if action.nargs in ("+", "*"):
        return "one or more" if action.nargs == "+" else "any number"
    if isinstance(action, argparse._AppendAction):
        return "repeatable"
    return ""


def _default(action: argparse.Action) -> str:
    default = action.default
    if default in (None, False, [], argparse.SUPPRESS) or action.nargs == 0:
        return ""
    return f"`{default}`"


def _options_table(actions: list[argparse.Action]) -> list[str]:
    hidden = (argparse._HelpAction, argparse._SubParsersAction)  # -h everywhere; the commands get their own table
    rows = [a for a in actions if not isinstance(a, hidden) and a.help != argparse.SUPPRESS]
    if not rows:
        return []
    lines = ["| option | values | default | what it does |", "|---|---|---|---|"]
    for action in rows:
        lines.append(f"| {_names(action)} | {_values(action)} | {_default(action)} | {_cell(action.help or '')} |")
    return [*lines, ""]


def cli_reference() -> str:
    """Markdown: ``speclint`` and each of its commands, from the parser."""
    parser = build_parser()
    lines = [
        "## `speclint`",
        "",
        "```text",
        _usage(parser),
        "```",
        "",
        "`speclint PATH...` is short for `speclint check PATH...` (so is `speclint --execute PATH...`):",
        "any first argument that is not a command starts a `check`.",
        "",
        *_options_table(parser._actions),
        "| command | what it does |",
        "|---|---|",
    ]
    commands = list(_subcommands(parser))
    lines += [f"| [`{name}`](#speclint-{name}) | {_cell(text)} |" for name, text, _ in commands]
    lines.append("")
    for name, text, sub in commands:
        lines += [f"## `speclint {name}` {{#speclint-{name}}}", "", _cell(text[:1].upper() + text[1:]) + ".", ""]
        lines += ["```text", _usage(sub), "```", ""]
        for group in sub._action_groups:
            actions = [a for a in group._group_actions if not isinstance(a, argparse._HelpAction)]
            if not actions:
                continue
            title = {"positional arguments": "Arguments", "options": "Options"}.get(group.title or "", group.title)
            lines += [f"**{_cell(str(title))}**", ""]
            if group.description:
                lines += [_cell(group.description), ""]
            lines += _options_table(actions)
    return "\n".join(lines).rstrip() + "\n"


# ---- the configuration ---------------------------------------------------------------------

# key: (TOML type, the command-line option that overrides it, what it means). Defaults come from
# speclint.config.Config and the readers' constants.
TOP_KEYS: dict[str, tuple[str, str, str]] = {
    "profile": ("string", "--profile", "`auto` (picks the profile from the model and says why) or a profile name"),
    "select": ("array of strings", "--select", "rule codes or prefixes to report (`SL1`, `SL6`, `ALL`)"),
    "ignore": ("array of strings", "--ignore", "rule codes or prefixes to leave out; the command line adds to it"),
    "fail-level": ("string", "--fail-level", "exit 1 from a finding this severe: `info`, `warning`, `error`"),
    "rules": ("array of strings", "--rules", "rule pack directories, relative to this config file"),
    "format": (
        "string",
        "--format",
        "report format: `full` (`text` is its old name), `concise`, `json`, `github`, `sarif`, `jsonl`, `html`",
    ),
    "fail-on-not-applicable": (
        "boolean",
        "--fail-on-not-applicable",
        "exit 1 when a model takes no images (SL002, not applicable); by default such a model fails nothing",
    ),
    "max-file-size": ("integer", "--max-file-size", "refuse model files larger than this many bytes"),
    "read-timeout": ("number", "--read-timeout", "seconds the static reader may spend on one model"),
    "exclude": (
        "array of strings",
        "--exclude",
        "directory names (`scratch`, `*-tmp`) or path globs relative to this file (`models/old/*`) a tree walk "
        "skips, replacing the default list",
    ),
    "extend-exclude": ("array of strings", "--extend-exclude", "like `exclude`, added to the default list"),
    "respect-gitignore": ("boolean", "", "skip what the repository's `.gitignore` files ignore, as git does"),
    "per-path": ("array of tables", "", "settings for the models under some paths ([below](#per-path))"),
    "lang": ("string", "--lang", "the reader's language: `en`, `zh-CN`, `pt-BR` or `auto` (from `LANG`)"),
}
PER_PATH_KEYS: dict[str, tuple[str, str]] = {
    "path": ("string", "a glob, relative to this config file, matched against each model's directory (required)"),
    "profile": ("string", "the profile for the models that match"),
    "select": ("array of strings", "replaces `select` for them"),
    "ignore": ("array of strings", "added to `ignore` for them"),
    "claims": (
        "string",
        "the publisher's documentation for them, kept outside the model directory: a tfhub.dev Markdown"
        " page or a Kaggle `model-instance-metadata.json`, relative to this config file"
        " ([claims](checks.md))",
    ),
}


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def config_defaults() -> dict[str, str]:
    """Each key's default as TOML, where the setting is left unset in Config too."""
    from speclint.config import Config
    from speclint.discover import DEFAULT_EXCLUDE
    from speclint.read.guard import DEFAULT_READ_SECONDS
    from speclint.safe_io import DEFAULT_MAX_BYTES

    config = Config()
    defaults = {key: _toml(getattr(config, key.replace("-", "_"))) for key in TOP_KEYS if key != "per-path"}
    defaults.update(
        {
            "format": '`"github"` under GitHub Actions (`"text"` with `-o FILE`), else `"text"` (full)',
            "lang": '`"auto"`: from `LANGUAGE`/`LC_ALL`/`LANG`, English unless zh-CN or pt-BR',
            "max-file-size": f"`{DEFAULT_MAX_BYTES}` (1 GiB)",
            "read-timeout": f"`{DEFAULT_READ_SECONDS:g}`",
            "exclude": ", ".join(f"`{name}`" for name in DEFAULT_EXCLUDE),
            "per-path": "",
        }
    )
    return {key: value if value.startswith("`") or not value else f"`{value}`" for key, value in defaults.items()}


def config_reference() -> str:
    """Markdown: every key of the config file and of its ``per-path`` tables."""
    from speclint.config import PER_PATH_KEYS as PER_PATH
    from speclint.config import TOP_KEYS as TOP

    if set(TOP) != set(TOP_KEYS) or set(PER_PATH) != set(PER_PATH_KEYS):
        missing = sorted((set(TOP) ^ set(TOP_KEYS)) | (set(PER_PATH) ^ set(PER_PATH_KEYS)))
        raise ValueError(f"scripts/docs_hooks.py: describe (or drop) these [tool.speclint] keys: {missing}")
    defaults = config_defaults()
    lines = ["| key | type | default | command line | what it sets |", "|---|---|---|---|---|"]
    for key in sorted(TOP_KEYS):
        kind, option, text = TOP_KEYS[key]
        flag = f"[`{option}`](cli.md#speclint-check)" if option else ""
        lines.append(f"| `{key}` | {kind} | {defaults[key]} | {flag} | {text} |")
    lines += ["", "### `per-path` {#per-path}", ""]
    lines += [
        "Each `[[per-path]]` table (`[[tool.speclint.per-path]]` in `pyproject.toml`) applies to the models",
        "whose directory, relative to the config file, matches `path`; when several match, the last one wins.",
        "A pattern that matches none of the models found is a warning on stderr: a typo or a stale entry.",
        "",
        "| key | type | what it sets |",
        "|---|---|---|",
    ]
    lines += [f"| `{key}` | {kind} | {text} |" for key, (kind, text) in PER_PATH_KEYS.items()]
    return "\n".join(lines) + "\n"


# ---- real output -------------------------------------------------------------------------


def speclint_output(arguments: str) -> str:
    """What ``speclint ARGUMENTS`` prints, run from the repository root when the site is built:
    a page cannot show an old report."""
    import os
    import shlex
    import subprocess

    env = {**os.environ, "NO_COLOR": "1", "LANG": "C.UTF-8"}
    env.pop("GITHUB_ACTIONS", None)  # the text format, also when the site is built in CI
    command = [sys.executable, "-m", "speclint", *shlex.split(arguments)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env)
    if result.returncode not in (0, 1) or not result.stdout:
        raise RuntimeError(f"scripts/docs_hooks.py: speclint {arguments} failed: {result.stderr.strip()}")
    return f"```console\n$ speclint {arguments}\n{result.stdout.rstrip()}\n```\n"


GENERATED = {"cli-reference": cli_reference, "config-reference": config_reference}


# ---- MkDocs events -------------------------------------------------------------------------


def _expand(nav: Any, directory: str, docs: Path) -> Any:
    """Nav entries that name ``<directory>/README.md`` become that page plus every page beside it."""
    if isinstance(nav, list):
        return [_expand(item, directory, docs) for item in nav]
    if isinstance(nav, dict):
        return {title: _expand(item, directory, docs) for title, item in nav.items()}
    if nav == f"{directory}/README.md":
        pages = sorted(p.name for p in (docs / directory).glob("*.md") if p.name != "README.md")
        return [nav, *(f"{directory}/{name}" for name in pages)]
    return nav


def on_config(config: Any) -> Any:
    docs = Path(config["docs_dir"])
    for directory in ("rules", "changes"):
        config["nav"] = _expand(config["nav"], directory, docs)
    return config


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    files.append(File.generated(config, "changelog.md", content=changelog))
    return files


def literal_brackets(markdown: str) -> str:
    """``x["default"][i, c]`` in prose (a spec quote) as text, not as a reference link for autorefs
    to resolve: ``][`` becomes ``]\\[`` outside code. The rule pages are Markdown for GitHub and
    the terminal too, where it already reads as text; only the site needs this."""
    lines, fenced = [], False
    for line in markdown.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced:
            parts = line.split("`")
            line = "`".join(part.replace("][", "]\\[") if i % 2 == 0 else part for i, part in enumerate(parts))
        lines.append(line)
    return "\n".join(lines)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if page.file.src_path.startswith(("rules/", "changes/")):
        markdown = literal_brackets(markdown)

    def generate(found: re.Match[str]) -> str:
        part = found["part"]
        if part == "speclint" and found["arguments"]:
            return speclint_output(found["arguments"])
        if part not in GENERATED or found["arguments"]:
            known = [*sorted(GENERATED), "speclint ARGUMENTS"]
            raise ValueError(f"{page.file.src_path}: unknown generated part {found[0]!r} (known: {known})")
        return GENERATED[part]()

    return MARKER.sub(generate, markdown)


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("cli", "config"):
        sys.exit("usage: python scripts/docs_hooks.py cli|config")
    sys.stdout.write(GENERATED[f"{sys.argv[1]}-reference"]())
