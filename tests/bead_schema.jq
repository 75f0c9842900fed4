# A bead ticket line (`fstrace report --format bead`) against beads' issue schema, as a jq program:
# prints true for each valid line, otherwise stops with jq's error (exit 5), one problem a line.
#
#   jq -f tests/bead_schema.jq FILE.bead.jsonl
#
# The schema is beads' own (steveyegge/beads, now gastownhall/beads), not fstrace's:
#   internal/types/types.go   struct Issue: the JSON field names and Go types; Validate(): title
#                             required and at most 500 bytes, priority 0-4, a known status and
#                             issue type, closed_at only on a closed issue, metadata valid JSON
#   cmd/bd/import.go          the fields `bd import` reads: labels an array of strings,
#                             dependencies {issue_id, depends_on_id, type}, RFC 3339 timestamps,
#                             metadata "arbitrary JSON object preserved verbatim"
# bd itself is not installable here: this is the check that stands in for `bd import`. A key bd
# does not know is reported too, because Go's decoder would drop it without a word.

def known_keys: ["id", "title", "description", "design", "acceptance_criteria", "notes", "spec_id",
	"status", "priority", "issue_type", "assignee", "owner", "estimated_minutes", "created_at",
	"created_by", "updated_at", "started_at", "closed_at", "close_reason", "due_at", "defer_until",
	"external_ref", "source_system", "metadata", "labels", "dependencies", "comments", "pinned",
	"ephemeral"];
def statuses: ["open", "in_progress", "blocked", "deferred", "closed", "pinned", "hooked"];
def issue_types: ["bug", "feature", "task", "epic", "chore"];
def dep_types: ["blocks", "related", "parent-child", "discovered-from"];

def is_str: type == "string";
def is_nonempty_str: type == "string" and length > 0;
def is_int: type == "number" and . == floor;
def one_of($set): . as $v | any($set[]; . == $v);
# Go's time.Time decodes RFC 3339: date, "T", time, optional fraction, "Z" or an offset.
def is_rfc3339: type == "string" and
	test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$") and
	(if endswith("Z") and (contains(".") | not) then (try (fromdateiso8601 | true) catch false) else true end);
def show: tojson | if length > 80 then .[:77] + "..." else . end;

def need($k; f; $what):
	if has($k) | not then "missing \"\($k)\" (\($what))"
	elif .[$k] | f then empty
	else ".\($k): expected \($what), got \(.[$k] | show)" end;
def opt($k; f; $what):
	if has($k) | not then empty
	elif .[$k] | f then empty
	else ".\($k): expected \($what), got \(.[$k] | show)" end;

def ticket_problems:
	if type != "object" then "expected an object, got \(show)" else
		(keys[] | select(one_of(known_keys) | not) | "unknown key \"\(.)\" (bd would drop it)"),
		opt("id"; is_str and test("^[A-Za-z0-9_]+(-[A-Za-z0-9_.]+)+$"); "an id \"prefix-hash\""),
		need("title"; is_nonempty_str and utf8bytelength <= 500; "a non-empty string of at most 500 bytes"),
		opt("description"; is_str; "a string"),
		need("status"; one_of(statuses); "one of \(statuses | join(", "))"),
		need("priority"; is_int and . >= 0 and . <= 4; "an integer from 0 to 4"),
		need("issue_type"; one_of(issue_types); "one of \(issue_types | join(", "))"),
		opt("labels"; type == "array" and all(.[]; is_nonempty_str); "an array of non-empty strings"),
		opt("external_ref"; is_nonempty_str; "a non-empty string"),
		(("created_at", "updated_at", "closed_at", "started_at", "due_at", "defer_until") as $k |
			opt($k; is_rfc3339; "an RFC 3339 time")),
		(if .status != "closed" and has("closed_at") then "closed_at on an issue that is not closed"
		elif .status == "closed" and (has("closed_at") | not) then "a closed issue without closed_at"
		else empty end),
		opt("dependencies"; type == "array" and all(.[]; type == "object" and (.depends_on_id | is_nonempty_str)
			and (.type | one_of(dep_types))); "an array of {depends_on_id, type}"),
		opt("estimated_minutes"; is_int and . >= 0; "a non-negative integer")
	end;

[ticket_problems] as $p
| if $p == [] then true
  else error("not a valid bead ticket (\($p | length) problem\(if ($p | length) == 1 then "" else "s" end)):\n  "
	+ ($p[:20] | join("\n  ")))
  end
