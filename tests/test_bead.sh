#!/usr/bin/env bash
# Bead tickets, on real faults (the nested overlay mount). bd is not installable here, so what is
# tested is what fstrace hands to beads: (a) `report --format bead` against beads' documented issue
# schema (tests/bead_schema.jq), stable across exports, a long title cut to 500 bytes; (b) the argv
# and stdin `fstrace bead` gives a stand-in bd on PATH, and the id it reads back; (c) `run --bead`
# files one ticket for a failure with a finding and none for a clean command (one line says so, and
# `report --format bead` prints nothing); (d) without bd, the JSONL is written, one line says how to
# import it, the exit is non-zero; (e) a ticket whose external_ref bd lists already is not filed
# again (the stand-in keeps what it filed and answers `bd list --json`).
source "$(dirname "$0")/lib.sh"

S=$T/scn
rec=$T/rec.jsonl.gz
log=$T/bdlog
cleanup() { "$SCENARIO" cleanup nested_overlay "$S" || true; }
fst_on_exit cleanup

# The stand-in: keeps its argv (one a line) and stdin per call, answers as `bd create` does
# (cmd/bd/create.go: "✓ Created issue: <id>", then the title, priority and status), and keeps
# what it filed for `bd list --json` (cmd/bd/list.go: a JSON array of issues, external_ref among
# their fields; an empty store prints []). BD_LIST_FAIL=1: list fails as a bd without a database.
mkdir -p "$T/bin" "$log"
cat >"$T/bin/bd" <<'EOF'
#!/bin/sh
if [ "$1" = list ]; then
	n=$(ls "$BD_LOG" | grep -c '^list\.' || true)
	printf '%s\n' "$@" >"$BD_LOG/list.$n"
	if [ -n "${BD_LIST_FAIL:-}" ]; then
		echo "Error: no beads database found" >&2
		exit 1
	fi
	touch "$BD_LOG/filed"
	jq -R -s 'split("\n") | map(select(length > 0) | split(" ") |
		{id: .[0], title: "t", status: "open", priority: 1, issue_type: "bug", labels: ["fstrace"],
		 external_ref: .[1], dependency_count: 0, dependent_count: 0})' "$BD_LOG/filed"
	exit 0
fi
n=$(ls "$BD_LOG" | grep -c '^argv\.' || true)
printf '%s\n' "$@" >"$BD_LOG/argv.$n"
cat >"$BD_LOG/stdin.$n"
ref=
prev=
for a in "$@"; do
	[ "$prev" != --external-ref ] || ref=$a
	prev=$a
done
echo "fs-1a2b $ref" >>"$BD_LOG/filed"
printf '\342\234\223 Created issue: fs-1a2b\n  Title: %s\n  Priority: P%s\n  Status: open\n' "$3" "$7"
EOF
chmod 755 "$T/bin/bd"
export BD_LOG=$log
WITH_BD=/usr/bin:/usr/sbin:/bin:/sbin:$T/bin # last: the traced command's own lookups stay as they were
NO_BD=/usr/bin:/usr/sbin:/bin:/sbin
command -v bd >/dev/null && fail "a real bd is on PATH; this test needs it absent"
calls() { find "$log" -name 'argv.*' | wc -l; }

# fstrace run under the trigger's quiet environment, with PATH=$1 for fstrace to find bd in.
run_trigger() {
	local path=$1
	shift
	RUN_RC=0
	note "fstrace run $* -- scenario.sh trigger nested_overlay"
	env "${FST_TRIGGER_ENV[@]}" PATH="$path" timeout -k 5 "$FST_RUN_TIMEOUT" "$FSTRACE" run "$@" -- \
		/bin/bash "$SCENARIO" trigger nested_overlay "$S" >"$T/run.out" 2>"$T/run.err" || RUN_RC=$?
	[[ $RUN_RC -ne 124 ]] || fail "fstrace run did not finish within ${FST_RUN_TIMEOUT}s"
	[[ $RUN_RC -ne 0 && $RUN_RC -lt 125 ]] || fail "fstrace run exited $RUN_RC, expected the failing mount's: $(tail -n 3 "$T/run.err")"
}

mkdir -p "$S"
"$SCENARIO" setup nested_overlay "$S"

echo "== (c) run --bead on a failure with a finding: one ticket"
FST_REC=$rec
run_trigger "$WITH_BD" --record "$rec" --bead --parent fs-0
check_recording "$rec"
[[ $(calls) -eq 1 ]] || fail "run --bead called bd $(calls) times, expected once"
[[ -f $log/list.0 ]] || fail "run --bead did not ask bd what it has filed before filing"
grep -qx 'fstrace: filed bead ticket fs-1a2b' "$T/run.err" ||
	fail "run --bead did not say which ticket it filed: $(grep '^fstrace:' "$T/run.err" | head -n 3)"
