// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Filing bead tickets without bd: the id read back from what bd prints, and --dry-run's argv. */
#include <string.h>
#include <unistd.h>
#include "bead/bead.h"
#include "check.h"

static void test_created_id(void)
{
	char id[64];

	/* steveyegge/beads cmd/bd/create.go: the tick is coloured on a terminal, the id is not. */
	CHECK(bd_created_id("\033[32m✓\033[0m Created issue: bd-a1b2\n  Title: x\n  Priority: P1\n", id, sizeof(id)));
	CHECK(strcmp(id, "bd-a1b2") == 0);
	/* newer bd: "<id> — <title>" */
	CHECK(bd_created_id("✓ Created issue: mo-3f.2 — fstrace: overlay_mount\n", id, sizeof(id)));
	CHECK(strcmp(id, "mo-3f.2") == 0);
	/* --silent: the id alone */
	CHECK(bd_created_id("fs-9z\n", id, sizeof(id)));
	CHECK(strcmp(id, "fs-9z") == 0);
	CHECK(!bd_created_id("", id, sizeof(id)));
	CHECK(!bd_created_id("Error: no .beads directory found\n", id, sizeof(id)));
	CHECK(!bd_created_id("Created issue: \n", id, sizeof(id)));
	CHECK(!bd_created_id("Created issue: bd-a1b2\n", id, 4)); /* does not fit: not cut short */
}

/* bead_file --dry-run's stdout, for one ticket line. */
static char *dry_run(const char *line, const char *parent)
{
	struct bead_target bt = { .parent = parent, .dry_run = true };
	static char out[8192];
	FILE *f = tmpfile();
	int saved = dup(STDOUT_FILENO);
	size_t n;

	REQUIRE(f && saved >= 0);
	fflush(stdout);
	dup2(fileno(f), STDOUT_FILENO);
	CHECK(bead_file(line, strlen(line), &bt) == BEAD_FILED);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	return out;
}

static void test_dry_run_argv(void)
{
	const char *line = "{\"id\":\"fstrace-1\",\"title\":\"fstrace: it's /a b\",\"description\":\"# fstrace: x\\n\","
		"\"status\":\"open\",\"priority\":0,\"issue_type\":\"bug\",\"labels\":[\"fstrace\",\"fs_corruption\"],"
		"\"external_ref\":\"fstrace:0123456789abcdef\",\"metadata\":{\"findings\":[{}]}}\n";
	const char *want = "bd\ncreate\n--title\n'fstrace: it'\\''s /a b'\n-t\nbug\n-p\n0\n-l\nfstrace,fs_corruption\n"
		"--external-ref\nfstrace:0123456789abcdef\n--body-file\n-\n--deps\ndiscovered-from:fs-0\n\n# fstrace: x\n";

	CHECK(strcmp(dry_run(line, "fs-0"), want) == 0);
}

static void test_no_findings(void)
{
	const char *line = "{\"title\":\"fstrace: no filesystem failure found\",\"description\":\"# fstrace\\n\","
		"\"priority\":4,\"labels\":[\"fstrace\"],\"metadata\":{\"findings\":[]}}\n";
	struct bead_target bt = { .dry_run = true };

	CHECK(bead_file(line, strlen(line), &bt) == BEAD_NOTHING);
	/* Its one line goes to stderr: keep it out of the test's output, and check it was said. */
	fflush(stderr);
	int saved = dup(2);
	FILE *said = tmpfile();
	char line_said[128] = "";

	REQUIRE(saved >= 0 && said && dup2(fileno(said), 2) >= 0);
	CHECK(bead_file("not json\n", 9, &bt) == BEAD_ERROR);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(said);
	CHECK(fgets(line_said, sizeof(line_said), said) && strcmp(line_said, "fstrace: not a bead ticket: not json\n") == 0);
	fclose(said);
}

int main(void)
{
	test_created_id();
	test_dry_run_argv();
	test_no_findings();
	return CHECK_RESULT();
}
