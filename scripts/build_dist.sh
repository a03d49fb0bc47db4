#!/usr/bin/env bash
# Build and check speclint's distributions on this machine: the sdist, and from it the wheel.
#
#   pip install -e '.[dist]' && scripts/build_dist.sh [OUT]        (OUT: default dist/)
#
# 1. `python -m build`: the sdist, then the wheel built from that sdist (so the sdist is complete);
# 2. Linux: `auditwheel repair` gives the wheel its manylinux tag (`auditwheel show` names it);
# 3. `twine check --strict` on both;
# 4. the wheel installs into a fresh virtualenv with CC=/bin/false and `speclint --version` says
#    "native reader"; the sdist installs into another with CC=/bin/false (no compiler) and says
#    "pure-python reader".
# The release wheels for every platform come from cibuildwheel ([tool.cibuildwheel] in
# pyproject.toml, .github/workflows/release.yml); this is the same build, checked by hand here.
# tests/test_packaging.py runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-dist}")
python=${PYTHON:-python3}
say() { printf 'build_dist: %s\n' "$*"; }
fail() { printf 'build_dist: error: %s\n' "$*" >&2; exit 1; }

for module in build twine; do
  "$python" -c "import $module" 2>/dev/null || fail "$module is missing: pip install -e '.[dist]'"
done
linux=false
if [ "$(uname -s)" = Linux ]; then
  linux=true
  "$python" -c "import auditwheel" 2>/dev/null || fail "auditwheel is missing: pip install -e '.[dist]'"
fi

rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

say "building the sdist and, from it, the wheel into $out"
SPECLINT_REQUIRE_NATIVE=1 "$python" -m build --outdir "$out" . >"$work/build.log" 2>&1 ||
  { tail -n 40 "$work/build.log" >&2; fail "python -m build failed (log above)"; }
sdists=("$out"/*.tar.gz)
wheels=("$out"/*.whl)
if [ ${#sdists[@]} -ne 1 ] || [ ! -f "${sdists[0]}" ]; then fail "expected one sdist in $out"; fi
if [ ${#wheels[@]} -ne 1 ] || [ ! -f "${wheels[0]}" ]; then fail "expected one wheel in $out"; fi
sdist=${sdists[0]}
wheel=${wheels[0]}

if $linux; then
  say "auditwheel repair $(basename "$wheel")"
  "$python" -m auditwheel repair --wheel-dir "$work/repaired" "$wheel" >"$work/repair.log" 2>&1 ||
    { cat "$work/repair.log" >&2; fail "auditwheel repair failed"; }
  repaired=("$work"/repaired/*.whl)
  [ ${#repaired[@]} -eq 1 ] || fail "auditwheel repair gave ${#repaired[@]} wheels"
  rm "$wheel"
  mv "${repaired[0]}" "$out/"
  wheel="$out/$(basename "${repaired[0]}")"
  "$python" -m auditwheel show "$wheel" | tee "$work/show.log"
  grep -q 'manylinux_' "$work/show.log" || fail "auditwheel show names no manylinux tag"
fi

say "twine check --strict"
"$python" -m twine check --strict "$sdist" "$wheel"

install_and_ask() {  # a fresh virtualenv, CC=/bin/false: what does speclint --version say?
  local venv="$work/$1" target=$2
  shift 2
  "$python" -m venv "$venv"
  CC=/bin/false CXX=/bin/false "$venv/bin/python" -m pip install -q "$@" "$target" >"$venv.log" 2>&1 ||
    { tail -n 40 "$venv.log" >&2; fail "installing $(basename "$target") failed"; }
  "$venv/bin/speclint" --version
}

version=$(install_and_ask wheel-venv "$wheel")
say "wheel: $version"
[[ $version == *"(native reader)"* ]] || fail "the wheel does not run the native reader: $version"
# --no-cache-dir: pip would keep the wheel it builds from the sdist, and a later install with a
# compiler would reuse that wheel without the accelerator
version=$(install_and_ask sdist-venv "$sdist" --no-cache-dir)
say "sdist without a compiler: $version"
[[ $version == *"(pure-python reader)"* ]] || fail "the sdist without a compiler should say pure-python reader: $version"

say "ok: $(cd "$out" && ls)"
