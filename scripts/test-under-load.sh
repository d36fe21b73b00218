#!/usr/bin/env bash
# Runs the whole mocha suite N times in a row (default 5) with two CPU-burning processes
# beside it, to show that no test depends on how loaded the machine is. Prints each run's
# "passed/failed" from the summary reporter and exits non-zero if any run failed.
#
#   bash scripts/test-under-load.sh [N] [extra mocha arguments...]
#
# Builds first (the examples import the built package), without the burners. Each run's
# full output is in test-results/under-load-<i>.log, its summary in
# test-results/under-load-<i>.json.
set -uo pipefail
cd "$(dirname "$0")/.."

runs="${1:-5}"
[ "$#" -gt 0 ] && shift
case "$runs" in
  '' | *[!0-9]* | 0) echo "usage: $0 [N>0] [mocha args...]" >&2; exit 2 ;;
esac

# The network rule: google-auth-library must never probe the GCE metadata server.
export METADATA_SERVER_DETECTION=none
mkdir -p test-results

burners=()
stop_burners() {
  # Only the processes this script started, by their id.
  for pid in "${burners[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${burners[@]}"; do wait "$pid" 2>/dev/null; done
  burners=()
}
trap stop_burners EXIT
trap 'exit 130' INT TERM

npm run build >/dev/null || { echo "build failed" >&2; exit 1; }

failed_runs=0
for i in $(seq 1 "$runs"); do
  summary="$PWD/test-results/under-load-$i.json"
  log="$PWD/test-results/under-load-$i.log"
  rm -f "$summary"
  # `timeout` is a safety net: a burner never outlives an hour even if this script is
  # killed with SIGKILL and its trap cannot run.
  for _ in 1 2; do
    timeout 3600 sh -c 'while :; do :; done' &
    burners+=("$!")
  done
  started=$(date +%s)
  MOCHA_SUMMARY_FILE="$summary" npx mocha "$@" >"$log" 2>&1
  mocha_status=$?
  stop_burners
  seconds=$(($(date +%s) - started))
  if [ -f "$summary" ]; then
    read -r passed failed pending < <(node -e '
      const s = require(process.argv[1]);
      console.log(s.passes, s.failures, s.pending);' "$summary")
  else
    # mocha crashed before reporting.
    passed=0; failed=1; pending=0
  fi
  echo "run $i/$runs: $passed passed, $failed failed, $pending pending (${seconds} s, exit $mocha_status)"
  if [ "$failed" != "0" ] || [ "$mocha_status" != "0" ]; then
    failed_runs=$((failed_runs + 1))
    [ -f "$summary" ] && node -e '
      for (const t of require(process.argv[1]).failedTests) console.log(`  failed: ${t.title}\n    ${t.error.split("\n")[0]}`);' "$summary"
    echo "  full output: $log"
  fi
done

echo
echo "$((runs - failed_runs)) of $runs runs passed under load"
[ "$failed_runs" = "0" ]
