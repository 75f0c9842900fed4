#!/usr/bin/env bash
# A path in the recording is absolute: a relative path is resolved against the caller's cwd, or
# against the directory its dirfd refers to (openat(fd, "name")), in the kernel at the time of
# the call.
source "$(dirname "$0")/lib.sh"

PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || PYTHON=$(command -v python3) || fail "python3 is missing (run make deps)"

dir=$(realpath "$T")/rel
mkdir -p "$dir/sub"

echo "== relative to the cwd"
rec=$T/cwd.jsonl.gz
fst_run "$rec" -- sh -c "cd $dir && cat missing-file"
[[ $RUN_RC -eq 1 ]] || fail "run -- sh -c 'cd $dir && cat missing-file': exit code $RUN_RC, expected 1"
check_recording "$rec"
expect_rec "$rec" "no failing openat with path $dir/missing-file" \
	--arg p "$dir/missing-file" 'any(.[]; .type == "syscall" and .errno == "ENOENT" and .path == $p)'
expect_rec "$rec" "the event for $dir/missing-file does not have cwd $dir" \
	--arg p "$dir/missing-file" --arg c "$dir" 'any(.[]; .type == "syscall" and .path == $p and .cwd == $c)'

echo "== relative to a dirfd (the caller's cwd is /)"
rec=$T/dirfd.jsonl.gz
# shellcheck disable=SC2016
fst_run "$rec" -- sh -c 'cd / && exec "$0" -c "
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
try:
    os.open(\"missing\", os.O_RDONLY, dir_fd=fd)
except FileNotFoundError:
    sys.exit(7)
" "$1"' "$PYTHON" "$dir/sub"
[[ $RUN_RC -eq 7 ]] || fail "the dirfd probe exited $RUN_RC, expected 7 (ENOENT)"
check_recording "$rec"
expect_rec "$rec" "no failing openat with path $dir/sub/missing (resolved against the dirfd)" \
	--arg p "$dir/sub/missing" 'any(.[]; .type == "syscall" and .syscall == "openat" and .errno == "ENOENT" and .path == $p)'
expect_rec "$rec" "an openat of 'missing' was resolved against the cwd (/missing) instead of the dirfd" \
	'all(.[]; .path != "/missing")'
echo "ok"
