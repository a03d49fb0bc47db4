#!/usr/bin/env bash
# Run the tests that drive the C accelerator against a build of speclint/_wire.c with
# AddressSanitizer and UndefinedBehaviorSanitizer: the native reader's own tests, the hostile
# corpus and the fuzzer (tests/read/test_accelerator.py tests/read/graph tests/hostile tests/fuzz).
#
#   scripts/sanitize.sh [PYTEST ARGS...]        CC=clang scripts/sanitize.sh   (default: gcc)
#
# Linux, with the test extra installed (pip install -e '.[test]'). The checkout is never
# touched: its files are copied to a temporary directory, the sanitized extension is built
# there by setup.py itself (same ABI and flags as a release, plus the sanitizers), and the tests
# run from that copy, subprocesses included (PYTHONPATH). Python itself is not instrumented, so
# the sanitizer runtime is preloaded; leak detection is off (CPython frees little at exit). Any
# sanitizer report fails the run (-fno-sanitize-recover, halt_on_error).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python}
cc=${CC:-gcc}
say() { printf 'sanitize: %s\n' "$*"; }
fail() { printf 'sanitize: error: %s\n' "$*" >&2; exit 1; }

[ "$(uname -s)" = Linux ] || fail "Linux only (the sanitizer runtime is preloaded with LD_PRELOAD)"
command -v "$cc" >/dev/null || fail "no C compiler $cc"
case "$("$cc" --version | head -n 1)" in
  *clang*) runtime=$("$cc" -print-file-name="libclang_rt.asan-$(uname -m).so") ; shared=(-shared-libsan) ;;
  *) runtime=$("$cc" -print-file-name=libasan.so) ; shared=() ;;
esac
[ -f "$runtime" ] || fail "$cc has no AddressSanitizer runtime ($runtime)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
say "copying the checkout to $work/src"
mkdir "$work/src"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' file; do
  if [ -e "$file" ] || [ -L "$file" ]; then
    mkdir -p "$work/src/$(dirname "$file")" && cp -P "$file" "$work/src/$file"
  fi
done
cd "$work/src"

flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g ${shared[*]}"
say "building speclint/_wire.c with $cc $flags"
CC=$cc LDSHARED="$cc -shared" CFLAGS="$flags" LDFLAGS="$flags" SPECLINT_REQUIRE_NATIVE=1 \
  "$python" setup.py -q build_ext --inplace >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; fail "build failed"; }

export PYTHONPATH="$work/src" LD_PRELOAD="$runtime"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:halt_on_error=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
# Every allocation of the interpreter goes through the sanitizer's allocator: the hostile tests'
# per-model time cap (0.5 s) is raised so that only the model meant to exceed it does.
export SPECLINT_HOSTILE_READ_TIMEOUT="${SPECLINT_HOSTILE_READ_TIMEOUT:-2}"
built=$("$python" -c 'import speclint._wire as w; print(w.__file__)')
case "$built" in "$work"/*) ;; *) fail "the tests would import $built, not the sanitized build" ;; esac
linked=$(ldd "$built")
grep -q 'libasan\|libclang_rt.asan' <<<"$linked" || fail "$built is not linked with the AddressSanitizer runtime"
say "testing with $built"
"$python" -m pytest -q -p no:cacheprovider tests/read/test_accelerator.py tests/read/graph tests/hostile tests/fuzz "$@"
