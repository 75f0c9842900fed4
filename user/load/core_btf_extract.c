// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Copies the kernel types a BPF object's CO-RE relocations can name into a new, small BTF.
 *
 * What libbpf compares when it matches a relocation (bpf_core_fields_are_compat): names and kinds
 * of the root type and of each member on the access path, the layout of embedded structs and
 * arrays, the encoding of ints, enum names and values. A pointer only has to be a pointer, so every
 * pointer becomes void *: the copy stops there, and stays small.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "load/core_btf.h"

struct extract {
	const struct btf *src;
	struct btf *dst;
	__u32 *copied; /* src id -> dst id, 0 when not copied yet */
	int void_ptr;  /* dst id of void *, 0 until first needed */
	int depth;
};

#define MAX_DEPTH 64 /* embedded structs nest a few levels deep; this only stops a broken BTF */

static int copy_type(struct extract *x, __u32 id);

static int copy_members(struct extract *x, const struct btf_type *t, const char *name)
{
	const struct btf_member *m = btf_members(t);
	int n = btf_vlen(t), id;
	int *types = calloc(n ? n : 1, sizeof(*types));

	if (!types)
		return -ENOMEM;
	/* Member types first: btf__add_field appends to the type added last. */
	for (int i = 0; i < n; i++)
		if ((types[i] = copy_type(x, m[i].type)) < 0) {
			id = types[i];
			goto out;
		}
	id = btf_is_struct(t) ? btf__add_struct(x->dst, name, t->size) : btf__add_union(x->dst, name, t->size);
	for (int i = 0; id > 0 && i < n; i++) {
		int err = btf__add_field(x->dst, btf__name_by_offset(x->src, m[i].name_off), types[i],
					 btf_member_bit_offset(t, i), btf_member_bitfield_size(t, i));
		if (err)
			id = err;
	}
out:
	free(types);
	return id;
}

static int copy_enum(struct extract *x, const struct btf_type *t, const char *name)
{
	int id, n = btf_vlen(t);

	if (btf_is_enum(t)) {
		const struct btf_enum *e = btf_enum(t);

		id = btf__add_enum(x->dst, name, t->size);
		for (int i = 0; id > 0 && i < n; i++)
			if (btf__add_enum_value(x->dst, btf__name_by_offset(x->src, e[i].name_off), e[i].val))
				return -EINVAL;
		return id;
	}
	const struct btf_enum64 *e = btf_enum64(t);

	id = btf__add_enum64(x->dst, name, t->size, btf_kflag(t));
	for (int i = 0; id > 0 && i < n; i++)
		if (btf__add_enum64_value(x->dst, btf__name_by_offset(x->src, e[i].name_off),
					  btf_enum64_value(&e[i])))
			return -EINVAL;
	return id;
}

static int copy_kind(struct extract *x, const struct btf_type *t)
{
	const char *name = btf__name_by_offset(x->src, t->name_off);
	int elem, index;

	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		return btf__add_int(x->dst, name, t->size, btf_int_encoding(t));
	case BTF_KIND_FLOAT:
		return btf__add_float(x->dst, name, t->size);
	case BTF_KIND_PTR:
	case BTF_KIND_FUNC_PROTO: /* only ever reached through a pointer */
		if (!x->void_ptr)
			x->void_ptr = btf__add_ptr(x->dst, 0);
		return x->void_ptr;
	case BTF_KIND_ARRAY:
		elem = copy_type(x, btf_array(t)->type);
		index = elem < 0 ? elem : copy_type(x, btf_array(t)->index_type);
		return index < 0 ? index : btf__add_array(x->dst, index, elem, btf_array(t)->nelems);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return copy_members(x, t, name);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return copy_enum(x, t, name);
	case BTF_KIND_FWD:
		return btf__add_fwd(x->dst, name, btf_kflag(t) ? BTF_FWD_UNION : BTF_FWD_STRUCT);
	case BTF_KIND_TYPEDEF:
		elem = copy_type(x, t->type);
		return elem < 0 ? elem : btf__add_typedef(x->dst, name, elem);
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG: /* libbpf skips modifiers when it compares */
		return copy_type(x, t->type);
	default:
		return -EINVAL;
	}
}