[[ ! -s $T/run.out ]] || fail "run --bead wrote to stdout, which is the command's: $(head -n 2 "$T/run.out")"

echo "== (a) report --format bead: beads' schema, stable"
"$FSTRACE" report --format bead "$rec" >"$T/b1.jsonl" || fail "report --format bead failed"
"$FSTRACE" report --format bead "$rec" >"$T/b2.jsonl" || fail "report --format bead failed the second time"
[[ $(wc -l <"$T/b1.jsonl") -eq 1 ]] || fail "expected one ticket line, got $(wc -l <"$T/b1.jsonl")"
cmp -s "$T/b1.jsonl" "$T/b2.jsonl" || fail "two exports of the same recording differ"
err=$(jq -f "$FST_REPO/tests/bead_schema.jq" "$T/b1.jsonl" 2>&1 >/dev/null) ||
	fail "the ticket does not match beads' schema: $(tr '\n' ' ' <<<"$err")"
t=$T/b1.jsonl
jq -e '.status == "open" and .issue_type == "bug" and .priority == 1' "$t" >/dev/null ||
	fail "a high finding's ticket is $(jq -c '{status, issue_type, priority}' "$t"), expected open, bug, 1"
jq -e '.labels == ["fstrace", "overlay_mount"]' "$t" >/dev/null || fail "labels are $(jq -c .labels "$t")"
jq -e --arg p "$S/outer/var/lib/docker/overlay2/merged" \
	'.title | startswith("fstrace: overlay_mount/nested_overlay: ") and contains($p)' "$t" >/dev/null ||
	fail "the title does not name the class, cause and mount: $(jq .title "$t")"
jq -e '.external_ref | test("^fstrace:[0-9a-f]{16}$")' "$t" >/dev/null || fail "external_ref is $(jq .external_ref "$t")"
jq -e --arg s "$(rec_jq "$rec" -r '.[0].started')" '.created_at == $s' "$t" >/dev/null ||
	fail "created_at $(jq .created_at "$t") is not the recording's start"
jq -j .description "$t" >"$T/body.md"
[[ $(head -c 9 "$T/body.md") == "# fstrace" ]] || fail "the description does not start with '# fstrace': $(head -n 1 "$T/body.md")"
"$FSTRACE" report --format md "$rec" | cmp -s - "$T/body.md" || fail "the description is not the Markdown report"
jq .metadata "$t" >"$T/meta.json"
jq -e 'type == "object"' "$T/meta.json" >/dev/null || fail "metadata is not an object"
check_report_schema "$T/meta.json"
# The schema check must refuse what bd would refuse, or the check above proves nothing.
for bad in '.priority = 5' '.priority = "1"' '.labels = [1]' '.created_at = "yesterday"' \
	'.title = ("x" * 501)' 'del(.title)' '.issue_type = "defect"' '.status = "closed"' '.issuetype = "bug"'; do
	if jq -c "$bad" "$t" | jq -f "$FST_REPO/tests/bead_schema.jq" >/dev/null 2>&1; then
		fail "tests/bead_schema.jq accepts a ticket with $bad"
	fi
done
grep -qxF -- "$(jq -r .external_ref "$t")" "$log/argv.0" || fail "run --bead filed another external_ref than the export's"

# A title past bd's 500 bytes (a missing path of 2-byte characters) is cut on a character boundary.
seg=$(printf '\303\251%.0s' $(seq 100))
mkdir -p "$T/$seg/$seg/$seg"
fst_run "$T/long.jsonl.gz" -o /dev/null -- /bin/cat "$T/$seg/$seg/$seg/missing" 2>/dev/null
"$FSTRACE" report --format bead "$T/long.jsonl.gz" >"$T/long.jsonl" || fail "report --format bead of the long path failed"
jq -f "$FST_REPO/tests/bead_schema.jq" "$T/long.jsonl" >/dev/null 2>&1 || fail "the long path's ticket fails the schema"
jq -e '(.title | utf8bytelength) <= 500 and (.title | endswith("\u00e9..."))' "$T/long.jsonl" >/dev/null ||
	fail "the long title was not cut to 500 bytes on a character boundary: $(jq '.title | utf8bytelength' "$T/long.jsonl") bytes"
FST_REC=$rec

echo "== (e) the ticket run --bead filed is not filed again"
PATH=$WITH_BD "$FSTRACE" bead --parent fs-0 "$rec" >"$T/dup.out" 2>"$T/dup.err" ||
	fail "fstrace bead of a ticket already filed exited $?: $(head -n 3 "$T/dup.err")"
