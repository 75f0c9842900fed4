#!/usr/bin/env bash
# Seed: docker build inside a k8s pod, "mount source: overlay ... err: invalid argument".
# The recording must hold the failing overlay mount with its options, and overlayfs' own reason
# (the kernel message) tied to the same process. Both the docker-style trigger (absolute paths)
# and the containerd-style one (relative lowerdirs from a chdir'd helper) are checked.
source "$(dirname "$0")/lib.sh"

scenario=
cleanup() {
	if [[ -n $scenario ]]; then "$SCENARIO" cleanup "$scenario" "$T/$scenario" || true; fi
}
fst_on_exit cleanup

check_variant() {
	local name=$1 target=$2 lowerdir=$3 S rec mount
	scenario=$name
	S=$T/$name
	rec=$T/$name.jsonl.gz
	echo "== $name"
	mkdir -p "$S"
	"$SCENARIO" setup "$name" "$S"
	FST_RUN_OPTS=(-o "$T/$name.live.json" --format json)
	fst_run_trigger "$rec" "$name" "$S"
	[[ $RUN_RC -ne 0 ]] || fail "$name: the nested overlay mount did not fail (fstrace run exited 0)"
	[[ $RUN_RC -lt 125 ]] || fail "$name: fstrace run exited $RUN_RC, not the trigger's exit code"
	check_recording "$rec"

	mount=$(rec_jq "$rec" -c --arg t "$S/$target" '
		[.[] | select(.type == "mount" and .fstype == "overlay" and .errno == "EINVAL"
			and ((.data // "") | contains("upperdir=")))] | first')
	[[ $mount != null ]] ||
		fail "$name: no mount event with fstype overlay, errno EINVAL and upperdir= in data"
	note "mount event: $mount"
	jq -e --arg t "$S/$target" '.path == $t' <<<"$mount" >/dev/null ||
		fail "$name: the failing mount's path is not the target $S/$target"
	jq -e --arg l "lowerdir=$lowerdir," '.data | contains($l)' <<<"$mount" >/dev/null ||
		fail "$name: the failing mount's data lacks 'lowerdir=$lowerdir,' as passed to mount(2)"
	jq -e '.syscall == "mount" or .syscall == "fsconfig" or .syscall == "fsmount"' <<<"$mount" >/dev/null ||
		fail "$name: the failing mount's syscall is not mount/fsconfig/fsmount"

	expect_rec "$rec" "$name: no kmsg event mentioning upperdir from the pid of the failing mount" \
		--argjson m "$mount" \
		'any(.[]; .type == "kmsg" and .pid == $m.pid and ((.msg // "") | contains("upperdir")))'
	expect_rec "$rec" "$name: the kmsg event does not name the rejected upperdir" \
		--arg u "not supported as upperdir" \
		'any(.[]; .type == "kmsg" and ((.msg // "") | contains($u)))'

	# The point of the seed: the report itself must say why, not only "invalid argument".
	"$FSTRACE" report "$rec" >"$T/$name.report.txt" 2>&1 || fail "$name: fstrace report failed"
	grep -q EINVAL "$T/$name.report.txt" || fail "$name: the text report does not mention EINVAL"
	grep -q "not supported as upperdir" "$T/$name.report.txt" ||
		fail "$name: the text report does not show overlayfs' reason (not supported as upperdir)"
	"$FSTRACE" report --format json "$rec" >"$T/$name.file.json" ||
		fail "$name: fstrace report --format json failed"
	jq -e . "$T/$name.file.json" >/dev/null || fail "$name: fstrace report --format json is not valid JSON"
	# The same report from the recording as the live run wrote.
	diff <(jq -S . "$T/$name.live.json") <(jq -S . "$T/$name.file.json") >&"$FST_LOG" ||
		fail "$name: the report from the recording differs from the live run's"
	# The finding: class overlay_mount, cause nested_overlay, the kernel's reason, the layers.
	jq -e --arg t "$S/$target" '[.findings[] | select(.class == "overlay_mount")] | length == 1 and
		(.[0] | .cause == "nested_overlay" and .errno == "EINVAL" and .path == $t and
		 (.reason | contains("not supported as upperdir")) and (.remedy | length > 0) and
		 any(.evidence[]; .type == "layer" and .data == "upperdir" and .fstype == "overlay"))' \
		"$T/$name.file.json" >/dev/null ||
		fail "$name: no overlay_mount finding with cause nested_overlay, the kernel's reason and an upperdir layer on overlay"
	jq -e '.findings[0].command_output | any(.line | contains("wrong fs type"))' "$T/$name.file.json" >/dev/null ||
		fail "$name: the finding does not quote the command's own error line"

	"$SCENARIO" cleanup "$name" "$S"
	scenario=
}

check_variant nested_overlay outer/var/lib/docker/overlay2/merged "$T/nested_overlay/outer/var/lib/docker/overlay2/l1/diff"
check_variant nested_overlay_containerd outer/run/rootfs "2/fs:1/fs"
echo "ok"
