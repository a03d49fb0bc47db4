"""``speclint completion bash|zsh|fish``: each script parses in its shell and completes the real commands.

The scripts are printed by the real command line, then run by the real shells: bash's
``_speclint`` is called as bash calls it (``COMP_WORDS``/``COMP_CWORD``), fish answers
``complete -C``, and zsh (which needs a terminal to complete) is checked for syntax.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from speclint.cli import build_parser
from speclint.completion import commands, options, rule_codes
from tests.conftest import need, run_speclint

SHELLS = ("bash", "zsh", "fish")


@pytest.fixture(scope="module")
def scripts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("completion")
    found = {}
    for shell in SHELLS:
        completed = run_speclint("completion", shell)
        assert completed.returncode == 0 and completed.stderr == "", completed.stderr
        found[shell] = folder / f"speclint.{shell}"
        found[shell].write_text(completed.stdout, encoding="utf-8")
    return found


def _shell(name: str) -> str:
    path = shutil.which(name)
    need(path is not None, f"{name} is not installed (apt-get install {name})")
    assert path is not None
    return path


@pytest.mark.parametrize("shell,check", [("bash", ["-n"]), ("zsh", ["-n"]), ("fish", ["--no-execute"])])
def test_script_is_valid_syntax(scripts: dict[str, Path], shell: str, check: list[str]) -> None:
    completed = subprocess.run([_shell(shell), *check, str(scripts[shell])], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr


@pytest.mark.parametrize("shell", SHELLS)
def test_every_command_and_option_is_in_every_script(scripts: dict[str, Path], shell: str) -> None:
    """Generated from the parser: nothing the parser accepts is missing from a script."""
    text = scripts[shell].read_text(encoding="utf-8")
    parser = build_parser()
    for name, _, sub in commands(parser):
        assert name in text
        for option in options(sub):
            for string in option.strings:
                word = string
                if shell == "fish":
                    word = f"-l {string[2:]}" if string.startswith("--") else f"-s {string[1:]}"
                assert word in text, (shell, name, string)
            for value in option.values:
                assert value in text, (shell, name, value)


def _bash_complete(script: Path, *words: str) -> list[str]:
    """What bash offers for ``words`` (the last one is being completed)."""
    quoted = " ".join(f"'{word}'" for word in words)
    program = (
        f"source '{script}'; COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; _speclint; "
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    completed = subprocess.run([_shell("bash"), "-c", program], capture_output=True, text=True, check=True)
    return [line for line in completed.stdout.splitlines() if line]


def test_bash_completes_commands_options_and_values(scripts: dict[str, Path]) -> None:
    script = scripts["bash"]
    assert _bash_complete(script, "speclint", "c") == ["check", "completion"]
    assert _bash_complete(script, "speclint", "check", "--fo") == ["--format"]
    assert _bash_complete(script, "speclint", "check", "--format", "") == [
        "full",
        "concise",
        "text",
        "json",
        "github",
        "sarif",
        "jsonl",
        "html",
    ]
    assert _bash_complete(script, "speclint", "diff", "--format", "s") == ["sarif"]
    assert _bash_complete(script, "speclint", "models/", "--fail-l") == ["--fail-level"]  # PATH first: check
    assert _bash_complete(script, "speclint", "--exe") == ["--execute", "--executor"]
    assert _bash_complete(script, "speclint", "check", "--profile", "tf2-image-c") == ["tf2-image-classification"]
    assert _bash_complete(script, "speclint", "completion", "") == ["bash", "zsh", "fish"]
    assert "SL112" in _bash_complete(script, "speclint", "rule", "SL11")
    assert _bash_complete(script, "speclint", "check", "--output", "") == []  # a file name: bash's default


def test_fish_completes_commands_options_and_values(scripts: dict[str, Path]) -> None:
    def complete(line: str) -> list[str]:
        program = f"source '{scripts['fish']}'; complete -C '{line}'"
        completed = subprocess.run([_shell("fish"), "-c", program], capture_output=True, text=True, check=True)
        return [row.split("\t")[0] for row in completed.stdout.splitlines()]

    assert {"check", "completion"} <= set(complete("speclint c"))
    formats = ["concise", "full", "github", "html", "json", "jsonl", "sarif", "text"]
    assert complete("speclint check --format ") == formats
    assert "--fail-level" in complete("speclint check --fail-")
    assert complete("speclint completion ") == ["bash", "fish", "zsh"]
    assert "SL112" in complete("speclint rule SL11")


def test_rule_codes_are_the_built_in_rules() -> None:
    from speclint.rules.loader import load_rules

    assert rule_codes() == sorted(load_rules())


def test_unknown_shell_is_a_one_line_usage_error() -> None:
    completed = run_speclint("completion", "tcsh")
    assert completed.returncode == 2 and completed.stdout == ""
    assert completed.stderr.count("\n") == 1 and "invalid choice: 'tcsh'" in completed.stderr
