#!/usr/bin/env bash
# Containers and pods, with real cgroups shaped as the runtimes make them: a containerd container
# of a Burstable pod under the systemd driver, and a docker container. A real process moved into
# each fails for real; the finding names its container, pod UID (dashes restored), QoS, and the
# pod's namespace and name from a /var/log/pods directory as kubelet leaves it. Then record
# --pod and --container keep a failure inside and drop one outside, and bad ids give one line.
source "$(dirname "$0")/lib.sh"

cg=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
[[ -n $cg && -w $cg/cgroup.procs ]] || fail "no writable cgroup v2 mount (findmnt -t cgroup2)"
id=$$$RANDOM
uid=$(cat /proc/sys/kernel/random/uuid)
cid=$(head -c 32 /dev/urandom | sha256sum | cut -c 1-64)
# Shares cid's first 4 digits: "--container ${cid:0:4}" is ambiguous.
did=${cid:0:4}$(head -c 32 /dev/urandom | sha256sum | cut -c 1-60)
top=$cg/fstrace-test-$id.slice
pod=$top/kubepods-burstable-pod${uid//-/_}.slice
ctr=$pod/cri-containerd-$cid.scope
dtop=$cg/fstrace-test-docker-$id
dctr=$dtop/docker-$did.scope
logs=/var/log/pods
podlog=$logs/fstrace-test_web-${id}_$uid

cleanup() {
	local d pid
	fst_kill_helpers "$T"
	# Leaf first; a cgroup with a process in it cannot be removed: back to the root with those.
	for d in "$ctr" "$pod" "$top" "$dctr" "$dtop"; do
		[[ -d $d ]] || continue
		while read -r pid; do echo "$pid" >"$cg/cgroup.procs" 2>/dev/null || true; done <"$d/cgroup.procs"
		rmdir "$d" 2>/dev/null || echo "cleanup: cannot remove $d" >&2
	done
	rm -rf "$podlog"
	[[ ! -f $T/logs.created ]] || rmdir "$logs" 2>/dev/null || true
}
fst_on_exit cleanup

mkdir -p "$ctr" "$dctr"
[[ -d $logs ]] || { mkdir -p "$logs" && touch "$T/logs.created"; }
mkdir "$podlog"
cgid=$(stat -c %i "$ctr")

# "${in_cgroup[@]}" DIR PATH: a shell that moves itself into cgroup DIR, then a cat that fails on
# PATH there (rm_in_cgroup: an rm that removes it).
in_cgroup=(sh -c 'echo $$ >"$1/cgroup.procs" && exec cat "$2"' sh)
rm_in_cgroup=(sh -c 'echo $$ >"$1/cgroup.procs" && exec rm "$2"' sh)

echo "== run: a failure inside a containerd container of a Burstable pod"
path=/nonexistent/fstrace-ctr-$id/x
rec=$T/pod.jsonl.gz
fst_run "$rec" -o "$T/pod.json" --format json -- "${in_cgroup[@]}" "$ctr" "$path" </dev/null 2>/dev/null
[[ $RUN_RC -eq 1 ]] || fail "run -- cat $path in the container: exit code $RUN_RC, expected 1"
check_recording "$rec"
check_report_schema "$T/pod.json"
note_findings "$T/pod.json"
expect_rec "$rec" "no failing openat of $path with the container's cgroup id $cgid" \
	--arg p "$path" --argjson c "$cgid" 'any(.[]; .type == "syscall" and .path == $p and .cgroup_id == $c)'
expect_rec "$rec" "no cgroup record describing cgroup $cgid as containerd $cid in pod $uid (Burstable)" \
	--argjson c "$cgid" --arg cid "$cid" --arg uid "$uid" --arg ns fstrace-test --arg n "web-$id" \
	'any(.[]; .type == "cgroup" and .cgroup_id == $c and .cgroup.id == $c and .cgroup.runtime == "containerd" and
		.cgroup.container_id == $cid and .cgroup.pod_uid == $uid and .cgroup.qos == "Burstable" and
		.cgroup.pod_namespace == $ns and .cgroup.pod_name == $n and (.cgroup.path | endswith("/cri-containerd-\($cid).scope")))'
expect_rec "$rec" "cgroup $cgid is described more than once" \
	--argjson c "$cgid" '[.[] | select(.type == "cgroup" and .cgroup_id == $c)] | length == 1'
finding=$(jq -c --arg p "$path" '[.findings[] | select(.path == $p)] | first' "$T/pod.json")
[[ $finding != null ]] || fail "no finding for $path in the JSON report"
jq -e --arg cid "$cid" --arg uid "$uid" --arg n "web-$id" '.container | .runtime == "containerd" and .id == $cid and
	.pod_uid == $uid and .qos == "Burstable" and .pod_namespace == "fstrace-test" and .pod_name == $n and
	(.cgroup | endswith("/cri-containerd-\($cid).scope"))' <<<"$finding" >/dev/null ||
	fail "the finding's container is $(jq -c .container <<<"$finding"), expected containerd $cid in pod fstrace-test/web-$id $uid (Burstable)"
