// SPDX-License-Identifier: GPL-2.0
/*
 * cowstat layouts: before a probe that reads a function's arguments is
 * attached, confirm from the running kernel's own BTF
 * (/sys/kernel/btf/vmlinux) that the function takes exactly the arguments
 * the handler reads.  Argument lists change between kernels, even within
 * one series (hugetlb_wp took seven arguments in 6.1, two in 6.12 and one
 * in 7.x), so a version number is never evidence: a probe whose layout is
 * not confirmed is left out, and the kernel log says why.
 *
 * The kernel exports no BTF lookup to modules, so this reads the raw BTF
 * (include/uapi/linux/btf.h) once at load and frees it again.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/btf.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include "cowstat.h"

#define COWSTAT_BTF_PATH	"/sys/kernel/btf/vmlinux"
#define COWSTAT_BTF_MAX		(256 << 20)	/* far above any vmlinux's BTF */

static struct {
	void		*data;
	const char	*strings;
	u32		str_len;
	u32		*offsets;	/* type id -> offset in the type section */
	const void	*types;
	u32		nr_types;	/* ids 1 .. nr_types - 1 */
} btf;

/* Bytes that follow a struct btf_type of this kind; -1 for an unknown kind. */
static int btf_extra_size(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		return sizeof(u32);
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return btf_vlen(t) * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return btf_vlen(t) * sizeof(struct btf_enum);
	case BTF_KIND_ENUM64:
		return btf_vlen(t) * sizeof(struct btf_enum64);
	case BTF_KIND_FUNC_PROTO:
		return btf_vlen(t) * sizeof(struct btf_param);
	case BTF_KIND_VAR:
		return sizeof(struct btf_var);
	case BTF_KIND_DATASEC:
		return btf_vlen(t) * sizeof(struct btf_var_secinfo);
	case BTF_KIND_DECL_TAG:
		return sizeof(struct btf_decl_tag);
	default:
		return -1;
	}
}

static const struct btf_type *btf_type(u32 id)
{
	if (!id || id >= btf.nr_types)
		return NULL;
	return btf.types + btf.offsets[id];
}

static const char *btf_name(u32 off)
{
	return off < btf.str_len ? btf.strings + off : "";
}

/*
 * Walk the type section, storing each type's offset in @offsets if it is
 * set; return the number of types plus one (ids start at 1), or -EPROTO.
 */
static long btf_walk(const void *end, u32 *offsets)
{
	u32 off = 0;
	long nr = 1;

	while (btf.types + off < end) {
		const struct btf_type *t = btf.types + off;
		int extra;

		if ((const void *)(t + 1) > end)
			return -EPROTO;
		extra = btf_extra_size(t);
		/* A FUNC_PROTO's parameters, or any type's tail, inside the section. */
		if (extra < 0 || (const void *)(t + 1) + extra > end)
			return -EPROTO;
		if (offsets)
			offsets[nr] = off;
		off += sizeof(*t) + extra;
		nr++;
	}
	return nr;
}

/* Index the types of the BTF in btf.data; -EPROTO if it is malformed. */
static int btf_index(size_t size)
{
	const struct btf_header *hdr = btf.data;
	const void *end;
	long nr;

	if (size < sizeof(*hdr) || hdr->magic != BTF_MAGIC || hdr->hdr_len > size ||
	    (u64)hdr->hdr_len + hdr->type_off + hdr->type_len > size ||
	    (u64)hdr->hdr_len + hdr->str_off + hdr->str_len > size)
		return -EPROTO;
	btf.types = btf.data + hdr->hdr_len + hdr->type_off;
	btf.strings = btf.data + hdr->hdr_len + hdr->str_off;
	btf.str_len = hdr->str_len;
	/* Every name ends inside the section: its last string is terminated. */
	if (!btf.str_len || btf.strings[btf.str_len - 1])
		return -EPROTO;
	end = btf.types + hdr->type_len;

	nr = btf_walk(end, NULL);
	if (nr < 0)
		return nr;
	btf.offsets = kvmalloc_array(nr, sizeof(u32), GFP_KERNEL);
	if (!btf.offsets)
		return -ENOMEM;
	btf_walk(end, btf.offsets);
	btf.nr_types = nr;
	return 0;
}

/*
 * Read the whole of @path into a vmalloc'ed buffer.  Not kernel_read_file():
 * its LSM hook (IPE) warns about a read whose purpose it does not know.
 */
static ssize_t read_whole_file(const char *path, void **data)
{
	struct file *file;
	loff_t size, pos = 0;
	ssize_t ret = 0;
	void *buf;

	file = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(file))
		return PTR_ERR(file);
	size = i_size_read(file_inode(file));
	buf = size > 0 && size <= COWSTAT_BTF_MAX ? vmalloc(size) : NULL;
	if (!buf)
		ret = size > 0 ? -ENOMEM : -EINVAL;
	while (buf && pos < size) {
		ret = kernel_read(file, buf + pos, size - pos, &pos);
		if (ret <= 0)
			break;
	}
	filp_close(file, NULL);
	if (buf && pos == size) {
		*data = buf;
		return size;
	}
	vfree(buf);
	return ret < 0 ? ret : -EIO;
}

int cowstat_layout_init(void)
{
	ssize_t ret;
	int err;

	/* The path is the loader's: in a chroot or container, its own /sys. */
	ret = read_whole_file(COWSTAT_BTF_PATH, &btf.data);
	if (ret < 0) {
		btf.data = NULL;
		pr_warn("cannot read %s (%zd): no probed function's arguments can be confirmed%s\n",
			COWSTAT_BTF_PATH, ret,
			ret == -ENOENT ? "; load the module where sysfs is mounted at /sys" : "");
		return ret;
	}
	err = btf_index(ret);
	if (err) {
		pr_warn("%s: cannot index its types (%d)\n", COWSTAT_BTF_PATH, err);
		cowstat_layout_exit();
	}
	return err;
}

