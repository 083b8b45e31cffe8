// C helpers for ops.go. They live in a .c file because a cgo preamble in a file with
// //export directives may only hold declarations (cgo copies it into two outputs).
#include <stddef.h>
#include <stdint.h>
#include <rados/librados.h>

// Compound write operations go-ceph cannot express over caller-owned buffers: its WriteOp
// steps take &b[0] (a panic for an empty buffer) and it has no append step. Each runs as
// ONE librados operation, so it is atomic on the OSD.

// mode create: exclusive create + full write (-EEXIST when the object exists).
int gb_c_create(rados_ioctx_t io, const char *oid, const char *buf, size_t len) {
	rados_write_op_t op = rados_create_write_op();
	rados_write_op_create(op, LIBRADOS_CREATE_EXCLUSIVE, NULL);
	if (len > 0) rados_write_op_write_full(op, buf, len);
	int ret = rados_write_op_operate(op, io, oid, NULL, 0);
	rados_release_write_op(op);
	return ret;
}

// Empty writes: create the object if missing; wf also truncates it to 0 bytes.
int gb_c_write_empty(rados_ioctx_t io, const char *oid, int truncate) {
	rados_write_op_t op = rados_create_write_op();
	rados_write_op_create(op, LIBRADOS_CREATE_IDEMPOTENT, NULL);
	if (truncate) rados_write_op_truncate(op, 0);
	int ret = rados_write_op_operate(op, io, oid, NULL, 0);
	rados_release_write_op(op);
	return ret;
}

// set_xattr on a missing object must fail (librados would create the object).
int gb_c_setxattr(rados_ioctx_t io, const char *oid, const char *name,
                  const char *value, size_t len) {
	rados_write_op_t op = rados_create_write_op();
	rados_write_op_assert_exists(op);
	rados_write_op_setxattr(op, name, value, len);
	int ret = rados_write_op_operate(op, io, oid, NULL, 0);
	rados_release_write_op(op);
	return ret;
}

// Whole-object reads: read up to len bytes at offset AND stat the object in ONE round trip,
// so a reader learns the size together with the first bytes (small objects need nothing
// more; large ones one more read, like stat + read but without the extra trip for small).
int gb_c_read_stat(rados_ioctx_t io, const char *oid, uint64_t offset, char *buf, size_t len,
                   size_t *nread, uint64_t *size) {
	int stat_rval = 0, read_rval = 0;
	time_t mtime = 0;
	rados_read_op_t op = rados_create_read_op();
	rados_read_op_stat(op, size, &mtime, &stat_rval);
	rados_read_op_read(op, offset, len, buf, nread, &read_rval);
	int ret = rados_read_op_operate(op, io, oid, 0);
	rados_release_read_op(op);
	if (ret < 0) return ret;
	if (stat_rval < 0) return stat_rval;
	return read_rval < 0 ? read_rval : 0;
}
