#!/usr/bin/env bash
# Runs the Rust core's test binaries (unit tests and the fuzz quick pass)
# under valgrind memcheck and prints each LEAK/ERROR SUMMARY. Fails when
# valgrind reports an error or a definite/indirect leak. Forked test children
# are not reported: they _exit holding copies of other test threads' buffers.
#   hardening/valgrind.sh            (FUZZ_CASES defaults to 100 here: valgrind is ~50x slower)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }

export FUZZ_CASES="${FUZZ_CASES:-100}"
binaries=$(cargo test --locked -p token_oxide_core --no-run --message-format=json 2>/dev/null |
  ruby -rjson -ne 'm = JSON.parse($_) rescue next; puts m["executable"] if m["reason"] == "compiler-artifact" && m["executable"] && m.dig("profile", "test")')

status=0
for bin in $binaries; do
  log=$(mktemp)
  echo "== valgrind $(basename "$bin")"
  if ! valgrind --child-silent-after-fork=yes --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
      --error-exitcode=99 --log-file="$log" "$bin" --test-threads=2 -q >/dev/null 2>&1; then
    status=1
  fi
  grep -E "ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable|All heap blocks" "$log" | sed 's/^==[0-9]*== /  /'
  rm -f "$log"
done
exit $status
