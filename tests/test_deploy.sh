#!/usr/bin/env bash
# The node deployments: the DaemonSet manifest parses and gives the container what the binary
# needs (privileged, hostPID, BTF, /dev, kubelet's and the pod-log directories read-only),
# and the command lines of the manifest and of the systemd unit are ones this fstrace accepts: each
# is run for real (with its recording directory moved under the test's) for half a second.
source "$(dirname "$0")/lib.sh"

manifest=$FST_REPO/scripts/deploy/fstrace-daemonset.yaml
unit=$FST_REPO/scripts/deploy/fstrace.service

/usr/bin/python3 - "$manifest" >"$T/manifest.json" <<'PY' || fail "the DaemonSet manifest does not parse as YAML"
import json, sys, yaml
print(json.dumps(yaml.safe_load(open(sys.argv[1]))))
PY
jq -e '.kind == "DaemonSet" and .spec.template.spec.hostPID == true and
	(.spec.template.spec.containers[0].securityContext.privileged == true)' "$T/manifest.json" >/dev/null ||
	fail "the manifest is not a privileged hostPID DaemonSet"
for path in /sys/kernel/btf /dev /var/lib/kubelet /var/log/pods /var/log/fstrace /var/lib/node_exporter/textfile_collector; do
	jq -e --arg p "$path" '.spec.template.spec as $s | any($s.volumes[]; .hostPath.path == $p) and
		any($s.containers[0].volumeMounts[]; .mountPath == $p)' "$T/manifest.json" >/dev/null ||
		fail "the manifest does not mount the host's $path"
done
jq -e '.spec.template.spec.containers[0].volumeMounts[] | select(.mountPath == "/var/lib/kubelet") | .readOnly' \
	"$T/manifest.json" >/dev/null || fail "kubelet's directory must be mounted read-only"
# Live finding lines name the node, not the pod's host name.
jq -e '.spec.template.spec.containers[0].env[] | select(.name == "NODE_NAME") | .valueFrom.fieldRef.fieldPath == "spec.nodeName"' \
	"$T/manifest.json" >/dev/null || fail "the manifest does not set NODE_NAME from spec.nodeName"
# The metrics file lies in a directory the manifest mounts from the host.
jq -e '.spec.template.spec as $s | ($s.containers[0].command | index("--metrics")) as $i | $i != null and
	($s.containers[0].command[$i + 1] | rtrimstr("/fstrace.prom")) as $d |
	any($s.containers[0].volumeMounts[]; .mountPath == $d)' "$T/manifest.json" >/dev/null ||
	fail "the DaemonSet writes no --metrics file into a directory mounted from the host"

# Their command lines, as this fstrace runs them.
mapfile -t ds_cmd < <(jq -r '.spec.template.spec.containers[0].command[1:][]' "$T/manifest.json")
read -r -a unit_cmd <<<"$(sed -n 's/^ExecStart=[^ ]* //p' "$unit")"
for name in daemonset unit; do
	if [[ $name == daemonset ]]; then cmd=("${ds_cmd[@]}"); else cmd=("${unit_cmd[@]}"); fi
	args=()
	for ((i = 0; i < ${#cmd[@]}; i++)); do
		if [[ ${cmd[i]} == --dir ]]; then
			args+=(--dir "$T/$name")
			i=$((i + 1))
		elif [[ ${cmd[i]} == --metrics ]]; then
			mkdir -p "$T/$name-textfile"
			args+=(--metrics "$T/$name-textfile/fstrace.prom")
			i=$((i + 1))
		else
			args+=("${cmd[i]}")
		fi
	done
	[[ ${args[0]} == record ]] || fail "the $name does not run fstrace record"
	"$FSTRACE" "${args[@]}" --duration 0.5 2>"$T/$name.err" ||
		fail "the $name's command line fails: $(head -n 2 "$T/$name.err")"
	ls "$T/$name"/fstrace-*.report.json >/dev/null 2>&1 || fail "the $name's command left no report"
	if [[ -d $T/$name-textfile ]]; then
		grep -q '^fstrace_last_report_timestamp_seconds [1-9]' "$T/$name-textfile/fstrace.prom" ||
			fail "the $name's command wrote no metrics with its report's time"
	fi
done
echo "ok"
