#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The shape of the code (a TAP test of make check, no server needed):
#   - every glue file mod_occi_NAME.c offers its functions in its own
#     header mod_occi_NAME.h, which it includes; a glue header includes no
#     other glue header than mod_occi.h (the shared types);
#   - the glue files call each other in layers: the graph of which file
#     includes which other file's header has no cycle;
#   - only the store's plumbing (mod_occi_store.c), the configuration
#     (mod_occi_config.c) and the module's hooks (mod_occi.c) call the
#     functions of the store and of the hypervisor (src/occi_store.h,
#     src/occi_hypervisor.h); every other glue file goes through the
#     service layer (src/occi_service.h) or another core module;
#   - the core in src/ includes no httpd header.
# Usage: t/glue-layers.sh [SRC_DIR]  (make check passes $srcdir)
src=${1:-${srcdir:-.}}
. "$src/t/tap.sh"
cd "$src" || exit 1

# The glue's own files; mod_occi_console_assets.c is generated (and holds
# only the console's table).
glue=$(ls mod_occi_*.c | grep -v '^mod_occi_console_assets\.c$')

missing=""
for file in $glue; do
    header=${file%.c}.h
    if [ ! -f "$header" ] || ! grep -q "^#include \"$header\"" "$file"; then
        missing="$missing $file"
    fi
done
result "$([ -z "$missing" ]; echo $?)" "every glue file has its own header and includes it" \
    "without:$missing"

crossed=$(grep -l '^#include "mod_occi_' mod_occi_*.h 2>/dev/null)
result "$([ -z "$crossed" ]; echo $?)" "glue headers include only mod_occi.h of the glue" \
    "$crossed"

# Edges "file header-owner" for tsort, which says so when they loop.
edges=$(for file in mod_occi.c $glue; do
    from=${file%.c}
    sed -n 's/^#include "\(mod_occi_[a-z_]*\)\.h".*/\1/p' "$file" | while read -r to; do
        [ "$to" != "$from" ] && echo "$from $to"
    done
done)
loop=$(printf '%s\n' "$edges" | tsort 2>&1 >/dev/null)
result "$([ -z "$loop" ]; echo $?)" "the glue files call each other without a cycle" "$loop"
# A check that could not see a cycle would pass for ever: it must see one.
loop=$(printf '%s\nmod_occi_store mod_occi_entities\n' "$edges" | tsort 2>&1 >/dev/null)
result "$([ -n "$loop" ]; echo $?)" "the cycle check finds a cycle when one is added"

# The store's and the hypervisor's functions, from their headers.
functions=$(sed -n 's/.*\b\(occi_\(store\|hypervisor\)_[a-z_]*\)(.*/\1/p' \
                src/occi_store.h src/occi_hypervisor.h | sort -u)
pattern=$(printf '%s\n' $functions | paste -sd '|')
calls=""
for file in $glue; do
    case $file in
    mod_occi_store.c|mod_occi_config.c) continue ;;
    esac
    found=$(grep -nwE "$pattern" "$file" | grep -v '^\s*[0-9]*:\s*\*')
    [ -n "$found" ] && calls="$calls
$file: $found"
done
result "$([ -n "$functions" ] && [ -z "$calls" ]; echo $?)" \
    "the handlers reach the store and the hypervisor only through the core" "$calls"
found=$(grep -nwE "$pattern" mod_occi.c | grep -vwE 'occi_hypervisor_(create|events_running|start_events)')
result "$([ -z "$found" ]; echo $?)" \
    "mod_occi.c only registers the hypervisor provider and its events" "$found"

httpd=$(grep -lE '^#include "(httpd|http_[a-z_]*|ap_[a-z_]*|mod_[a-z_]*|util_[a-z_]*)\.h"' \
        src/*.c src/*.h 2>/dev/null)
result "$([ -z "$httpd" ]; echo $?)" "the core in src/ includes no httpd header" "$httpd"

finish
