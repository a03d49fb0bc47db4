#!/usr/bin/env bash
# The logic of action.yml, the speclint GitHub Action, in one script the tests can run.
#
#   action_run.sh guard     may models be executed? Never a fork's pull request, unless
#                           allow-fork-execute is true; says so (a notice) when it refuses
#   action_run.sh install   pip-install speclint into its own virtualenv under RUNNER_TEMP
#                           (never into the workflow's Python), with the execute extra only
#                           when execution is allowed (then through pip's cached wheels)
#   action_run.sh run       lint once: annotations (or INPUT_FORMAT) on stdout, SARIF to
#                           INPUT_SARIF_FILE (a file left by an earlier run is removed first,
#                           so the sarif-file output never names a stale report); speclint
#                           itself appends the job summary
#   action_run.sh diff      speclint diff --base INPUT_DIFF_BASE (pull requests): breaking
#                           changes against the base, annotations and a job summary section
#                           (with the virtualenv's speclint, as run)
#   action_run.sh           all three
#
# Composite actions do not set INPUT_* variables themselves: action.yml maps each input
# (INPUT_PATHS, INPUT_PROFILE, INPUT_FORMAT, INPUT_FAIL_LEVEL, INPUT_EXECUTE, INPUT_RULES,
# INPUT_SARIF_FILE, INPUT_ALLOW_FORK_EXECUTE, INPUT_VERSION). Inputs reach speclint as
# separate arguments, never through eval. Each step decides about execution again from the
# event itself (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REPOSITORY), so no step can be
# talked into executing a fork's model by another step's output.
#
# Every step that runs speclint (run, diff) runs it with the interpreter of the action's own
# virtualenv, which the install step creates; the workflow's Python is never asked to import it.
#
# SPECLINT_BASE_PYTHON: the interpreter that creates the virtualenv and reads the event file
# (action.yml passes the one actions/setup-python installed, without putting it on the job's
# PATH: the workflow's own Python stays as the workflow set it; default python3, else python).
# SPECLINT_PYTHON: run speclint with this interpreter instead of the virtualenv's (tests).
# SPECLINT_VENV: the virtualenv (default $RUNNER_TEMP/speclint-venv).
# SPECLINT_PIP_CACHE: pip's cache directory for the execute extra, whose TensorFlow wheel
# action.yml keeps between runs with actions/cache (default $RUNNER_TEMP/speclint-pip-cache).
# SPECLINT_ACTION_SKIP_INSTALL=1: print the pip command instead of running it (tests, or a
# job that installed speclint already: then the steps run it with the base interpreter).
# Written for bash 3.2 too (macOS runners): no ${x,,}, no mapfile, empty arrays guarded.
set -euo pipefail

PY="${SPECLINT_BASE_PYTHON:-}"
if [ -z "$PY" ]; then
  if command -v python3 >/dev/null 2>&1; then PY=python3; else PY=python; fi
fi

TEMP_ROOT="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
VENV="${SPECLINT_VENV:-$TEMP_ROOT/speclint-venv}"
PIP_CACHE="${SPECLINT_PIP_CACHE:-$TEMP_ROOT/speclint-pip-cache}"

lower() { printf '%s' "$1" | tr '[:upper:]' '[:lower:]'; }

# The interpreter speclint runs in: SPECLINT_PYTHON, else the action's virtualenv (bin/ on
# Linux and macOS, Scripts/ on Windows). Without a virtualenv only a job that installed
# speclint itself (SPECLINT_ACTION_SKIP_INSTALL) falls back to the base interpreter; any other
# job gets one clear line instead of "No module named speclint".
speclint_python() {
  if [ -n "${SPECLINT_PYTHON:-}" ]; then
    printf '%s' "$SPECLINT_PYTHON"
  elif [ -x "$VENV/bin/python" ]; then
    printf '%s' "$VENV/bin/python"
  elif [ -x "$VENV/Scripts/python.exe" ]; then
    printf '%s' "$VENV/Scripts/python.exe"
  elif truthy "${SPECLINT_ACTION_SKIP_INSTALL:-}"; then
    printf '%s' "$PY"
  else
    echo "speclint: error: no virtualenv at $VENV: the install step did not run" >&2
    return 2
  fi
}

