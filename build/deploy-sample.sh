#!/usr/bin/env bash
# The main job: pack Rmote.MSBuild into artifacts/packages, then publish and deploy samples/MSBuildDeploy with
# `dotnet msbuild -t:Deploy`, consuming the package from that folder the way a user would.
#   build/deploy-sample.sh                                   # local embedded target -> artifacts/deploy-local/
#   build/deploy-sample.sh -p:RmoteHosts="root@127.0.0.1:2222 root@127.0.0.1:2223" \
#       -p:RmoteIdentityFile=$HOME/.ssh/id_ed25519 -p:RmoteKnownHostsFile=$HOME/.ssh/known_hosts
# Extra arguments go to dotnet msbuild. RMOTE_SKIP_PACK=1 reuses the package already in artifacts/packages.
# Needs only the .NET SDK and python3 (plus ssh for SSH hosts).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [[ "${RMOTE_SKIP_PACK:-}" != 1 ]]; then
  dotnet pack tasks/Rmote.MSBuild -c Release -nologo -v:q
fi
# The sample's secret is read by name from the environment (never a -p: property, which logs and binlogs record):
# a stand-in unless the caller (a CI secret store) set it.
export SAMPLE_API_TOKEN="${SAMPLE_API_TOKEN:-sample-token-not-secret}"
# The sample restores into its own obj/packages: wiping it means the package just packed is the one used.
rm -rf samples/MSBuildDeploy/obj/packages
exec dotnet msbuild samples/MSBuildDeploy/MSBuildDeploy.csproj -restore -t:Deploy -p:Configuration=Release -nologo "$@"
