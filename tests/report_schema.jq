# The JSON report's schema, "fstrace.report/1", as a jq program: prints true when the input is a
# valid report, otherwise stops with jq's error (exit 5) listing what is wrong, one problem a line.
#
#   jq -f tests/report_schema.jq REPORT.json
#
# Required keys must be there with their types; optional ones (a finding's syscall, device, actor,
# ...) are checked only when present. class, cause, severity and event types come from fixed sets:
# a new cause in user/diagnose/find_*.c is added here too.

def classes: {
	"overlay_mount": ["nested_overlay", "layer_not_found", "upper_work_different_mounts",
		"readonly_upper", "missing_option", "unknown"],
	"enoent_race": ["removed", "renamed_away"],
	"fs_corruption": ["ext4_errors", "ext4_errors_single_replica"],
	"read_only": ["emergency_ro", "ro_mount", "ro_filesystem", "unknown"],
	"no_space": ["inodes", "blocks", "reserved", "quota", "tmpfs", "overlay_upper", "unknown"],
	"io_error": ["backing_full", "write_lost", "fuse_daemon", "network_server", "io_error"],
		"missing_path": ["not_found", "removals_summed"],
	"permission": ["mode", "noexec", "immutable", "append_only", "not_permitted", "denied"],
	"limit": ["open_files", "system_open_files", "name_too_long", "symlink_loop", "arg_list_too_long"],
	"cross_device": ["different_mounts"],
	"busy": ["in_use", "text_busy"],
	"stale": ["stale_handle", "disconnected"],
	"unknown": ["unexplained"]
};
def severities: ["low", "medium", "high", "critical"];
def event_types: ["syscall", "mount", "remove", "rename", "ext4_error", "kmsg", "proc", "device",
	"layer", "output", "cgroup", "pod", "note", "state"];

def is_str: type == "string";
def is_nonempty_str: type == "string" and length > 0;
def is_num: type == "number";
def is_uint: type == "number" and . >= 0 and . == floor;
def is_int: type == "number" and . == floor;
def is_bool: type == "boolean";
def is_obj: type == "object";
def is_arr: type == "array";
def is_str_arr: type == "array" and all(.[]; type == "string");
def is_errno: type == "string" and test("^E[A-Z0-9]+$");
def is_dev: type == "string" and test("^[0-9]+:[0-9]+$");
def one_of($set): . as $v | any($set[]; . == $v);
def show: tojson | if length > 80 then .[:77] + "..." else . end;

# One message per problem with key $k of the object at path $w.
def need($w; $k; f; $what):
	if has($k) | not then "\($w): missing \"\($k)\" (\($what))"
	elif .[$k] | f then empty
	else "\($w).\($k): expected \($what), got \(.[$k] | show)" end;
def opt($w; $k; f; $what):
	if has($k) | not then empty
	elif .[$k] | f then empty
	else "\($w).\($k): expected \($what), got \(.[$k] | show)" end;

def ext4_error_problems($w):
	if is_obj | not then "\($w): expected an object, got \(show)" else
		opt($w; "func"; is_str; "a string"),
		opt($w; "line"; is_uint; "an unsigned integer"),
		opt($w; "ino"; is_uint; "an unsigned integer"),
		opt($w; "errcode"; is_errno; "an errno name"),
		opt($w; "time"; is_uint; "an unsigned integer")
	end;

def device_problems($w):
	if is_obj | not then "\($w): expected an object, got \(show)" else
		need($w; "dev"; is_dev; "\"major:minor\""),
		(("name", "disk", "backing_file", "dm_name", "longhorn_volume", "pv", "mountpoint", "fstype")
			as $k | opt($w; $k; is_str; "a string")),
		opt($w; "mountpoints"; is_str_arr; "an array of strings"),
		(if has("ext4") then .ext4 as $e | "\($w).ext4" as $x |
			if ($e | is_obj) | not then "\($x): expected an object, got \($e | show)" else
				($e | need($x; "errors_count"; is_uint; "an unsigned integer")),
				($e | opt($x; "first_error"; is_obj; "an object")),
				($e | opt($x; "last_error"; is_obj; "an object")),
				(("first_error", "last_error") as $k |
					if ($e | has($k)) and ($e[$k] | is_obj) then $e[$k] | ext4_error_problems("\($x).\($k)")
					else empty end)
			end
		else empty end),
		(if has("longhorn") then .longhorn as $l | "\($w).longhorn" as $x |
			if ($l | is_obj) | not then "\($x): expected an object, got \($l | show)" else
				($l | need($x; "replicas"; is_int; "an integer")),
				($l | opt($x; "robustness"; is_str; "a string")),
				($l | opt($x; "state"; is_str; "a string"))
			end
		else empty end)
	end;

