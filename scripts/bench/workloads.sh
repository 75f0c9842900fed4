# shellcheck shell=bash
# workloads.sh: the benchmark's workloads, generated once per run, each repetition on a freshly
# made, loop-mounted ext4 whose image is in memory (/dev/shm) where there is room. Sourced by run.sh
# (BENCH_DIR, BENCH_BIN, LOG set).
#
#   tarN      GNU tar extracting a generated tarball of N small files (0-3 KB, 200 per directory)
#   cleanN    the same extraction, then rm -rf of what it extracted (a CI job's build and cleanup)
#   npmci     a real npm ci of the 467-package lockfile project (scripts/scenarios/data/npm_ci_real),
#             from npm's cache (NPM_CI_REAL_CACHE), warmed from the registry before the first run
#   npmPxF    npm install --offline of P local package tarballs of F files each (no registry)
#   stormN    N failing openat/newfstatat/unlink calls from storm.c, as fast as it can
#   stormN@R  the same at R calls/s (used for the accounting runs)
# shellcheck disable=SC2034 # WL_* are read by run.sh

STORM_PREFIX=/nonexistent/storm
NPMCI_CACHE=${NPM_CI_REAL_CACHE:-/var/cache/fstrace-test/npm}
STORM_PROCS=$(nproc)
WL_MNT=
WL_IMAGE=
WL_GB=

