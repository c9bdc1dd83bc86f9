#!/usr/bin/env bash
# System packages the tests and the demo need: Debian's chromium (browser tests) and PostgreSQL
# (store tests). Installs only what is missing; never fails the build (tests that need a missing
# package skip with a clear message).
set -u
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo -n"
echo "installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null 2>&1 || true
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
  || echo "warning: could not install ${need[*]}; tests that need them will skip"
exit 0
