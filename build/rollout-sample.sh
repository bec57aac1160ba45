#!/usr/bin/env bash
# The staging rollout, end to end on this machine: boots two Debian hosts with real systemd (systemd-nspawn, each with
# its own sshd on a loopback port; the test rig builds their root once, ~2.5 min, cached in /var/cache/rmote-test),
# packs Rmote.MSBuild, and runs samples/StagingRollout's `dotnet msbuild -t:Deploy` against them three times:
# v1, v2, then a v3 whose /health answers 503, which the rollout rolls back (both hosts serve v2 again).
# The build logs of the three deploys are printed (and kept in /tmp/rmote-staging-rollout-msbuild-<version>.log).
#   build/rollout-sample.sh            # MSBuild rollout
#   build/rollout-sample.sh cake       # the same rollout by samples/Cake/rollout.cake
# Needs root (systemd-nspawn), the .NET SDK and python3; installs systemd-container and debootstrap when missing.
# To roll out to your own hosts instead: dotnet msbuild samples/StagingRollout/StagingRollout.csproj -restore -t:Deploy \
#   -p:Configuration=Release -p:RmoteHosts="root@web01 root@web02" -p:SampleVersion=2.0.0 (after `dotnet pack tasks/Rmote.MSBuild -c Release`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash build/install-deps.sh
if [[ "${1:-msbuild}" == cake ]]; then
  project=tests/Rmote.Cake.Tests test=CakeStagingRolloutSampleTests
else
  project=tests/Rmote.MSBuild.Tests test=StagingRolloutSampleTests
fi
exec dotnet test "$project" -nologo --filter "FullyQualifiedName~$test" --logger "console;verbosity=detailed"