# gen_tarball OUT TOP NFILES [PACKAGE_NAME]: deterministic content straight into a tar (no temporary
# tree to create and delete); a package tarball gets package.json and gzip.
gen_tarball() {
	python3 - "$@" <<'PY'
import io, random, sys, tarfile
out, top, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
pkg = sys.argv[4] if len(sys.argv) > 4 else None
rnd = random.Random(n)
blob = bytes(rnd.getrandbits(8) for _ in range(8192))
with tarfile.open(out, "w:gz" if pkg else "w", format=tarfile.GNU_FORMAT) as t:
    def add(name, data=None):
        ti = tarfile.TarInfo(name)
        ti.mtime = 1700000000
        if data is None:
            ti.type, ti.mode = tarfile.DIRTYPE, 0o755
            t.addfile(ti)
        else:
            ti.size, ti.mode = len(data), 0o644
            t.addfile(ti, io.BytesIO(data))
    add(top)
    if pkg:
        add(top + "/package.json", ('{"name":"%s","version":"1.0.0","license":"MIT"}\n' % pkg).encode())
    for i in range(n):
        if i % 200 == 0:
            add("%s/d%03d" % (top, i // 200))
        size = rnd.randrange(0, 3000)
        off = rnd.randrange(0, len(blob) - size)
        add("%s/d%03d/f%06d.js" % (top, i // 200, i), blob[off:off + size])
PY
}

# wl_tarball tarN|cleanN: the generated tarball of N files both extract.
wl_tarball() {
	local n=${1#tar}
	n=${n#clean}
	echo "$BENCH_DIR/data/files${n%k}000.tar"
}

# wl_prepare IMAGE_GB WORKLOAD...: the data every listed workload needs, and the ext4 it runs on.
wl_prepare() {
	local gb=$1 wl n p f
	shift
	mkdir -p "$BENCH_DIR/data" "$BENCH_DIR/mnt"
	for wl in "$@"; do
		case $wl in
		tar* | clean*)
			n=${wl#tar}
			n=${n#clean}
			n=${n%k}000
			# By file count: tar20k and clean20k extract the same tarball, made once.
			[[ -f $(wl_tarball "$wl") ]] || gen_tarball "$(wl_tarball "$wl")" x "$n"
			;;
		npmci)
			# Once from the registry, untimed: every measured run then installs from the cache.
			mkdir -p "$BENCH_DIR/data/npmci"
			cp "$REPO/scripts/scenarios/data/npm_ci_real/package.json" \
				"$REPO/scripts/scenarios/data/npm_ci_real/package-lock.json" "$BENCH_DIR/data/npmci/"
			(cd "$BENCH_DIR/data/npmci" && NPM_CONFIG_USERCONFIG=/dev/null npm ci --no-audit --no-fund \
				--no-update-notifier --cache "$NPMCI_CACHE" >/dev/null 2>&1 && rm -rf node_modules) ||
				echo "bench: npmci: warming npm's cache failed (no registry?): its runs will fail" >&2
			;;
		npm*)
			n=${wl#npm}
			p=${n%x*}
			f=${n#*x}
			for ((i = 0; i < p; i++)); do
				[[ -f $BENCH_DIR/data/$wl-$i.tgz ]] ||
					gen_tarball "$BENCH_DIR/data/$wl-$i.tgz" package "$f" "bench-pkg-$i"
			done
			;;
		esac
	done
	: >"$BENCH_DIR/npmrc" # an empty user config: the machine's ~/.npmrc must not change the workload

	# In memory when /dev/shm has room for it twice over: the virtual disk's own stalls then stay
	# out of the ratios, and what is measured is the CPU a tracer costs.
	WL_GB=$gb
	WL_IMAGE=$BENCH_DIR/ext4.img
	if [[ $(df -k --output=avail /dev/shm 2>/dev/null | tail -n 1) -gt $((gb * 2 * 1024 * 1024)) ]] &&
		mkdir "/dev/shm/${BENCH_DIR##*/}" 2>/dev/null; then
		WL_IMAGE=/dev/shm/${BENCH_DIR##*/}/ext4.img
	fi
	wl_fresh_fs
}

# wl_fresh_fs: a new, empty ext4 on WL_MNT, the same for every run of every configuration (fresher
# than removing the last run's files, and 3-4x quicker: unmounting 100k inodes beats unlinking them).
# Lazy inode tables, and noinit_itable so that no ext4lazyinit thread runs during a measurement.
wl_fresh_fs() {
	wl_unmount
	rm -f "$WL_IMAGE"
	truncate -s "${WL_GB}G" "$WL_IMAGE"
	mkfs.ext4 -q -F -i 4096 "$WL_IMAGE"
	BENCH_LOOP=$(losetup --find --show "$WL_IMAGE")
	mount -o noinit_itable "$BENCH_LOOP" "$BENCH_DIR/mnt"
	WL_MNT=$BENCH_DIR/mnt
}

# wl_setup WORKLOAD RUN_ID: a fresh directory for this run (WL_DIR) and the command (WL_CMD array).
# WL_PREFIX is what the storm's failing paths start with (empty for the other workloads).
wl_setup() {
	local wl=$1 id=$2 n rate args i
	WL_DIR=
	WL_PREFIX=
	case $wl in
	tar*)
		WL_DIR=$WL_MNT/$id
		mkdir "$WL_DIR"
		WL_CMD=(tar -xf "$(wl_tarball "$wl")" -C "$WL_DIR")
		;;
	clean*)
		WL_DIR=$WL_MNT/$id
		mkdir "$WL_DIR"
		WL_CMD=(sh -c 'tar -xf "$1" -C "$2" && rm -rf "$2/x"' clean "$(wl_tarball "$wl")" "$WL_DIR")
		;;
	npmci)
		WL_DIR=$WL_MNT/$id
		mkdir "$WL_DIR"
		cp "$BENCH_DIR/data/npmci/package.json" "$BENCH_DIR/data/npmci/package-lock.json" "$WL_DIR/"
		WL_CMD=(env -C "$WL_DIR" NPM_CONFIG_USERCONFIG="$BENCH_DIR/npmrc" npm ci --prefer-offline --no-audit
			--no-fund --no-update-notifier --cache "$NPMCI_CACHE")
		;;
	npm*)
		WL_DIR=$WL_MNT/$id
		mkdir "$WL_DIR"
		n=${wl#npm}
		args=()
		for ((i = 0; i < ${n%x*}; i++)); do args+=("$BENCH_DIR/data/$wl-$i.tgz"); done
		WL_CMD=(env -C "$WL_DIR" NPM_CONFIG_USERCONFIG="$BENCH_DIR/npmrc" npm install --offline --no-audit
			--no-fund --no-update-notifier --cache "$WL_DIR/.npm-cache" "${args[@]}")
		;;
	storm*)
		n=${wl#storm}
		rate=
		[[ $n == *@* ]] && rate=${n#*@} && n=${n%@*}
		n=${n/M/000000}
		n=${n/k/000}
		rate=${rate/k/000}
		WL_PREFIX=$STORM_PREFIX
		WL_CMD=("$BENCH_BIN/storm" --procs "$STORM_PROCS" --count "$n" --prefix "$STORM_PREFIX" ${rate:+--rate "$rate"})
		;;
	*)
		echo "bench: unknown workload $wl" >&2
		return 1
		;;
	esac
}

# wl_teardown: everything is written back before the next run starts, and a run that wrote files
# leaves a fresh filesystem behind it (the same for every configuration; the workloads' inputs stay
# in the page cache).
wl_teardown() {
	sync
	[[ -z $WL_DIR ]] || wl_fresh_fs
}

# wl_issued FILE: the storm's own count of failing calls (its "total=N" on stdout).
wl_issued() {
	sed -n 's/^storm: .* total=\([0-9]*\) failed.*/\1/p' "$1" | tail -n 1
}

wl_unmount() {
	if [[ -n $WL_MNT ]] && mountpoint -q "$WL_MNT"; then
		umount "$WL_MNT" || umount -l "$WL_MNT"
	fi
	[[ -n ${BENCH_LOOP:-} ]] && losetup -d "$BENCH_LOOP" 2>/dev/null
	WL_MNT=
	BENCH_LOOP=
	return 0
}

# wl_cleanup: the filesystem and its in-memory image.
wl_cleanup() {
	wl_unmount
	[[ $WL_IMAGE != /dev/shm/* ]] || rm -rf "${WL_IMAGE%/*}"
}
