#!/usr/bin/env bash
# Removals held in the kernel (bpf/held.bpf.h): a removal that explains a failure still reaches
# the report with its actor, path and time; the thousands no failure asked for become a count per
# process; and a failure among removals kept only as a count is never called a race.
source "$(dirname "$0")/lib.sh"

# 1. The tree's own cleanup, then a read of what it removed: 2000 files and their directory go,
#    `cat d/f0777` fails. The removal of f0777 (and of d) goes up with the failure; the other
#    1999 stay in the kernel and come back as a count.
cd "$T" || exit 1
rec=$T/cleanup.jsonl.gz
fst_run "$rec" -o "$T/cleanup.report" -- /bin/bash -c '
	mkdir d && cd d && for i in $(seq -w 0 1999); do : >f$i; done && cd .. && rm -rf d && cat d/f0777' \
	< /dev/null >"$T/cleanup.out" 2>&1 || true
[[ $RUN_RC -eq 1 ]] || fail "the command should fail as cat does (exit 1), not $RUN_RC"
check_recording "$rec"
expect_rec "$rec" "the recording's header does not say removals are held" \
	'.[0].attach.removals // "" | startswith("held")'
plain=$(rec_jq "$rec" '[.[] | select(.type == "remove" and (.summary | not))] | length')
summed=$(rec_jq "$rec" '[.[] | select(.type == "remove" and .summary) | .count] | add // 0')
note "removals: $plain one by one, $summed summed up"
[[ $((plain + summed)) -eq 2001 ]] || fail "2001 removals made, $plain sent and $summed summed up"
[[ $plain -le 20 ]] || fail "$plain removals sent one by one: the kernel should hold most of them"
expect_rec "$rec" "no summary record names rm and the directory it cleaned" \
	--arg d "$T/d" 'any(.[]; .type == "remove" and .summary and .comm == "rm" and .path == $d and .count > 1000)'
"$FSTRACE" report --format json "$rec" >"$T/cleanup.json"
jq -e --arg p "$T/d/f0777" 'any(.findings[]; .class == "enoent_race" and .actor.comm == "rm"
	and (.evidence | any(.path == $p or .path == ($p | sub("/f0777$"; "")))))' "$T/cleanup.json" >/dev/null ||
	fail "no enoent_race naming rm and $T/d/f0777 (or d): $(jq -c '[.findings[] | {class, cause, title}]' "$T/cleanup.json")"

# 2. Must not: a process outside the run deletes 3000 files of a directory that stays, while the
#    traced command reads a file that was never there. Nothing it failed on was removed, so
#    nothing goes up; the deleter's removals come back as a count, and the report may neither
#    call it a race nor say that nothing removed it.
s=$T/stays
mkdir -p "$s"
for i in $(seq -w 0 2999); do : >"$s/g$i"; done
rec2=$T/summed.jsonl.gz
(
	while [[ ! -e $T/go ]]; do sleep 0.01; done
	find "$s" -name 'g*' -delete
	: >"$T/deleted"
) &
deleter=$!
fst_run "$rec2" -o "$T/summed.report" -- /bin/bash -c "
	: >$T/go; while [[ ! -e $T/deleted ]]; do sleep 0.01; done; cat $s/never-there" </dev/null >/dev/null 2>&1 || true
wait "$deleter" || true
[[ $RUN_RC -eq 1 ]] || fail "cat should fail (exit 1), not $RUN_RC"
check_recording "$rec2"
summed=$(rec_jq "$rec2" --arg s "$s" '[.[] | select(.type == "remove" and .summary and .path == $s) | .count] | add // 0')
[[ $summed -ge 2900 ]] || fail "the deleter's removals under $s are not summed up ($summed)"
"$FSTRACE" report --format json "$rec2" >"$T/summed.json"
jq -e 'all(.findings[]; .class != "enoent_race")' "$T/summed.json" >/dev/null ||
	fail "a race was claimed from removals kept only as a count"
jq -e --arg p "$s/never-there" 'any(.findings[]; .class == "missing_path" and .cause == "removals_summed"
	and (.title | contains("find")))' "$T/summed.json" >/dev/null ||
	fail "no missing_path/removals_summed naming find: $(jq -c '[.findings[] | {class, cause, title}]' "$T/summed.json")"
grep -q "nothing removed" "$T/summed.report" && fail "the report says nothing removed it, which it cannot know"

# 3. --all-removals: every removal goes out as before.
rec3=$T/all.jsonl.gz
fst_run "$rec3" --all-removals -o "$T/all.report" -- /bin/bash -c '
	mkdir e && cd e && for i in $(seq 0 499); do : >f$i; done && cd .. && rm -rf e' </dev/null >/dev/null 2>&1
expect_rec "$rec3" "--all-removals: not every removal was recorded one by one" \
	'[.[] | select(.type == "remove" and (.summary | not))] | length == 501'
echo "ok"
