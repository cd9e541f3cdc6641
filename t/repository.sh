#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# What the repository holds (a TAP test of make check, no server needed):
#   - LICENSE is the Apache License 2.0, and every source file names it in
#     an SPDX-License-Identifier line;
#   - no file git tracks is a binary: kernels, images, screenshots and
#     everything else a build or a test can make are made then, not kept.
# Outside a git checkout (a release tarball) there is nothing to list, and
# the test says so and passes.
# Usage: t/repository.sh [SRC_DIR]  (make check passes $srcdir)
src=${1:-${srcdir:-.}}

if ! git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    echo "1..0 # SKIP not a git checkout"
    exit 0
fi
files=$(git -C "$src" ls-files)

. "$src/t/tap.sh"

grep -q 'Apache License' "$src/LICENSE" 2>/dev/null && grep -q 'Version 2.0, January 2004' "$src/LICENSE"
result $? "LICENSE holds the Apache License, Version 2.0"

# Source files: C, scripts, tests, configuration, the console's files.
unlabelled=
for file in $files; do
    case "$file" in
    fuzz/corpus/*) continue ;;
    *.c|*.h|*.t|*.pm|*.pl|*.PL|*.sh|*.js|*.mjs|*.css|*.html|*.conf|*.in|*.am|*.ac|*.dict|*.xml|*.load|.ci/run|debian/rules|debian/*.postinst|debian/*.postrm) ;;
    *) continue ;;
    esac
    head -n 3 "$src/$file" | grep -q 'SPDX-License-Identifier: Apache-2.0' ||
        unlabelled="$unlabelled $file"
done
result "$([ -z "$unlabelled" ]; echo $?)" \
    "every source file carries SPDX-License-Identifier: Apache-2.0 in its first lines" \
    "without it:$unlabelled"

# A binary: a NUL byte in the file (grep -I sees the same). The fuzz corpora
# are test inputs, which may hold any byte; they are small and written by hand
# or by the fuzzers' minimisation, so they are capped instead.
binaries= large=
for file in $files; do
    [ -f "$src/$file" ] || continue
    case "$file" in
    fuzz/corpus/*)
        [ "$(wc -c <"$src/$file")" -le 4096 ] || large="$large $file"
        continue ;;
    esac
    if [ -s "$src/$file" ] && ! grep -qI '' "$src/$file"; then
        binaries="$binaries $file"
    fi
done
result "$([ -z "$binaries" ]; echo $?)" "git tracks no binary file" "binary:$binaries"
result "$([ -z "$large" ]; echo $?)" "every fuzz corpus entry is at most 4 KiB" "larger:$large"

finish
