/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * From a device number to what a person recognises: the block device's name, the disk under a
 * partition, a loop device's backing file, a device-mapper name, the Longhorn volume exposed as
 * /dev/longhorn/<volume> with the same major:minor, where it is mounted, the Kubernetes PV from
 * kubelet's CSI mount path, and ext4's own error record in /sys/fs/ext4/<name>/.
 *
 * Resolved where fstrace runs, while it runs, and stored in the recording ("device" records), so
 * a report read elsewhere later says the same.
 */
#ifndef FSTRACE_DEVICES_H
#define FSTRACE_DEVICES_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/json.h"

/* Where to look; the defaults are the real /sys, /dev, /proc/self/mountinfo. Tests use a fake tree. */
struct device_roots {
	const char *sysfs;     /* "/sys" */
	const char *dev;       /* "/dev" */
	const char *mountinfo; /* "/proc/self/mountinfo" */
};

extern const struct device_roots device_roots_default;

struct ext4_error_record { /* /sys/fs/ext4/<name>/{first,last}_error_* */
	char *func;
	uint32_t line;
	uint64_t ino;
	int errcode;   /* errno number as ext4 stored it, 0 when unknown */
	uint64_t time; /* seconds since the epoch */
};

/* All strings owned, NULL when unknown. */
struct device_info {
	uint32_t major, minor;
	char *name;            /* "loop0", "sdc1", "dm-0" */
	char *disk;            /* a partition's whole disk ("sdc"); NULL when it is one */
	char *backing_file;    /* loop devices */
	char *dm_name;         /* device-mapper */
	char *longhorn_volume; /* /dev/longhorn/<volume> with this major:minor */
	char *longhorn_from;   /* how it was named: "device node", "kubelet vol_data.json", or "mount
				* source" (inside a container: the node's /dev/longhorn is not there) */
	char *pv;              /* Kubernetes PV name, from a kubelet CSI mount path or its vol_data.json */
	char *mountpoint;      /* the first mount of the device */
	char *fstype;          /* its filesystem type */
	char **mountpoints;    /* every mount of it */
	size_t nmountpoints;
	bool has_ext4; /* /sys/fs/ext4/<name>/ exists */
	uint64_t ext4_errors_count;
	struct ext4_error_record ext4_first, ext4_last; /* func NULL: none recorded */
	bool has_longhorn;                              /* read from the cluster (--kube) */
	int64_t longhorn_replicas;                      /* spec.numberOfReplicas */
	char *longhorn_robustness, *longhorn_state;
};

/* Fills d for major:minor. Never fails for lack of information: what is unknown stays NULL.
 * Returns 0, or -1 only when memory runs out. */
int device_resolve(uint32_t major, uint32_t minor, const struct device_roots *roots, struct device_info *d);
/*
 * With kubectl on PATH: reads the Longhorn volume d->longhorn_volume (volumes.longhorn.io in
 * namespace longhorn-system) with kubectl, no shell, and a timeout. 0 when read; -1 with one line
 * in note (no kubectl, no such volume, not reachable) otherwise. Never touches d on failure.
 */
int device_read_longhorn(struct device_info *d, char *note, size_t notelen);

void device_info_free(struct device_info *d);
int device_info_copy(struct device_info *dst, const struct device_info *src);
/* The "device" object of a device record; from_json: 0, or -1 with a message. */
void device_info_to_json(const struct device_info *d, struct jbuf *out);
int device_info_from_json(const struct jval *obj, struct device_info *d, char *err, size_t errlen);

/* The device (st_dev) holding path: itself if it exists, else its nearest existing ancestor.
 * 0, or -1 when not even "/" could be read. */
int path_device(const char *path, uint32_t *major, uint32_t *minor);

#endif
