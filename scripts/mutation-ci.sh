#!/usr/bin/env bash
# CI form of mutation testing (.ci/run): incremental StrykerJS over each measured target whose
# source or tests changed since its stored report (reports/mutation/<name>.incremental.json, in
# git). Only mutants in changed code, or covered by changed tests, are run again; the rest are
# taken from the report. A target fails when its score drops below min(85 %, its stored score):
# no regression now, 85 % once a target has reached it. After a run, commit the updated
# *.incremental.json so the next CI run starts from it. See docs/mutation.md.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each target is a MUTATE value (stryker.config.mjs) with a committed incremental report.
targets=(
  "src/auth"
  "src/tariffs/billing-demand.ts src/tariffs/components/adjustments.ts"
)
# Their tests (vitest.stryker.config.ts MUTATION_TESTS), for the change check.
tests_of() {
  case "$1" in
    src/auth*) echo "test/auth test/api/auth-matrix.test.ts test/api/hardening.test.ts test/helpers" ;;
    src/tariffs*) echo "test/tariffs test/helpers" ;;
    src/ingest*) echo "test/ingest test/helpers" ;;
  esac
}

report_of() { echo "reports/mutation/$(echo "$1" | tr ' ' '+' | sed 's/[^A-Za-z0-9+]\{1,\}/-/g' | cut -c1-120).incremental.json"; }

# Score (killed + timeout) / (all but ignored, no-coverage counted as survived), floor, from a report.
score_of() {
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    let det = 0, valid = 0;
    for (const f of Object.values(r.files)) for (const m of f.mutants) {
      if (["Ignored", "CompileError", "RuntimeError"].includes(m.status)) continue;
      valid++;
      if (m.status === "Killed" || m.status === "Timeout") det++;
    }
    console.log(valid ? Math.floor((100 * det) / valid) : 100);
  ' "$1"
}

status=0
for t in "${targets[@]}"; do
  report=$(report_of "$t")
  if [ ! -f "$report" ]; then
    echo "== mutation: $t has no stored report ($report); run it once by hand: MUTATE=\"$t\" npx stryker run stryker.config.mjs" >&2
    status=1
    continue
  fi
  base=$(git log -1 --format=%H -- "$report" || true)
  # shellcheck disable=SC2046
  if [ -n "$base" ] && git diff --quiet "$base" -- $t $(tests_of "$t") && [ -z "$(git status --porcelain -- $t $(tests_of "$t"))" ]; then
    echo "== mutation: $t unchanged since $base, skipped"
    continue
  fi
  floor=$(score_of "$report")
  break_at=$(( floor < 85 ? floor : 85 ))
  echo "== mutation (incremental): $t, stored score $floor %, fails below $break_at %"
  start=$(date +%s)
  if ! MUTATE="$t" MUTATION_IGNORE_STATIC=1 MUTATION_BREAK="$break_at" timeout "${MUTATION_CI_TIMEOUT_S:-1200}" \
      npx stryker run stryker.config.mjs; then
    status=1
  fi
  echo "== mutation: $t took $(( $(date +%s) - start )) s"
done
exit $status
