#!/usr/bin/env bash
# npm run test:mutation [-- folder ...]: StrykerJS over each folder in turn (default: the folders
# where a bug costs money, data or access). Fails if any folder scores below 85 %.
set -euo pipefail
cd "$(dirname "$0")/.."
folders=("$@")
if [ ${#folders[@]} -eq 0 ]; then folders=(src/auth src/ingest src/tariffs); fi
status=0
for f in "${folders[@]}"; do
  echo "== mutation testing $f"
  MUTATE="$f" npx stryker run stryker.config.mjs || status=1
done
exit $status