# A finding's (or its actor's) container and pod: "id" is the container's.
def container_problems($w):
	if is_obj | not then "\($w): expected an object, got \(show)" else
		(("runtime", "id", "pod_uid", "pod_name", "pod_namespace", "qos", "cgroup") as $k |
			opt($w; $k; is_nonempty_str; "a non-empty string")),
		opt($w; "qos"; one_of(["Guaranteed", "Burstable", "BestEffort"]); "Guaranteed, Burstable or BestEffort"),
		(if has("id") or has("pod_uid") then empty else "\($w): neither a container id nor a pod_uid" end)
	end;

# A cgroup record's object, as the recording writes it.
def cgroup_problems($w):
	if is_obj | not then "\($w): expected an object, got \(show)" else
		opt($w; "id"; is_uint; "an unsigned integer"),
		(("path", "runtime", "container_id", "pod_uid", "pod_name", "pod_namespace", "qos") as $k |
			opt($w; $k; is_str; "a string"))
	end;

def actor_problems($w):
	if is_obj | not then "\($w): expected an object, got \(show)" else
		need($w; "pid"; is_uint; "an unsigned integer"),
		need($w; "ppid"; is_uint; "an unsigned integer"),
		opt($w; "vpid"; is_uint; "an unsigned integer"),
		opt($w; "vppid"; is_uint; "an unsigned integer"),
		need($w; "comm"; is_str; "a string"),
		need($w; "syscall"; is_str; "a string"),
		need($w; "path"; is_str; "a string"),
		need($w; "type"; one_of(["remove", "rename"]); "\"remove\" or \"rename\""),
		need($w; "delta_ms"; is_num; "a number"),
		opt($w; "ino"; is_uint; "an unsigned integer"),
		opt($w; "dev"; is_str; "a string \"major:minor\""),
		(if has("container") then .container | container_problems("\($w).container") else empty end)
	end;

# An event as the recording writes it.
def event_problems($w):
	if is_obj | not then "\($w): expected an event object, got \(show)" else
		need($w; "ts_ns"; is_uint; "an unsigned integer"),
		need($w; "type"; one_of(event_types); "one of \(event_types | join(", "))"),
		(("pid", "tid", "ppid", "vpid", "vppid", "cgroup_id", "mntns", "ino", "line", "flags") as $k |
			opt($w; $k; is_uint; "an unsigned integer")),
		(("comm", "syscall", "path", "path2", "cwd", "fstype", "data", "func", "msg") as $k |
			opt($w; $k; is_str; "a string")),
		opt($w; "ret"; is_int; "an integer"),
		opt($w; "fd"; is_int; "an integer"),
		opt($w; "errno"; is_errno; "an errno name"),
		opt($w; "dev"; is_dev; "\"major:minor\""),
		(if has("device") then .device | device_problems("\($w).device") else empty end),
		(if has("cgroup") then .cgroup | cgroup_problems("\($w).cgroup") else empty end)
	end;

def output_problems($w):
	if is_obj | not then "\($w): expected an object, got \(show)" else
		need($w; "stream"; one_of(["stdout", "stderr"]); "\"stdout\" or \"stderr\""),
		need($w; "line"; is_str; "a string"),
		opt($w; "syscall"; is_str; "a string"),
		opt($w; "path"; is_str; "a string"),
		opt($w; "first_failed_syscall"; is_str; "a string"),
		opt($w; "first_failed_errno"; is_errno; "an errno name")
	end;