static int copy_type(struct extract *x, __u32 id)
{
	const struct btf_type *t;
	int out;

	if (id == 0)
		return 0;
	if (x->copied[id])
		return x->copied[id];
	if (++x->depth > MAX_DEPTH || !(t = btf__type_by_id(x->src, id))) {
		x->depth--;
		return -EINVAL;
	}
	out = copy_kind(x, t);
	x->depth--;
	if (out > 0)
		x->copied[id] = out;
	return out;
}

/* A kernel type the BPF object names: struct, union or enum (enum64 counts as enum). */
struct wanted {
	const char *name; /* the local name: "task_struct___old" is wanted as task_struct */
	size_t len;
	int kind;
	bool done;
};

static int kind_class(int kind)
{
	return kind == BTF_KIND_ENUM64 ? BTF_KIND_ENUM : kind;
}

static int wanted_cmp(const char *name, size_t len, int kind, const struct wanted *w)
{
	size_t n = len < w->len ? len : w->len;
	int c = strncmp(name, w->name, n);

	if (c)
		return c;
	if (len != w->len)
		return len < w->len ? -1 : 1;
	return kind - w->kind;
}

static int wanted_sort(const void *a, const void *b)
{
	const struct wanted *wa = a;

	return wanted_cmp(wa->name, wa->len, wa->kind, b);
}

static struct wanted *wanted_find(struct wanted *list, int count, const char *name, int kind)
{
	size_t len = strlen(name);
	int lo = 0, hi = count - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2, c = wanted_cmp(name, len, kind, &list[mid]);

		if (!c)
			return &list[mid];
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return NULL;
}

static bool is_named_composite(const struct btf_type *t)
{
	int kind = btf_kind(t);

	return t->name_off && (kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION || kind == BTF_KIND_ENUM ||
			       kind == BTF_KIND_ENUM64);
}

static struct wanted *wanted_list(const struct btf *local, int *count)
{
	__u32 n = btf__type_cnt(local);
	struct wanted *list = calloc(n, sizeof(*list));

	*count = 0;
	for (__u32 id = 1; list && id < n; id++) {
		const struct btf_type *t = btf__type_by_id(local, id);
		const char *name, *flavour;

		if (!is_named_composite(t))
			continue;
		name = btf__name_by_offset(local, t->name_off);
		flavour = strstr(name, "___");
		list[(*count)++] = (struct wanted){ name, flavour ? (size_t)(flavour - name) : strlen(name),
						    kind_class(btf_kind(t)), false };
	}
	if (list)
		qsort(list, *count, sizeof(*list), wanted_sort);
	return list;
}

struct btf *core_btf_extract(const struct btf *kernel, const struct btf *local)
{
	__u32 n = btf__type_cnt(kernel);
	struct extract x = { .src = kernel, .dst = btf__new_empty(), .copied = calloc(n, sizeof(__u32)) };
	int count;
	struct wanted *list = wanted_list(local, &count);
	bool ok = x.dst && x.copied && list;

	for (__u32 id = 1; ok && id < n; id++) {
		const struct btf_type *t = btf__type_by_id(kernel, id);
		struct wanted *w;

		if (!is_named_composite(t))
			continue;
		w = wanted_find(list, count, btf__name_by_offset(kernel, t->name_off), kind_class(btf_kind(t)));
		/* One of each: the first definition, which is the one libbpf takes when they agree. */
		if (!w || w->done)
			continue;
		/* Flavours of one name are all satisfied by this copy. */
		for (struct wanted *same = w; same >= list && !wanted_cmp(same->name, same->len, same->kind, w);
		     same--)
			same->done = true;
		for (struct wanted *same = w;
		     same < list + count && !wanted_cmp(same->name, same->len, same->kind, w); same++)
			same->done = true;
		ok = copy_type(&x, id) > 0;
	}
	free(x.copied);
	free(list);
	if (!ok) {
		btf__free(x.dst);
		errno = ENOMEM;
		return NULL;
	}
	return x.dst;
}
