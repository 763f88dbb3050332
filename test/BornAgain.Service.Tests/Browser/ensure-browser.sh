#!/usr/bin/env bash
# Installs what the browser test needs, once: Debian's chromium (apt-get) and playwright-core (npm ci, from the
# committed package-lock.json). Idempotent and fast when both are present. Run by BrowserTests.cs (so CI's
# `dotnet test BornAgain.ML.sln` needs no other step); also usable by hand.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" != "0" ]; then
    echo "chromium is missing and this user cannot install it: run 'sudo apt-get install -y chromium'" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium
fi
# npm ci only when node_modules is missing or older than the lock file.
if [ ! -f node_modules/playwright-core/package.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
/usr/bin/chromium --version
