#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Builds each fuzz target with clang's libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer, runs it for FUZZ_SECONDS on a copy of its
# seed corpus, and prints what each run did. "make fuzz" calls it with the
# build's flags; the environment chooses the rest:
#   FUZZ_SECONDS=600          how long each target runs (default 60)
#   FUZZ_TARGETS="text query" which targets (default all)
#   FUZZ_JOBS=2               how many run at once (default 1)
#   FUZZ_CC=clang-14          the compiler (default clang)
# Usage: run-fuzzers.sh SRC_DIR WORK_DIR "CPPFLAGS" "LIBS" CORE_SOURCES...
# Crashing inputs are left in WORK_DIR/TARGET/ (crash-*, leak-*, timeout-*);
# copy them into fuzz/corpus/TARGET/ as regression seeds once fixed.
set -e
src_dir=$1 work=$2 cppflags=$3 libs=$4
shift 4
cc=${FUZZ_CC:-clang}
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
targets=${FUZZ_TARGETS:-$(cd "$src_dir/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')}

if ! command -v "$cc" >/dev/null 2>&1; then
    echo "make fuzz: $cc not found. libFuzzer comes with clang: apt-get install clang" >&2
    echo "(or name another clang with FUZZ_CC=clang-14)" >&2
    exit 1
fi
flags="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"
if ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' |
        "$cc" $flags -fsanitize=fuzzer -x c - -o /dev/null 2>/dev/null; then
    echo "make fuzz: $cc cannot build with -fsanitize=fuzzer; install clang (apt-get install clang)" >&2
    exit 1
fi

# The core once, instrumented for coverage but without libFuzzer's main.
mkdir -p "$work/obj"
objects=""
for source in "$@"; do
    case "$source" in *.c) ;; *) continue ;; esac
    object="$work/obj/$(basename "$source" .c).o"
    objects="$objects $object"
    if [ ! -e "$object" ] || [ -n "$(find "$src_dir/src" "$src_dir/$source" -newer "$object" \
            -name '*.[ch]' -print -quit)" ]; then
        echo "  CC (fuzz) $source"
        "$cc" $flags -fsanitize=fuzzer-no-link $cppflags -c "$src_dir/$source" -o "$object"
    fi
done

for target in $targets; do
    echo "  CCLD (fuzz) fuzz_$target"
    "$cc" $flags -fsanitize=fuzzer $cppflags -I"$src_dir/fuzz" \
        "$src_dir/fuzz/fuzz_$target.c" $objects $libs -o "$work/fuzz_$target"
done

# Each target runs on a fresh copy of its seeds, so the corpus libFuzzer
# grows stays out of the source tree.
run_one() {
    local target=$1 dir="$work/$target" dict
    rm -rf "$dir" && mkdir -p "$dir/corpus"
    cp "$src_dir/fuzz/corpus/$target/"* "$dir/corpus/"
    case "$target" in
    text) dict="$src_dir/fuzz/text.dict" ;;
    json_*) dict="$src_dir/fuzz/json.dict" ;;
    accept) dict="$src_dir/fuzz/accept.dict" ;;
    *) dict="" ;;
    esac
    (cd "$dir" && "$work/fuzz_$target" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$dir/" ${dict:+-dict="$dict"} corpus \
        > "$dir/fuzz.log" 2>&1)
}

pids=""
failed=""
for target in $targets; do
    echo "  FUZZ $target for ${seconds}s (log: $work/$target/fuzz.log)"
    run_one "$target" &
    pids="$pids $!:$target"
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
        sleep 1
    done
done
for entry in $pids; do
    wait "${entry%%:*}" || failed="$failed ${entry#*:}"
done

printf '%-12s %12s %8s %8s %8s  %s\n' target executions exec/s seconds corpus result
for target in $targets; do
    log="$work/$target/fuzz.log"
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
    size=$(ls "$work/$target/corpus" | wc -l)
    result=clean
    case " $failed " in
    *" $target "*)
        result="FAILED: $(cd "$work/$target" && ls | grep -E '^(crash|leak|timeout|oom|slow-unit)-' |
                          tr '\n' ' ')" ;;
    esac
    printf '%-12s %12s %8s %8s %8s  %s\n' "$target" "${runs:-?}" "${rate:-?}" "${took:-?}" "$size" "$result"
done
[ -z "$failed" ]
