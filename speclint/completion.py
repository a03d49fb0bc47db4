"""``speclint completion bash|zsh|fish``: shell completion scripts written from the argparse parser.

The scripts are generated from ``speclint.cli.build_parser()`` each time they are printed, so a
new command, option or choice completes without anyone editing a script. The walk over the
parser (``commands``, ``options``) is also what the documentation site's CLI reference uses.
Standard library only: printing a script must not load the reader or the rule engine.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from dataclasses import dataclass

PROG = "speclint"


@dataclass(frozen=True)
class Option:
    """One option of a command, as a completion script needs it."""

    strings: tuple[str, ...]  # --format, --output-format
    values: tuple[str, ...]  # the words its value may be; empty: any (a file name)
    takes_value: bool
    repeatable: bool
    help: str


def commands(parser: argparse.ArgumentParser) -> Iterator[tuple[str, str, argparse.ArgumentParser]]:
    """(name, one-line help, parser) of each command, in the parser's order."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, sub in action.choices.items():
                yield name, helps.get(name, ""), sub


def _values(action: argparse.Action) -> tuple[str, ...]:
    if action.choices:
        return tuple(str(choice) for choice in action.choices)
    if action.dest == "profile":  # free text in the parser (a pack may add one), these are built in
        from speclint.rules.profiles import PROFILE_NAMES

        return ("auto", *PROFILE_NAMES)
    return ()


def options(parser: argparse.ArgumentParser) -> list[Option]:
    """Every option of ``parser`` (``-h`` included), in its order."""
    found = []
    for action in parser._actions:
        if not action.option_strings or action.help == argparse.SUPPRESS:
            continue
        found.append(
            Option(
                strings=tuple(action.option_strings),
                values=_values(action),
                takes_value=action.nargs != 0,
                repeatable=isinstance(action, (argparse._AppendAction, argparse._ExtendAction)),
                help=" ".join((action.help or "").split()),
            )
        )
    return found


def positionals(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if not a.option_strings and not isinstance(a, argparse._SubParsersAction)]


def rule_codes() -> list[str]:
    """The built-in rule codes, from the rule files' names (``SL112-images-input-dtype.json``)."""
    from speclint.rules.loader import schemas_path

    names = os.listdir(os.path.join(schemas_path(), "rules"))
    return sorted(name.split("-", 1)[0] for name in names if name.endswith(".json"))


def _positional_values(command: str, parser: argparse.ArgumentParser) -> tuple[str, ...] | None:
    """Words for the command's first argument, or None where it is a path."""
    if command == "rule":
        return tuple(rule_codes())
    for action in positionals(parser):
        if action.choices:
            return tuple(str(choice) for choice in action.choices)
    return None


def script(shell: str, parser: argparse.ArgumentParser) -> str:
    """The completion script for ``shell``: bash, zsh or fish."""
    writers = {"bash": _bash, "zsh": _zsh, "fish": _fish}
    return writers[shell](parser)


# ---- bash ------------------------------------------------------------------------------------


def _words(values: tuple[str, ...] | list[str]) -> str:
    return " ".join(values)


def _strings(*parsers: argparse.ArgumentParser) -> list[str]:
    found = [string for parser in parsers for option in options(parser) for string in option.strings]
    return list(dict.fromkeys(found))  # -h is both speclint's and check's


def _bash(parser: argparse.ArgumentParser) -> str:
    subs = list(commands(parser))
    names = [name for name, _, _ in subs]
    check = next(sub for name, _, sub in subs if name == "check")  # the default command
    lines = [
        f"# bash completion for {PROG}: `{PROG} completion bash`, generated from its command line.",
        "_speclint() {",
        "    local cur prev cmd",
        '    cur="${COMP_WORDS[COMP_CWORD]}"',
        '    prev="${COMP_WORDS[COMP_CWORD-1]}"',
        "    COMPREPLY=()",
        "    if [[ $COMP_CWORD -eq 1 ]]; then",
        '        if [[ "$cur" == -* ]]; then',
        f'            COMPREPLY=($(compgen -W "{_words(_strings(parser, check))}" -- "$cur"))',
        "        else",
        f'            COMPREPLY=($(compgen -W "{_words(names)}" -- "$cur"))',
        "        fi",
        "        return 0",
        "    fi",
        '    cmd="${COMP_WORDS[1]}"',
        '    case "$cmd" in',
        f"        {'|'.join(names)}) ;;",
        "        *) cmd=check ;;  # `speclint PATH...` is `speclint check PATH...`",
        "    esac",
        '    case "$cmd $prev" in',
    ]
    for name, _, sub in subs:
        for option in options(sub):
            if option.takes_value:
                pattern = "|".join(f'"{name} {string}"' for string in option.strings)
                reply = f'COMPREPLY=($(compgen -W "{_words(option.values)}" -- "$cur"))' if option.values else ":"
                lines.append(f"        {pattern}) {reply}; return 0 ;;")
    lines += ["    esac", '    if [[ "$cur" == -* ]]; then', '        case "$cmd" in']
    for name, _, sub in subs:
        lines.append(f'            {name}) COMPREPLY=($(compgen -W "{_words(_strings(sub))}" -- "$cur")) ;;')
    lines += ["        esac", "        return 0", "    fi", '    case "$cmd" in']
    for name, _, sub in subs:
        values = _positional_values(name, sub)
        if values:
            lines.append(f'        {name}) COMPREPLY=($(compgen -W "{_words(values)}" -- "$cur")) ;;')
    lines += [
        "    esac",
        "    return 0  # nothing matched: bash completes file names (complete -o default)",
        "}",
        f"complete -o default -F _speclint {PROG}",
    ]
    return "\n".join(lines) + "\n"


