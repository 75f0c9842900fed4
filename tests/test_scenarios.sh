#!/usr/bin/env bash
# Every scenario still reproduces its fault on this kernel, checked without fstrace (the kernel's
# own evidence: dmesg, a tracefs instance). When a scenario test fails, this one says whether the
# fault itself is gone (a kernel change) or fstrace missed it.
source "$(dirname "$0")/lib.sh"

out=$("$SCENARIO" verify 2>&1) || fail "a scenario no longer reproduces its fault: $(grep '^FAIL' <<<"$out" | tr '\n' ' ')"
echo "$out"
echo "ok"
