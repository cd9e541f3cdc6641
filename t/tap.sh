# SPDX-License-Identifier: Apache-2.0
# TAP for the repository's shell tests, sourced by them:
#   result OK DESCRIPTION [DIAGNOSTIC]  one test point: OK is 0 for a pass;
#                                       the diagnostic is shown on a failure
#   finish                              the plan, and the exit status
n=0 status=0
result() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        [ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/#   /'
        status=1
    fi
}
finish() {
    echo "1..$n"
    exit $status
}
