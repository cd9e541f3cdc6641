#!/bin/bash
# Runs the Apache::Test suite: t/TEST.PL with the httpd and apxs found by
# configure and a module list generated here, so no system path is written
# into the repository.
# Usage: run-apache-test.sh APXS HTTPD HTTPD_MODULES_DIR BUILD_DIR SRC_DIR
set -e
apxs=$1 httpd=$2 modules_dir=$3 build_dir=$4 src_dir=$5
shift 5

if [ "$build_dir" != "$src_dir" ]; then
    echo "run-apache-test.sh: the Apache::Test suite needs an in-tree build" >&2
    exit 1
fi
cd "$src_dir"
cat > t/conf/httpd-modules.conf <<CONF
LoadModule mpm_event_module $modules_dir/mod_mpm_event.so
LoadModule authz_core_module $modules_dir/mod_authz_core.so
LoadModule mime_module $modules_dir/mod_mime.so
LoadModule dbd_module $modules_dir/mod_dbd.so
TypesConfig /etc/mime.types
CONF
export OCCI_HTTPD_MODULES_DIR="$modules_dir"
export OCCI_MODULE="$build_dir/.libs/mod_occi.so"
# A fresh configuration each run: Apache::Test caches it otherwise.
perl t/TEST.PL -clean >/dev/null 2>&1 || true
mkdir -p t/logs
set +e
# -port select: another suite running on this machine must not collide.
perl t/TEST.PL -apxs "$apxs" -httpd "$httpd" -port select \
    -httpd_conf "$src_dir/t/conf/httpd-modules.conf" "$@" 2>&1 | tee t/logs/apache-test.out
status=${PIPESTATUS[0]}
set -e

# One closing line for the unit tests and the Apache::Test suite together.
unit_passed=$(cat t/unit/*.trs 2>/dev/null | grep -c '^:test-result: PASS' || true)
unit_failed=$(cat t/unit/*.trs 2>/dev/null | grep -cE '^:test-result: (FAIL|ERROR|XPASS)' || true)
suite_total=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' t/logs/apache-test.out | tail -n 1)
suite_failed=$(sed -n 's/^Failed [0-9]*\/[0-9]* test programs\. \([0-9]*\)\/[0-9]* subtests failed\./\1/p' \
               t/logs/apache-test.out | tail -n 1)
suite_total=${suite_total:-0}
suite_failed=${suite_failed:-0}
if [ "$status" != 0 ] && [ "$suite_failed" = 0 ]; then
    suite_failed=1      # the run itself failed (server did not start, a test died)
fi
if [ "$suite_total" -lt "$suite_failed" ]; then
    suite_total=$suite_failed
fi
echo "unit tests: $unit_passed passed, $unit_failed failed"
echo "Apache::Test: $((suite_total - suite_failed)) passed, $suite_failed failed"
echo "total: $((unit_passed + suite_total - suite_failed)) passed, $((unit_failed + suite_failed)) failed"
exit "$status"
