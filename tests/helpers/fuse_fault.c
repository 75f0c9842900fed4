// fuse_fault: a FUSE filesystem that fails reads, speaking the kernel's protocol on /dev/fuse
// itself (no libfuse). For tests/test_fuse_faults.sh: real EIO from a filesystem whose device is
// anonymous (major 0), and real ENOTCONN once the daemon is killed and the mount stays.
//
//   fuse_fault [-p PIDFILE] MOUNTPOINT
// Mounts "fstfault" on MOUNTPOINT as fuse.fstfault and serves a read-only root holding two files:
//   bad    4096 bytes whose every READ is answered -EIO (a disk that fails reads)
//   good   "fstfault good\n", read fine
// Anything else is ENOENT. Writes its pid to PIDFILE once mounted and serves until killed or
// unmounted. SIGKILL leaves the mount with no daemon: every call on it then fails ENOTCONN.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/uio.h>
#include <unistd.h>

#define BAD_ID 2
#define GOOD_ID 3
#define BAD_SIZE 4096
#define MAX_WRITE 65536
/* The kernel refuses a read buffer smaller than a request of max_write plus its headers. */
#define BUF_SIZE (MAX_WRITE + 4096)

static const char good_text[] = "fstfault good\n";
static int fuse_fd = -1;

static void reply(uint64_t unique, int error, const void *body, size_t len)
{
	struct fuse_out_header h = { .len = sizeof(h) + (error ? 0 : len), .error = -error, .unique = unique };
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)body, error ? 0 : len } };

	/* ENOENT from the kernel: the request was interrupted and is gone. Nothing to do. */
	if (writev(fuse_fd, iov, 2) < 0 && errno != ENOENT)
		fprintf(stderr, "fuse_fault: reply to %llu: %s\n", (unsigned long long)unique, strerror(errno));
}

static int fill_attr(uint64_t id, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = id;
	a->blksize = 4096;
	switch (id) {
	case FUSE_ROOT_ID:
		a->mode = 040755;
		a->nlink = 2;
		return 0;
	case BAD_ID:
	case GOOD_ID:
		a->mode = 0100444;
		a->nlink = 1;
		a->size = id == BAD_ID ? BAD_SIZE : sizeof(good_text) - 1;
		a->blocks = (a->size + 511) / 512;
		return 0;
	}
	return -1;
}

static void do_lookup(const struct fuse_in_header *in, const char *name)
{
	struct fuse_entry_out e = {};
	uint64_t id = !strcmp(name, "bad") ? BAD_ID : !strcmp(name, "good") ? GOOD_ID : 0;

	if (in->nodeid != FUSE_ROOT_ID || !id)
		return reply(in->unique, ENOENT, NULL, 0);
	/* No caching of names or attributes: every call reaches the daemon, or finds it gone. */
	e.nodeid = id;
	fill_attr(id, &e.attr);
	reply(in->unique, 0, &e, sizeof(e));
}

static void do_read(const struct fuse_in_header *in, const struct fuse_read_in *r)
{
	size_t len = sizeof(good_text) - 1;

	if (in->nodeid == BAD_ID)
		return reply(in->unique, EIO, NULL, 0);
	if (in->nodeid != GOOD_ID)
		return reply(in->unique, EBADF, NULL, 0);
	if (r->offset >= len)
		return reply(in->unique, 0, NULL, 0);
	len -= r->offset;
	reply(in->unique, 0, good_text + r->offset, len < r->size ? len : r->size);
}

static void do_readdir(const struct fuse_in_header *in, const struct fuse_read_in *r)
{
	static const struct {
		const char *name;
		uint64_t ino;
		uint32_t type;
	} ents[] = { { ".", FUSE_ROOT_ID, 4 }, { "..", FUSE_ROOT_ID, 4 }, { "bad", BAD_ID, 8 }, { "good", GOOD_ID, 8 } };
	char buf[4096] = {};
	size_t used = 0, max = r->size < sizeof(buf) ? r->size : sizeof(buf);

	for (size_t i = r->offset; i < sizeof(ents) / sizeof(ents[0]); i++) {
		size_t nl = strlen(ents[i].name), sz = FUSE_DIRENT_SIZE(&(struct fuse_dirent){ .namelen = nl });
		struct fuse_dirent *d = (struct fuse_dirent *)(buf + used);

		if (used + sz > max)
			break;
		d->ino = ents[i].ino;
		d->off = i + 1;
		d->namelen = nl;
		d->type = ents[i].type;
		memcpy(d->name, ents[i].name, nl);
		used += sz;
	}
	reply(in->unique, 0, buf, used);
}