[[ $(calls) -eq 1 ]] || fail "fstrace bead filed the ticket run --bead had filed already"
printf '%s\n' list --json --all --limit 0 --label fstrace | cmp -s - "$log/list.1" ||
	fail "bd list was asked: $(tr '\n' ' ' <"$log/list.1")"
want="fstrace: already filed as fs-1a2b (external_ref $(jq -r .external_ref "$t")): not filed again"
[[ $(cat "$T/dup.err") == "$want" && ! -s $T/dup.out ]] ||
	fail "a duplicate: stdout '$(head -c 100 "$T/dup.out")', stderr '$(head -c 300 "$T/dup.err")', expected '$want'"
rm -f "$log/filed" # an empty tracker from here

echo "== (b) fstrace bead --parent fs-0 with a stand-in bd"
PATH=$WITH_BD "$FSTRACE" bead --parent fs-0 "$rec" >"$T/bead.out" 2>"$T/bead.err" ||
	fail "fstrace bead exited $?: $(head -n 3 "$T/bead.err")"
[[ $(calls) -eq 2 ]] || fail "fstrace bead called bd $(($(calls) - 1)) times, expected once"
{
	printf '%s\n' create --title "$(jq -r .title "$t")" -t bug -p 1 -l fstrace,overlay_mount \
		--external-ref "$(jq -r .external_ref "$t")" --body-file - --deps discovered-from:fs-0
} >"$T/argv.want"
diff "$T/argv.want" "$log/argv.1" >&"$FST_LOG" || fail "bd got another argv (diff in the log)"
cmp -s "$T/body.md" "$log/stdin.1" || fail "bd's stdin is not the Markdown report"
[[ $(cat "$T/bead.out") == fs-1a2b ]] || fail "fstrace bead printed '$(head -c 200 "$T/bead.out")', expected the id fs-1a2b"
cmp -s "$log/argv.0" "$log/argv.1" || fail "run --bead and bead FILE gave bd different argv"

PATH=$WITH_BD "$FSTRACE" bead --parent fs-0 "$rec" >"$T/bead2.out" 2>"$T/bead2.err" ||
	fail "a second fstrace bead exited $?: $(head -n 3 "$T/bead2.err")"
[[ $(calls) -eq 2 && ! -s $T/bead2.out ]] || fail "a second fstrace bead of the same recording filed another ticket"
grep -qx "fstrace: already filed as fs-1a2b (external_ref .*): not filed again" "$T/bead2.err" ||
	fail "a second fstrace bead did not say it was filed already: $(head -c 300 "$T/bead2.err")"
# bd cannot list (no database, an old bd): the ticket is filed anyway, and one line says so.
rm -f "$log/filed"
BD_LIST_FAIL=1 PATH=$WITH_BD "$FSTRACE" bead "$rec" >"$T/nolist.out" 2>"$T/nolist.err" ||
	fail "fstrace bead with a failing bd list exited $?: $(head -n 3 "$T/nolist.err")"
[[ $(calls) -eq 3 && $(cat "$T/nolist.out") == fs-1a2b ]] || fail "fstrace bead did not file when bd list failed"
grep -qx 'fstrace: bd list failed (exit 1): cannot tell what is filed already; filing anyway' "$T/nolist.err" ||
	fail "a failing bd list was not reported in one line: $(head -c 300 "$T/nolist.err")"

PATH=$WITH_BD "$FSTRACE" bead --dry-run --prefix mo "$rec" >"$T/dry.out" || fail "bead --dry-run failed"
[[ $(calls) -eq 3 ]] || fail "bead --dry-run ran bd"
sed -n '1,2p;11,14p' "$T/dry.out" | tr '\n' ' ' | grep -qx "bd create --external-ref $(jq -r .external_ref "$t") --body-file - " ||
	fail "bead --dry-run's argv lines: $(head -n 16 "$T/dry.out" | tr '\n' ' ')"
sed -n '4p' "$T/dry.out" | grep -q "^'fstrace: overlay_mount/nested_overlay: .*'$" ||
	fail "bead --dry-run did not shell-quote the title: $(sed -n 4p "$T/dry.out")"
tail -n +18 "$T/dry.out" | cmp -s - "$T/body.md" || fail "bead --dry-run did not print the body after the argv"
sed -n '15,16p' "$T/dry.out" | tr '\n' ' ' | grep -qx -- '--prefix mo ' || fail "--prefix did not reach bd's argv"

echo "== (c) run --bead on a command without a finding: no ticket, one line"
env "${FST_TRIGGER_ENV[@]}" PATH="$WITH_BD" "$FSTRACE" run --record "$T/ok.jsonl.gz" --bead -- /bin/true \
	2>"$T/ok.err" || fail "run --bead -- /bin/true exited $?: $(head -n 3 "$T/ok.err")"