truthy() {
  case "$(lower "${1:-}")" in
    true | 1 | yes | on) return 0 ;;
    *) return 1 ;;
  esac
}

# The repository the code under test comes from: "" when the event is not about a pull
# request (push, schedule, ...), "?" when it is but the head repository is unknown (a
# deleted fork, a comment on a pull request, an unreadable event file).
head_repo() {
  "$PY" - "${GITHUB_EVENT_NAME:-}" "${GITHUB_EVENT_PATH:-}" <<'PYTHON'
import json
import sys

name, path = sys.argv[1], sys.argv[2]
PULL_REQUEST_EVENTS = {"pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment"}


def dig(document, *keys):
    for key in keys:
        if not isinstance(document, dict):
            return None
        document = document.get(key)
    return document


if name not in PULL_REQUEST_EVENTS | {"workflow_run", "issue_comment"}:
    print("")
    sys.exit(0)
try:
    with open(path, encoding="utf-8") as handle:
        event = json.load(handle)
except (OSError, ValueError):
    print("?")
    sys.exit(0)
if name in PULL_REQUEST_EVENTS:
    head = dig(event, "pull_request", "head", "repo", "full_name")
elif name == "workflow_run":
    head = dig(event, "workflow_run", "head_repository", "full_name")
else:  # issue_comment: only a comment on a pull request is about code, and it does not say whose
    head = "?" if dig(event, "issue", "pull_request") else ""
print(head if isinstance(head, str) else "?")
PYTHON
}

# Sets EXECUTE=true|false. With "loud", says why when it refuses (a notice in the log and a
# line in the job summary).
decide_execute() {
  local loud="${1:-}" head base
  EXECUTE=false
  if ! truthy "${INPUT_EXECUTE:-false}"; then
    return 0
  fi
  head="$(head_repo)"
  base="${GITHUB_REPOSITORY:-}"
  if [ -z "$head" ] || { [ "$head" != "?" ] && [ -n "$base" ] && [ "$(lower "$head")" = "$(lower "$base")" ]; }; then
    EXECUTE=true
    return 0
  fi
  local from="the fork $head"
  [ "$head" = "?" ] && from="a repository that cannot be determined"
  if truthy "${INPUT_ALLOW_FORK_EXECUTE:-false}"; then
    EXECUTE=true
    [ "$loud" = loud ] && echo "::warning title=speclint::executing models from $from (allow-fork-execute: true)"
    return 0
  fi
  if [ "$loud" = loud ]; then
    local message="not executing models: this ${GITHUB_EVENT_NAME:-event} comes from $from, and executing a model runs its code; static checks only (set allow-fork-execute: true to override)"
    echo "::notice title=speclint::$message"
    echo "speclint: $message"
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
      printf '> [!NOTE]\n> speclint: %s\n\n' "$message" >>"$GITHUB_STEP_SUMMARY" || true
    fi
  fi
}

write_output() {
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  fi
}