# ---- zsh -------------------------------------------------------------------------------------


def _zsh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _zsh_help(text: str) -> str:
    """Text inside ``[...]`` of an ``_arguments`` spec: brackets and backslashes escaped."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _zsh_spec(option: Option) -> list[str]:
    action = ""
    if option.takes_value:
        what = f"({' '.join(option.values)})" if option.values else "_files"
        action = f":value:{what}"
    help = _zsh_help(option.help)
    exclusive = f"({' '.join(option.strings)})" if len(option.strings) > 1 and not option.repeatable else ""
    star = "*" if option.repeatable else ""
    specs = []
    for string in option.strings:
        equals = "=" if option.takes_value and string.startswith("--") else ""  # --format=json or --format json
        specs.append(_zsh_quote(f"{exclusive}{star}{string}{equals}[{help}]{action}"))
    return specs


def _zsh(parser: argparse.ArgumentParser) -> str:
    subs = list(commands(parser))
    lines = [
        f"#compdef {PROG}",
        f"# zsh completion for {PROG}: `{PROG} completion zsh`, generated from its command line.",
        "",
    ]
    for name, _, sub in subs:
        specs = [spec for option in options(sub) for spec in _zsh_spec(option)]
        values = _positional_values(name, sub)
        for index, action in enumerate(positionals(sub)):
            metavar = str(action.metavar or action.dest).replace(":", " ")
            if values is not None and index == 0:
                specs.append(_zsh_quote(f":{metavar}:({' '.join(values)})"))
            elif action.nargs in ("+", "*"):
                specs.append(_zsh_quote(f"*:{metavar}:_files"))
            else:
                specs.append(_zsh_quote(f":{metavar}:_files"))
        lines += [f"_speclint_{name}() {{", "    _arguments -s -S \\"]
        lines += [f"        {spec} \\" for spec in specs[:-1]] + [f"        {specs[-1]}", "}", ""]
    described = " ".join(_zsh_quote(f"{name}:{text}") for name, text, _ in subs)
    top = " ".join(spec for option in options(parser) for spec in _zsh_spec(option))
    lines += [
        "_speclint() {",
        f"    local -a commands=({described})",
        "    if (( CURRENT == 2 )); then",
        "        if [[ $PREFIX == -* ]]; then",
        f"            _arguments {top}",
        "            _speclint_check",
        "        else",
        "            _describe -t commands 'speclint command' commands",
        "            _files  # `speclint PATH...` is `speclint check PATH...`",
        "        fi",
        "        return",
        "    fi",
        "    local command=$words[2]",
        "    if (( ${+functions[_speclint_$command]} )) && (( ${commands[(I)$command:*]} )); then",
        "        shift words",
        "        (( CURRENT-- ))",
        "        _speclint_$command",
        "    else",
        "        _speclint_check",
        "    fi",
        "}",
        "",
        '_speclint "$@"',
    ]
    return "\n".join(lines) + "\n"


# ---- fish ------------------------------------------------------------------------------------


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish(parser: argparse.ArgumentParser) -> str:
    subs = list(commands(parser))
    names = " ".join(name for name, _, _ in subs)
    lines = [
        f"# fish completion for {PROG}: `{PROG} completion fish`, generated from its command line.",
        "function __speclint_command",
        "    set -l words (commandline -opc)",
        f"    if test (count $words) -ge 2; and contains -- $words[2] {names}",
        "        echo $words[2]",
        "    else",
        "        echo check  # `speclint PATH...` is `speclint check PATH...`",
        "    end",
        "end",
        "",
    ]
    for option in options(parser):
        lines.append(f"complete -c {PROG} -n __fish_use_subcommand {_fish_option(option)}")
    for name, text, _ in subs:
        lines.append(f"complete -c {PROG} -n __fish_use_subcommand -f -a {name} -d {_fish_quote(text)}")
    for name, _, sub in subs:
        condition = _fish_quote(f"test (__speclint_command) = {name}")
        for option in options(sub):
            lines.append(f"complete -c {PROG} -n {condition} {_fish_option(option)}")
        values = _positional_values(name, sub)
        if values:
            lines.append(f"complete -c {PROG} -n {condition} -f -a {_fish_quote(' '.join(values))}")
    return "\n".join(lines) + "\n"


def _fish_option(option: Option) -> str:
    parts = []
    for string in option.strings:
        parts.append(f"-l {string[2:]}" if string.startswith("--") else f"-s {string[1:]}")
    if option.values:
        parts.append(f"-x -a {_fish_quote(' '.join(option.values))}")
    elif option.takes_value:
        parts.append("-r")
    parts.append(f"-d {_fish_quote(option.help)}")
    return " ".join(parts)
