#!/usr/bin/env bash
# Jupyter for the matrix's notebook cells (test/matrix/cells/notebooks.mjs): `jupyter nbconvert` from Debian's
# packages. Idempotent and quiet: does nothing when nbconvert already runs. Run as root or with sudo.
# The kernels themselves (Deno's, tslab's) come from npm when the cells run.
#   bash scripts/ci-setup-notebooks.sh            (SYNCBRIDGE_FORCE_APT=1 to run apt-get anyway)
set -euo pipefail

if [ -z "${SYNCBRIDGE_FORCE_APT:-}" ] && version=$(jupyter nbconvert --version 2>/dev/null); then
  echo "ci-setup-notebooks: jupyter nbconvert $version already installed"
  exit 0
fi

sudo=''
if [ "$(id -u)" -ne 0 ]; then sudo='sudo'; fi
log=$(mktemp)
started=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends jupyter-nbconvert python3-notebook python3-ipykernel; } >"$log" 2>&1; then
  echo "ci-setup-notebooks: apt-get failed:" >&2
  tail -n 30 "$log" >&2
  exit 1
fi
rm -f "$log"
echo "ci-setup-notebooks: installed jupyter nbconvert $(jupyter nbconvert --version) in $(($(date +%s) - started)) s"