[[ $(calls) -eq 3 ]] || fail "run --bead filed a ticket for a command that succeeded"
grep -qx 'fstrace: no finding: no bead ticket filed' "$T/ok.err" ||
	fail "run --bead of a clean command did not say it filed nothing: $(grep '^fstrace:' "$T/ok.err" | head -n 3)"
PATH=$WITH_BD "$FSTRACE" bead "$T/ok.jsonl.gz" >"$T/ok.out" 2>"$T/ok.err" || fail "fstrace bead on a clean recording exited $?"
[[ ! -s $T/ok.out && $(cat "$T/ok.err") == "fstrace: no finding: no bead ticket filed" && $(calls) -eq 3 ]] ||
	fail "fstrace bead on a clean recording: stdout '$(head -c 100 "$T/ok.out")', stderr '$(head -c 200 "$T/ok.err")'"
"$FSTRACE" report --format bead "$T/ok.jsonl.gz" >"$T/ok.bead" 2>"$T/ok.err" || fail "report --format bead of a clean recording exited $?"
[[ ! -s $T/ok.bead && $(cat "$T/ok.err") == "fstrace: no finding: no bead ticket" ]] ||
	fail "report --format bead of a clean recording printed $(wc -c <"$T/ok.bead") bytes, said '$(head -c 200 "$T/ok.err")'"

echo "== (d) no bd on PATH: the JSONL is kept, one line says how to import it"
rc=0
PATH=$NO_BD "$FSTRACE" bead "$rec" >"$T/nobd.out" 2>"$T/nobd.err" || rc=$?
[[ $rc -ne 0 ]] || fail "fstrace bead without bd exited 0"
want="fstrace: bd not found: wrote $rec.bead.jsonl; import it with: bd import -i $rec.bead.jsonl"
[[ $(cat "$T/nobd.err") == "$want" ]] || fail "without bd, stderr was '$(head -c 300 "$T/nobd.err")', expected '$want'"
[[ $(stat -c %a "$rec.bead.jsonl") == 600 ]] || fail "the JSONL is mode $(stat -c %a "$rec.bead.jsonl"), expected 600"
cmp -s "$t" "$rec.bead.jsonl" || fail "the JSONL written is not the ticket report --format bead prints"
rc=0
PATH=$NO_BD "$FSTRACE" bead "$rec" 2>"$T/again.err" || rc=$?
if [[ $rc -eq 0 ]] || ! grep -q 'already exists' "$T/again.err" || ! cmp -s "$t" "$rec.bead.jsonl"; then
	fail "a second run overwrote the JSONL or did not say why it stopped: $(head -n 2 "$T/again.err")"
fi
PATH=$NO_BD "$FSTRACE" bead --force --parent fs-0 "$rec" 2>/dev/null && fail "bead --force without bd exited 0"
jq -f "$FST_REPO/tests/bead_schema.jq" "$rec.bead.jsonl" >/dev/null 2>&1 || fail "the JSONL with a parent fails the schema"
jq -e --arg id "$(jq -r .id "$t")" '.dependencies == [{"issue_id": $id, "depends_on_id": "fs-0", "type": "discovered-from"}]' \
	"$rec.bead.jsonl" >/dev/null || fail "--parent is not kept as a discovered-from dependency: $(jq -c .dependencies "$rec.bead.jsonl")"

# run --bead without bd and without --record: ./fstrace-<ref>.bead.jsonl, the command's exit code.
cd "$T"
run_trigger "$NO_BD" --bead
ls "$T"/fstrace-*.bead.jsonl >/dev/null 2>&1 || fail "run --bead without bd wrote no fstrace-<ref>.bead.jsonl"
f=$(ls "$T"/fstrace-*.bead.jsonl)
if [[ $(grep -c '^fstrace: bd not found: ' "$T/run.err") -ne 1 ]] ||
	! grep -qxF "fstrace: bd not found: wrote ${f##*/}; import it with: bd import -i ${f##*/}" "$T/run.err"; then
	fail "run --bead without bd did not say so in one line: $(grep '^fstrace: bd' "$T/run.err")"
fi
jq -e --arg f "${f##*/}" '"fstrace-" + (.external_ref | ltrimstr("fstrace:")) + ".bead.jsonl" == $f' "$f" >/dev/null ||
	fail "${f##*/} is not named after its external_ref $(jq .external_ref "$f")"
jq -f "$FST_REPO/tests/bead_schema.jq" "$f" >/dev/null 2>&1 || fail "${f##*/} fails the schema"
[[ $(calls) -eq 3 ]] || fail "bd was run although it was not on PATH"
echo "ok"