static void serve(void)
{
	static char buf[BUF_SIZE];

	for (;;) {
		ssize_t n = read(fuse_fd, buf, sizeof(buf));
		const struct fuse_in_header *in = (const void *)buf;
		const void *arg = buf + sizeof(*in);

		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == ENOENT))
			continue;
		if (n < 0 && errno == ENODEV) /* unmounted */
			return;
		if (n < 0) {
			fprintf(stderr, "fuse_fault: read /dev/fuse: %s\n", strerror(errno));
			exit(1);
		}
		if ((size_t)n < sizeof(*in))
			continue;
		switch (in->opcode) {
		case FUSE_INIT: {
			const struct fuse_init_in *i = arg;
			struct fuse_init_out o = { .major = FUSE_KERNEL_VERSION, .minor = FUSE_KERNEL_MINOR_VERSION,
						   .max_readahead = i->max_readahead, .max_write = MAX_WRITE,
						   .max_background = 16, .congestion_threshold = 12 };
			reply(in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_LOOKUP:
			do_lookup(in, arg);
			break;
		case FUSE_GETATTR: {
			struct fuse_attr_out o = {};

			if (fill_attr(in->nodeid, &o.attr))
				reply(in->unique, ENOENT, NULL, 0);
			else
				reply(in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_OPEN:
		case FUSE_OPENDIR: {
			/* Direct I/O: each read(2) is one READ here, never served from the page cache. */
			struct fuse_open_out o = { .fh = in->nodeid,
						   .open_flags = in->opcode == FUSE_OPEN ? FOPEN_DIRECT_IO : 0 };

			if ((in->opcode == FUSE_OPEN) == (in->nodeid == FUSE_ROOT_ID))
				reply(in->unique, in->opcode == FUSE_OPEN ? EISDIR : ENOTDIR, NULL, 0);
			else
				reply(in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_READ:
			do_read(in, arg);
			break;
		case FUSE_READDIR:
			do_readdir(in, arg);
			break;
		case FUSE_STATFS: {
			struct fuse_statfs_out o = { .st = { .bsize = 4096, .frsize = 4096, .namelen = 255 } };

			reply(in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_RELEASE:
		case FUSE_RELEASEDIR:
		case FUSE_FLUSH:
			reply(in->unique, 0, NULL, 0);
			break;
		case FUSE_GETXATTR:
		case FUSE_LISTXATTR:
			reply(in->unique, ENODATA, NULL, 0);
			break;
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT: /* answered by the reply to the request itself */
			break;
		case FUSE_DESTROY:
			reply(in->unique, 0, NULL, 0);
			return;
		default:
			reply(in->unique, ENOSYS, NULL, 0);
		}
	}
}

int main(int argc, char **argv)
{
	const char *pidfile = NULL, *mnt;
	char opts[128];
	int c;

	opterr = 0; /* one line of ours, not getopt's as well */
	while ((c = getopt(argc, argv, "p:")) != -1) {
		if (c != 'p')
			break;
		pidfile = optarg;
	}
	if (c != -1 || optind != argc - 1) {
		fprintf(stderr, "fuse_fault: usage: fuse_fault [-p PIDFILE] MOUNTPOINT\n");
		return 2;
	}
	mnt = argv[optind];
	if ((fuse_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC)) < 0) {
		fprintf(stderr, "fuse_fault: open /dev/fuse: %s\n", strerror(errno));
		return 1;
	}
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0", fuse_fd);
	if (mount("fstfault", mnt, "fuse.fstfault", MS_NOSUID | MS_NODEV, opts)) {
		fprintf(stderr, "fuse_fault: mount %s: %s\n", mnt, strerror(errno));
		return 1;
	}
	if (pidfile) {
		FILE *f = fopen(pidfile, "w");

		if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f)) {
			fprintf(stderr, "fuse_fault: %s: %s\n", pidfile, strerror(errno));
			umount2(mnt, MNT_DETACH);
			return 1;
		}
	}
	serve();
	return 0;
}
