#!/usr/bin/env bash
# The repository's build (targets documented in build/build.cake): build, test, pack, samples, bench.
#   build/build.sh                      Build, Test (build/test.sh), Pack, Samples
#   build/build.sh --target=Pack        only what Pack needs
#   build/build.sh --target=All         ... and the benchmarks
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
dotnet tool restore >/dev/null
exec dotnet cake build/build.cake "$@"