void cowstat_layout_exit(void)
{
	kvfree(btf.offsets);
	vfree(btf.data);
	memset(&btf, 0, sizeof(btf));
}

/* @id as C would spell it, DWARF's way ("long unsigned int", "pte_t *"). */
static void type_string(u32 id, char *buf, size_t len, int depth)
{
	const struct btf_type *t = btf_type(id);

	if (!id) {
		strscpy(buf, "void", len);
		return;
	}
	if (!t || depth > 8) {
		strscpy(buf, "?", len);
		return;
	}
	switch (btf_kind(t)) {
	case BTF_KIND_PTR:
		type_string(t->type, buf, len, depth + 1);
		strlcat(buf, " *", len);
		return;
	case BTF_KIND_CONST:
		strscpy(buf, "const ", len);
		type_string(t->type, buf + strlen(buf), len - strlen(buf), depth + 1);
		return;
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		type_string(t->type, buf, len, depth + 1);
		return;
	case BTF_KIND_STRUCT:
		snprintf(buf, len, "struct %s", btf_name(t->name_off));
		return;
	case BTF_KIND_UNION:
		snprintf(buf, len, "union %s", btf_name(t->name_off));
		return;
	case BTF_KIND_FWD:
		snprintf(buf, len, "%s %s", btf_type_kflag(t) ? "union" : "struct",
			 btf_name(t->name_off));
		return;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		snprintf(buf, len, "enum %s", btf_name(t->name_off));
		return;
	default:
		strscpy(buf, btf_name(t->name_off), len);
	}
}

/* The parameters of FUNC_PROTO @proto, "(type, type, ...)", into @buf. */
static void proto_string(const struct btf_type *proto, char *buf, size_t len)
{
	const struct btf_param *p;
	char type[64];
	u16 i;

	strscpy(buf, "(", len);
	if (!proto || !btf_type_is_func_proto(proto)) {
		strlcat(buf, "?)", len);
		return;
	}
	p = btf_params(proto);
	for (i = 0; i < btf_vlen(proto); i++) {
		type_string(p[i].type, type, sizeof(type), 0);
		if (i)
			strlcat(buf, ", ", len);
		strlcat(buf, type, len);
	}
	strlcat(buf, ")", len);
}

/* Is @func a function of the kernel's BTF: out of line, not only inline? */
bool cowstat_layout_has(const char *func)
{
	u32 id;

	for (id = 1; id < btf.nr_types; id++) {
		const struct btf_type *t = btf_type(id);

		if (btf_type_is_func(t) && !strcmp(btf_name(t->name_off), func))
			return true;
	}
	return false;
}

/*
 * Does @func take exactly @want, e.g. "(struct vm_fault *)"?  0 if the BTF
 * says so; otherwise a negative errno, and @why says what was found.  A
 * name that several functions share must have the same prototype in all.
 */
int cowstat_layout_check(const char *func, const char *want, char *why, size_t len)
{
	char found[160];
	bool seen = false;
	u32 id;

	if (!btf.nr_types) {
		snprintf(why, len, "no BTF (%s) to confirm %s", COWSTAT_BTF_PATH, want);
		return -ENODATA;
	}
	for (id = 1; id < btf.nr_types; id++) {
		const struct btf_type *t = btf_type(id);

		if (!btf_type_is_func(t) || strcmp(btf_name(t->name_off), func))
			continue;
		proto_string(btf_type(t->type), found, sizeof(found));
		if (strcmp(found, want)) {
			snprintf(why, len, "the kernel's BTF gives %s%s, the handler reads %s",
				 func, found, want);
			return -EPROTO;
		}
		seen = true;
	}
	if (!seen) {
		snprintf(why, len, "not in the kernel's BTF, so %s cannot be confirmed", want);
		return -ENOENT;
	}
	return 0;
}

/*
 * Does tracepoint @name call its probes with exactly @want, e.g.
 * "(void *, struct task_struct *)"?  The BTF spells a tracepoint's probe
 * type as the typedef btf_trace_@name, a pointer to that prototype.  0 if
 * so; otherwise a negative errno, and @why says what was found.
 */
int cowstat_layout_check_tracepoint(const char *name, const char *want, char *why, size_t len)
{
	const struct btf_type *t, *proto;
	char found[160];
	u32 id;

	if (!btf.nr_types) {
		snprintf(why, len, "no BTF (%s) to confirm %s", COWSTAT_BTF_PATH, want);
		return -ENODATA;
	}
	for (id = 1; id < btf.nr_types; id++) {
		t = btf_type(id);
		if (btf_kind(t) != BTF_KIND_TYPEDEF ||
		    strncmp(btf_name(t->name_off), "btf_trace_", 10) ||
		    strcmp(btf_name(t->name_off) + 10, name))
			continue;
		t = btf_type(t->type);
		proto = t && btf_kind(t) == BTF_KIND_PTR ? btf_type(t->type) : NULL;
		proto_string(proto, found, sizeof(found));
		if (strcmp(found, want)) {
			snprintf(why, len,
				 "the kernel's BTF gives btf_trace_%s%s, the handler reads %s",
				 name, found, want);
			return -EPROTO;
		}
		return 0;
	}
	snprintf(why, len, "btf_trace_%s is not in the kernel's BTF, so %s cannot be confirmed",
		 name, want);
	return -ENOENT;
}