# What pip installs: the action's own checkout by default, else INPUT_VERSION (a version
# number, a requirement such as speclint==0.2.0, a URL, or a local path).
install_spec() {
  local version="${INPUT_VERSION:-}" extra=""
  [ "$EXECUTE" = true ] && extra="[execute]"
  if [ -z "$version" ]; then
    printf '%s%s' "${GITHUB_ACTION_PATH:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}" "$extra"
  elif [[ "$version" =~ ^[0-9] ]]; then
    printf 'speclint%s==%s' "$extra" "$version"
  elif [[ "$version" == *://* ]]; then
    printf 'speclint%s @ %s' "$extra" "$version"
  elif [[ "$version" =~ ^speclint([^A-Za-z0-9_.-]|$) ]]; then
    printf 'speclint%s%s' "$extra" "${version#speclint}"
  else
    printf '%s%s' "$version" "$extra"
  fi
}

cmd_guard() {
  decide_execute loud
  write_output execute "$EXECUTE"
}

cmd_install() {
  decide_execute
  local spec
  spec="$(install_spec)"
  if truthy "${SPECLINT_ACTION_SKIP_INSTALL:-}"; then
    echo "speclint: install skipped (SPECLINT_ACTION_SKIP_INSTALL); in the virtualenv $VENV would run: pip install $spec"
    return 0
  fi
  echo "speclint: python -m venv $VENV && pip install $spec"
  "$PY" -m venv "$VENV"
  local venv_py
  venv_py="$(SPECLINT_PYTHON="" SPECLINT_ACTION_SKIP_INSTALL="" speclint_python)"
  if [ "$EXECUTE" = true ]; then
    # TensorFlow is a wheel of hundreds of MB: pip keeps it in a directory action.yml caches
    echo "speclint: pip cache $PIP_CACHE"
    PIP_CACHE_DIR="$PIP_CACHE" "$venv_py" -m pip install --disable-pip-version-check --quiet "$spec"
  else
    "$venv_py" -m pip install --disable-pip-version-check --quiet "$spec"
  fi
  "$venv_py" -m speclint --version
}

cmd_run() {
  decide_execute
  cd "${GITHUB_WORKSPACE:-.}"
  local args=(check --format "${INPUT_FORMAT:-github}" --no-progress)
  local profile="${INPUT_PROFILE:-auto}" sarif="${INPUT_SARIF_FILE:-}" item
  # auto is speclint's default; passing it would also override [tool.speclint] per-path profiles
  [ "$profile" != auto ] && args+=(--profile "$profile")
  [ -n "${INPUT_FAIL_LEVEL:-}" ] && args+=(--fail-level "$INPUT_FAIL_LEVEL")
  set -f  # split lists on whitespace, never expand globs
  for item in ${INPUT_RULES:-}; do args+=(--rules "$item"); done
  local paths=(${INPUT_PATHS:-.})
  set +f
  [ "${#paths[@]}" -eq 0 ] && paths=(.)
  if [ -n "$sarif" ]; then
    mkdir -p "$(dirname "$sarif")"
    rm -f -- "$sarif"  # an earlier run's report must not pass for this one's
    args+=(--sarif-output "$sarif")
  fi
  [ "$EXECUTE" = true ] && args+=(--execute)
  args+=(-- "${paths[@]}")
  local run_py rc=0
  run_py="$(speclint_python)" || rc=$?
  if [ "$rc" -ne 0 ]; then
    write_output exit-code "$rc"
    return "$rc"
  fi
  echo "speclint: running: speclint ${args[*]}"
  echo "speclint: with $run_py"
  "$run_py" -m speclint "${args[@]}" || rc=$?
  write_output exit-code "$rc"
  if [ -n "$sarif" ] && [ -f "$sarif" ]; then
    write_output sarif-file "$sarif"
  fi
  return "$rc"
}

# speclint diff --base INPUT_DIFF_BASE PATHS: breaking changes against the base revision
# (the pull request's base by default); nothing to do without a base (push events). A
# shallow checkout lacks the base commit: it is fetched (into .git only, never the tree).
cmd_diff() {
  local base="${INPUT_DIFF_BASE:-}"
  cd "${GITHUB_WORKSPACE:-.}"
  if [ -z "$base" ]; then
    echo "speclint: no diff-base (not a pull request): skipping speclint diff"
    return 0
  fi
  if ! git cat-file -e "$base^{commit}" 2>/dev/null; then
    echo "speclint: fetching the base commit $base"
    git fetch --no-tags --quiet --depth=1 origin "$base" || true
  fi
  set -f
  local paths=(${INPUT_PATHS:-.})
  set +f
  [ "${#paths[@]}" -eq 0 ] && paths=(.)
  local args=(diff --base "$base" --format "${INPUT_FORMAT:-github}" -- "${paths[@]}")
  local run_py rc=0
  run_py="$(speclint_python)" || rc=$?
  if [ "$rc" -ne 0 ]; then
    write_output diff-exit-code "$rc"
    return "$rc"
  fi
  echo "speclint: running: speclint ${args[*]}"
  echo "speclint: with $run_py"
  "$run_py" -m speclint "${args[@]}" || rc=$?
  write_output diff-exit-code "$rc"
  return "$rc"
}

case "${1:-all}" in
  diff) cmd_diff ;;
  guard) cmd_guard ;;
  install) cmd_install ;;
  run) cmd_run ;;
  all)
    cmd_guard
    cmd_install
    cmd_run
    ;;
  *)
    echo "usage: $0 [guard|install|run|diff|all]" >&2
    exit 2
    ;;
esac