"$FSTRACE" report "$rec" >"$T/pod.txt" || fail "fstrace report failed"
line="container: containerd ${cid:0:12} (pod fstrace-test/web-$id uid $uid, Burstable)"
grep -qF "$line" "$T/pod.txt" || fail "the text report lacks the line '$line': $(grep -m 1 container: "$T/pod.txt")"
"$FSTRACE" report --format md "$rec" >"$T/pod.md" || fail "fstrace report --format md failed"
grep -qF -- "- **Container:** containerd ${cid:0:12}" "$T/pod.md" || fail "the Markdown report lacks the Container bullet"

echo "== run: a failure inside a docker container (no pod)"
path=/nonexistent/fstrace-docker-$id/x
fst_run "$T/docker.jsonl.gz" -o "$T/docker.json" --format json -- "${in_cgroup[@]}" "$dctr" "$path" </dev/null 2>/dev/null
check_recording "$T/docker.jsonl.gz"
check_report_schema "$T/docker.json"
jq -e --arg p "$path" --arg did "$did" 'any(.findings[]; .path == $p and .container.runtime == "docker" and
	.container.id == $did and (.container | has("pod_uid") | not))' "$T/docker.json" >/dev/null ||
	fail "no finding for $path with container docker $did: $(jq -c '[.findings[] | {path, container}]' "$T/docker.json")"

echo "== run: a path removed from inside the docker container: the actor's container"
mkdir -p "$T/race"
echo x >"$T/race/f-$id"
# rm in the container, then cat outside it (sh's $0 is the path, "$@" the rm).
fst_run "$T/race.jsonl.gz" -o "$T/race.json" --format json -- sh -c \
	'"$@" && exec cat "$0"' "$T/race/f-$id" "${rm_in_cgroup[@]}" "$dctr" "$T/race/f-$id" </dev/null 2>/dev/null
check_recording "$T/race.jsonl.gz"
check_report_schema "$T/race.json"
note_findings "$T/race.json"
jq -e --arg p "$T/race/f-$id" --arg did "$did" 'any(.findings[]; .class == "enoent_race" and .path == $p and
	.actor.comm == "rm" and .actor.container.runtime == "docker" and .actor.container.id == $did)' "$T/race.json" >/dev/null ||
	fail "no enoent_race finding for $T/race/f-$id whose actor is in docker $did: $(jq -c '[.findings[] | {class, path, actor}]' "$T/race.json")"
"$FSTRACE" report "$T/race.jsonl.gz" | grep -qF "actor's container: docker ${did:0:12}" ||
	fail "the text report does not name the actor's container"

# record_with FILTER...: a background recorder with the filter; a failure in the container, one
# outside it (in fstrace's own tests' cgroup); both paths are checked.
record_with() {
	local label=$1 in=/nonexistent/fstrace-$1-in-$id out=/nonexistent/fstrace-$1-out-$id
	shift
	rec=$T/record-$label.jsonl.gz
	fst_start_recorder "$rec" "$@"
	sleep 0.3
	"${in_cgroup[@]}" "$ctr" "$in" 2>/dev/null || true
	cat "$out" 2>/dev/null || true
	sleep 0.3
	kill -INT "$RECORDER" 2>/dev/null || fail "fstrace record $* ended early: $(head -n 3 "$T/record.err")"
	wait "$RECORDER" || fail "fstrace record $* exited $?: $(head -n 3 "$T/record.err")"
	rm -f "$T/recorder.pid"
	check_recording "$rec"
	expect_rec "$rec" "record $*: the failure inside ($in) is not in the recording" \
		--arg p "$in" 'any(.[]; .type == "syscall" and .path == $p)'
	expect_rec "$rec" "record $*: the failure outside ($out) is in the recording" \
		--arg p "$out" 'all(.[]; .path != $p)'
	expect_rec "$rec" "record $*: a syscall event from outside cgroup $cgid is in the recording" \
		--argjson c "$cgid" 'all(.[]; .type != "syscall" or .cgroup_id == $c)'
}

echo "== record --pod $uid"
record_with pod --pod "$uid"
echo "== record --pod with the UID as the systemd driver writes it"
record_with podu --pod "${uid//-/_}"
echo "== record --container ${cid:0:12}"
record_with ctr --container "${cid:0:12}"

echo "== bad --container and --pod: one line, non-zero exit"
expect_error() {
	local want=$1 rc=0
	shift
	"$FSTRACE" record -o "$T/never.jsonl.gz" "$@" >"$T/err.out" 2>"$T/err.txt" || rc=$?
	[[ $rc -ne 0 ]] || fail "fstrace record $* exited 0"
	[[ $(wc -l <"$T/err.txt") -eq 1 ]] || fail "fstrace record $* printed $(wc -l <"$T/err.txt") lines: $(tr '\n' '|' <"$T/err.txt")"
	grep -qF -e "$want" "$T/err.txt" || fail "fstrace record $*: '$(cat "$T/err.txt")' does not say '$want'"
	[[ ! -e $T/never.jsonl.gz ]] || fail "fstrace record $* left a recording"
}
expect_error "--container ${cid:0:4}: matches more than one container" --container "${cid:0:4}"
expect_error "no cgroup of that container on this node" --container "$(head -c 8 /dev/urandom | sha256sum | cut -c 1-64)"
expect_error "not a container id" --container not-hex
expect_error "--pod 00000000-0000-0000-0000-000000000000: no cgroup of that pod on this node" \
	--pod 00000000-0000-0000-0000-000000000000
expect_error "give only one" --pod "$uid" --container "$cid"
echo "ok"
