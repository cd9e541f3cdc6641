#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Keeps docs/directives.md in step with the code (a TAP test of make check,
# no server needed):
#   - every directive the module defines (AP_INIT_* in mod_occi*.c) has a
#     row in the table of docs/directives.md and a section of its own there
#     (a "## " heading that names it);
#   - every OCCI... directive name written in docs/*.md, README or conf/
#     is one the module defines, so no page describes a directive that is gone.
# Usage: t/docs-directives.sh [SRC_DIR]  (make check passes $srcdir)
src=${1:-${srcdir:-.}}
doc="$src/docs/directives.md"

defined=$(sed -n 's/.*AP_INIT_[A-Z0-9_]*("\([A-Za-z0-9]*\)".*/\1/p' "$src"/mod_occi*.c | sort -u)
if [ -z "$defined" ] || [ ! -f "$doc" ]; then
    echo "1..1"
    echo "not ok 1 - no directives found in $src/mod_occi*.c, or no $doc"
    exit 1
fi
# The OCCI... words of the pages, less what names no directive.
mentioned=$(cat "$src"/docs/*.md "$src"/README "$src"/conf/* 2>/dev/null \
            | grep -oE '\bOCCI[A-Z][A-Za-z]+' | grep -vx 'OCCITest' | sort -u)

count=0
for name in $defined; do count=$((count + 3)); done
for name in $mentioned; do count=$((count + 1)); done
echo "1..$count"

n=0 status=0
check() {               # description, then the command that must succeed
    n=$((n + 1))
    description=$1
    shift
    if "$@" >/dev/null 2>&1; then
        echo "ok $n - $description"
    else
        echo "not ok $n - $description"
        status=1
    fi
}
for name in $defined; do
    check "$name is in the table of docs/directives.md" \
        grep -qE "^\| \[?$name\]?[](| ]" "$doc"
    check "$name has a section in docs/directives.md" \
        grep -qE "^##+ .*\b$name\b" "$doc"
    # The context in the table must match the code: ACCESS_CONF adds directory;
    # a handler that checks for GLOBAL_ONLY refuses virtual hosts.
    handler=$(grep -hE "AP_INIT_[A-Z0-9_]*\(\"$name\"" "$src"/mod_occi*.c \
              | sed -E "s/.*\"$name\", *([A-Za-z_0-9]+).*/\1/")
    if grep -hA4 "^static const char \*$handler(" "$src"/mod_occi*.c | grep -q GLOBAL_ONLY; then
        check "$name: docs/directives.md gives its context as server config alone" \
            grep -qE "^\| \[?$name\]?[](].*\| server config \|" "$doc"
    elif grep -E "AP_INIT_[A-Z0-9_]*\(\"$name\"" "$src"/mod_occi*.c | grep -q ACCESS_CONF; then
        check "$name: docs/directives.md gives its context as including directory" \
            grep -qE "^\| \[?$name\]?[](].*\| server config, virtual host, directory" "$doc"
    else
        check "$name: docs/directives.md gives its context as server config, virtual host" \
            grep -qE "^\| \[?$name\]?[](].*\| server config, virtual host \|" "$doc"
    fi
done
for name in $mentioned; do
    check "$name, written in the documentation, is a directive of the module" \
        sh -c 'printf "%s\n" "$1" | grep -qx "$2"' sh "$defined" "$name"
done
exit "$status"
