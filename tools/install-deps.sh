#!/bin/sh
# tools/install-deps.sh -- install the Debian 12 packages duet builds, tests
# and benchmarks with, if any are missing.  As root it runs apt-get; as
# another user it prints the apt-get line to run and fails.
#
#   tools/install-deps.sh          everything (build, tests, demo, bench)
#   tools/install-deps.sh --list   print the package list and exit
set -eu

# build: compiler, htslib, zstd, OpenBLAS (+LAPACK), SQLite, libRmath
# tests: plink2, plink1.9 (--clump), bcftools/tabix (peers and references), R with brglm2
#        and metafor, mandoc (man page lint), sqlite3 shell, zstd, python3 (tools/)
# bench: hyperfine, time; workflows: snakemake, cwltool
PACKAGES="build-essential pkg-config libhts-dev libzstd-dev libopenblas-dev
libsqlite3-dev r-mathlib plink2 bcftools tabix r-base-core r-cran-brglm2 r-cran-metafor
mandoc sqlite3 zstd python3 hyperfine time snakemake cwltool
plink1.9"

if [ "${1:-}" = --list ]; then
    echo $PACKAGES
    exit 0
fi

missing=
for p in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case $status in
        *"install ok installed"*) ;;
        *) missing="$missing $p" ;;
    esac
done
[ -z "$missing" ] && exit 0

echo "duet: installing missing Debian packages:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO=sudo
    else
        echo "duet: not root; run: apt-get update && apt-get install -y$missing" >&2
        exit 1
    fi
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
