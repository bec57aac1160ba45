#!/usr/bin/env bash
# THE test command (README, CI: `bash .ci/run`). Installs what is missing, runs the Python runtime's unittest
# suite on every python3 found (PATH's and /usr/bin's), builds the solution in Release and runs every xunit
# project, then prints per-project totals and a final `N passed, N failed[, N skipped]` line.
# Exit status is non-zero on any failure, and on any skipped test when CI=true.
set -euo pipefail
exec </dev/null   # never read the terminal; CI may start us with stdin closed

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
results="$repo_root/build/out/test-results"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# The Rmote build servers the tests' builds start exit 30 s after their last build, not after the default 10 min.
export RMOTE_BUILD_SERVER_IDLE=30
start=$(date +%s)
step() { printf '\n==== %s (t+%ss)\n' "$*" "$(( $(date +%s) - start ))"; }

step "dependencies"
bash "$repo_root/build/install-deps.sh"

rm -rf "$results"
mkdir -p "$results"
status=0

step "python runtime unittest suite"
export RMOTE_TEST_SYSTEMCTL_REPLACEMENT=/var/cache/rmote-test/systemctl-replacement/usr/bin/systemctl
if [ -d python/tests ]; then
    declare -A seen=()
    n=0
    for py in python3 /usr/bin/python3; do
        command -v "$py" >/dev/null 2>&1 || continue
        exe="$("$py" -c 'import os,sys; print(os.path.realpath(sys.executable))')"
        [ -n "${seen[$exe]:-}" ] && continue
        seen[$exe]=1
        n=$((n + 1))
        ver="$("$py" -c 'import platform; print(platform.python_version())')"
        log="$results/python-$n.log"
        echo "--- $exe (Python $ver)"
        echo "interpreter: Python $ver $exe" >"$log"
        rc=0
        (cd python && "$exe" -m unittest discover -s tests -v) >>"$log" 2>&1 || rc=$?
        echo "$rc" >"${log%.log}.rc"
        tail -n 25 "$log"
        [ "$rc" -eq 0 ] || { echo "python unittest on $exe FAILED (exit $rc): see $log"; status=1; }
    done
    [ "$n" -gt 0 ] || { echo "no python3 interpreter found"; status=1; }
else
    echo "python/tests not present on this branch: nothing to run"
fi

step "dotnet build (Release)"
dotnet build Rmote.Build.sln -c Release -nologo -clp:ErrorsOnly\;Summary

step "dotnet test (Release)"
rc=0
timeout --kill-after=30s 25m \
    dotnet test Rmote.Build.sln -c Release --no-build --nologo \
        --logger trx --logger "console;verbosity=minimal" \
        --results-directory "$results" \
        --blame-hang-timeout 5m --blame-hang-dump-type none || rc=$?
[ "$rc" -eq 0 ] || { echo "dotnet test exited $rc"; status=1; }

step "main job (README): build/deploy-sample.sh to the local embedded target"
rc=0
bash "$repo_root/build/deploy-sample.sh" -v:m >"$results/deploy-sample.log" 2>&1 || rc=$?
tail -n 15 "$results/deploy-sample.log"
if [ "$rc" -ne 0 ] || [ ! -f "$repo_root/artifacts/deploy-local/MSBuildDeploy/shared/app.conf" ]; then
    echo "build/deploy-sample.sh FAILED (exit $rc): see ${results#"$repo_root"/}/deploy-sample.log"
    status=1
fi

step "summary"
python3 "$repo_root/build/summarize_trx.py" "$results" || status=1
echo "(total $(( $(date +%s) - start ))s; results in ${results#"$repo_root"/})"
exit "$status"