def finding_problems($w):
	if is_obj | not then "\($w): expected an object, got \(show)" else
		. as $f |
		need($w; "class"; one_of(classes | keys); "one of \(classes | keys | join(", "))"),
		(if (.class | is_str) and (classes | has($f.class)) then
			need($w; "cause"; one_of(classes[$f.class]); "for \($f.class) one of \(classes[$f.class] | join(", "))")
		else need($w; "cause"; is_str; "a string") end),
		need($w; "severity"; one_of(severities); "one of \(severities | join(", "))"),
		need($w; "title"; is_nonempty_str; "a non-empty string"),
		need($w; "count"; is_uint; "an unsigned integer"),
		need($w; "remedy"; is_nonempty_str; "a non-empty string"),
		need($w; "details"; is_str_arr; "an array of strings"),
		need($w; "command_output"; is_arr; "an array"),
		need($w; "evidence"; is_arr and length > 0; "a non-empty array of events"),
		(("syscall", "path", "comm", "reason", "fstype", "data") as $k | opt($w; $k; is_str; "a string")),
		opt($w; "errno"; is_errno; "an errno name"),
		opt($w; "pid"; is_uint; "an unsigned integer"),
		opt($w; "vpid"; is_uint; "an unsigned integer"),
		opt($w; "inode"; is_uint; "an unsigned integer"),
		(if .class == "enoent_race" then need($w; "actor"; is_obj; "an object (who removed the path)")
		else empty end),
		(if has("device") then .device | device_problems("\($w).device") else empty end),
		(if has("actor") then .actor | actor_problems("\($w).actor") else empty end),
		(if has("container") then .container | container_problems("\($w).container") else empty end),
		(if .command_output | is_arr then
			.command_output | to_entries[] | .key as $i | .value | output_problems("\($w).command_output[\($i)]")
		else empty end),
		(if .evidence | is_arr then
			.evidence | to_entries[] | .key as $i | .value | event_problems("\($w).evidence[\($i)]")
		else empty end)
	end;

def report_problems:
	if is_obj | not then "report: expected an object, got \(show)" else
		. as $r |
		need("report"; "schema"; . == "fstrace.report/1"; "\"fstrace.report/1\""),
		opt("report"; "mode"; one_of(["run", "record"]); "\"run\" or \"record\""),
		# A run has a command and its exit code; a system-wide recording has neither.
		(if .mode == "run" then
			need("report"; "command"; is_nonempty_str; "a non-empty string"),
			need("report"; "exit_code"; is_int; "an integer")
		else
			opt("report"; "command"; is_str; "a string"),
			opt("report"; "exit_code"; is_int; "an integer")
		end),
		need("report"; "kernel"; is_nonempty_str; "a non-empty string"),
		opt("report"; "hostname"; is_str; "a string"),
		(if has("pod") then
			if .pod | is_obj then .pod | (("name", "name_from", "namespace", "namespace_from", "uid",
				"uid_from", "container", "hostname") as $k | opt("report.pod"; $k; is_str; "a string"))
			else "report.pod: expected an object" end
		else empty end),
		need("report"; "attach_mode"; is_obj and all(.[]; type == "string"); "an object of strings"),
		need("report"; "started"; is_nonempty_str; "a non-empty string"),
		# A recording cut short has no trailer, so no end time.
		(if .truncated == false then need("report"; "ended"; is_nonempty_str; "a non-empty string")
		else opt("report"; "ended"; is_str; "a string") end),
		need("report"; "events_total"; is_uint; "an unsigned integer"),
		need("report"; "events_lost"; is_uint; "an unsigned integer"),
		need("report"; "truncated"; is_bool; "a boolean"),
		need("report"; "events_not_analysed"; is_uint; "an unsigned integer"),
		need("report"; "findings"; is_arr; "an array"),
		need("report"; "routine_misses"; is_obj; "an object"),
		need("report"; "other_failures"; is_arr; "an array"),
		need("report"; "notes"; is_str_arr; "an array of strings"),
		(if .routine_misses | is_obj then
			.routine_misses | (("total", "search", "probe", "system", "handled", "expected_errors") as $k |
				need("report.routine_misses"; $k; is_uint; "an unsigned integer"))
		else empty end),
		(if .findings | is_arr then
			.findings | to_entries[] | .key as $i | .value | finding_problems("report.findings[\($i)]")
		else empty end),
		(if .other_failures | is_arr then
			.other_failures | to_entries[] | .key as $i | .value | "report.other_failures[\($i)]" as $w |
			if is_obj | not then "\($w): expected an object, got \(show)" else
				need($w; "syscall"; is_str; "a string"),
				need($w; "errno"; is_errno; "an errno name"),
				need($w; "count"; is_uint; "an unsigned integer"),
				need($w; "pid"; is_uint; "an unsigned integer"),
				opt($w; "vpid"; is_uint; "an unsigned integer"),
				need($w; "comm"; is_str; "a string"),
				opt($w; "path"; is_str; "a string")
			end
		else empty end)
	end;

[report_problems] as $p
| if $p == [] then true
  else error("not a valid fstrace.report/1 report (\($p | length) problem\(if ($p | length) == 1 then "" else "s" end)):\n  "
	+ ($p[:20] | join("\n  ")))
  end
