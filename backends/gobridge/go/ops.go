package main

/*
#include <stdlib.h>
#include <stdint.h>
#include <errno.h>
#include <rados/librados.h>

// Compound librados write operations, defined in gb_helpers.c (a preamble in a file with
// //export directives may only declare).
int gb_c_create(rados_ioctx_t io, const char *oid, const char *buf, size_t len);
int gb_c_read_stat(rados_ioctx_t io, const char *oid, uint64_t offset, char *buf, size_t len,
                   size_t *nread, uint64_t *size);
int gb_c_write_empty(rados_ioctx_t io, const char *oid, int truncate);
int gb_c_setxattr(rados_ioctx_t io, const char *oid, const char *name, const char *value,
                  size_t len);
*/
import "C"

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"github.com/ceph/go-ceph/rados"
)

// Put modes, the same numbers as backends/gobridge/_native.py's MODES.
const (
	modeWrite     = 0 // "w": write at offset, zero-fill a gap, create if missing
	modeWriteFull = 1 // "wf": replace the whole object atomically
	modeAppend    = 2 // "wa": append, create if missing
	modeCreate    = 3 // "create": exclusive create, -EEXIST if the object exists
)

// cErr converts a librados return code into an error (nil for >= 0).
func cErr(ret C.int, what string) error {
	if ret >= 0 {
		return nil
	}
	return &bridgeError{code: int(ret), msg: fmt.Sprintf("%s: %s", what, syscall.Errno(-ret).Error())}
}

func ioPtr(c *conn) C.rados_ioctx_t { return C.rados_ioctx_t(c.io.Pointer()) }

func optString(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

// gb_open connects once and returns a handle for every later call.
// conf/keyring may be NULL or "" (librados defaults); cluster defaults to "ceph", user to
// "client.admin". Timeouts are in seconds (client_mount_timeout, rados_osd_op_timeout,
// rados_mon_op_timeout); <= 0 keeps the config file's value.
//
//export gb_open
func gb_open(conf, cluster, user, keyring, pool, namespace *C.char,
	mountTimeout, osdOpTimeout, monOpTimeout C.double, handle *C.uint64_t, err **C.char) (rc C.int) {
	defer guard(&rc, err)
	if handle == nil {
		return setErr(err, -int(syscall.EINVAL), "gb_open: handle out-parameter is NULL")
	}
	*handle = 0
	poolName := optString(pool)
	if poolName == "" {
		return setErr(err, -int(syscall.EINVAL), "gb_open: pool is required")
	}
	clusterName, userName := optString(cluster), optString(user)
	if clusterName == "" {
		clusterName = "ceph"
	}
	if userName == "" {
		userName = "client.admin"
	}
	rconn, e := rados.NewConnWithClusterAndUser(clusterName, userName)
	if e != nil {
		return setErr(err, codeOf(e), "gb_open: create connection for "+userName+": "+e.Error())
	}
	ok := false
	defer func() {
		if !ok {
			rconn.Shutdown()
		}
	}()
	if path := optString(conf); path != "" {
		e = rconn.ReadConfigFile(path)
	} else {
		e = rconn.ReadDefaultConfigFile()
	}
	if e != nil {
		return setErr(err, codeOf(e), fmt.Sprintf("gb_open: read config %q: %v", optString(conf), e))
	}
	settings := map[string]string{}
	if k := optString(keyring); k != "" {
		settings["keyring"] = k
	}
	// Without op timeouts a request to a dead OSD waits forever (notes/ceph.md).
	for name, value := range map[string]C.double{
		"client_mount_timeout": mountTimeout,
		"rados_osd_op_timeout": osdOpTimeout,
		"rados_mon_op_timeout": monOpTimeout,
	} {
		if value > 0 {
			settings[name] = strconv.FormatFloat(float64(value), 'f', -1, 64)
		}
	}
	for name, value := range settings {
		if e = rconn.SetConfigOption(name, value); e != nil {
			return setErr(err, codeOf(e), fmt.Sprintf("gb_open: set %s=%s: %v", name, value, e))
		}
	}
	if e = rconn.Connect(); e != nil {
		return setErr(err, codeOf(e), fmt.Sprintf("gb_open: connect as %s: %v", userName, e))
	}
	ioctx, e := rconn.OpenIOContext(poolName)
	if e != nil {
		return setErr(err, codeOf(e), fmt.Sprintf("gb_open: open pool %q: %v", poolName, e))
	}
	ioctx.SetNamespace(optString(namespace))
	c := &conn{rc: rconn, io: ioctx}
	c.aio = newAioQueue(c)
	id := nextHandle.Add(1)
	handles.Store(id, c)
	*handle = C.uint64_t(id)
	ok = true
	return 0
}

// gb_close waits for calls in flight, then releases the connection. A second close (or
// any later call on the handle) gets -EBADF.
//
//export gb_close
func gb_close(h C.uint64_t, err **C.char) (rc C.int) {
	defer guard(&rc, err)
	v, ok := handles.LoadAndDelete(uint64(h))
	if !ok {
		return setErr(err, -int(syscall.EBADF), fmt.Sprintf("invalid gobridge handle %d", uint64(h)))
	}
	c := v.(*conn)
	c.aio.shutdown() // waits for aio goroutines, which hold mu for reading
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	c.io.Destroy()
	c.rc.Shutdown()
	return 0
}

// put runs one write in the given mode; data is caller memory, never copied.
func put(c *conn, key string, data []byte, mode int, offset uint64) error {
	switch mode {
	case modeWrite:
		if len(data) == 0 {
			// The spec: an empty "w" creates a missing object and never moves the end of
			// an existing one, whatever the offset (a 0-byte rados_write would extend it).
			return writeEmpty(c, key, false)
		}
		return c.io.Write(key, data, offset)
	case modeWriteFull:
		if len(data) == 0 {
			return writeEmpty(c, key, true)
		}
		return c.io.WriteFull(key, data)
	case modeAppend:
		if len(data) == 0 {
			return writeEmpty(c, key, false)
		}
		return c.io.Append(key, data)
	case modeCreate:
		ckey := C.CString(key)
		defer C.free(unsafe.Pointer(ckey))
		var p *C.char
		if len(data) > 0 {
			p = (*C.char)(unsafe.Pointer(&data[0]))
		}
		return cErr(C.gb_c_create(ioPtr(c), ckey, p, C.size_t(len(data))), "create "+key)
	}
	return newErr(syscall.EINVAL, "unknown put mode %d (0=w 1=wf 2=wa 3=create)", mode)
}

func writeEmpty(c *conn, key string, truncate bool) error {
	ckey := C.CString(key)
	defer C.free(unsafe.Pointer(ckey))
	t := C.int(0)
	if truncate {
		t = 1
	}
	return cErr(C.gb_c_write_empty(ioPtr(c), ckey, t), "write "+key)
}

// gb_put writes len bytes from buf to key. mode: 0=w (at offset), 1=wf, 2=wa, 3=create.
//
//export gb_put
func gb_put(h C.uint64_t, key *C.char, buf unsafe.Pointer, n C.size_t, mode C.int,
	offset C.uint64_t, err **C.char) (rc C.int) {
	defer guard(&rc, err)
	k := C.GoString(key)
	data := goBytes(buf, n)
	return withConn(h, err, func(c *conn) error { return put(c, k, data, int(mode), uint64(offset)) })
}

// gb_get reads up to cap bytes from offset into the caller's buffer and stores the count
// in *nread (0 past the end). A missing object is -ENOENT.
//
//export gb_get
func gb_get(h C.uint64_t, key *C.char, offset C.uint64_t, buf unsafe.Pointer, capacity C.size_t,
	nread *C.size_t, err **C.char) (rc C.int) {
	defer guard(&rc, err)
	*nread = 0
	k := C.GoString(key)
	dst := goBytes(buf, capacity)
	return withConn(h, err, func(c *conn) error {
		if len(dst) == 0 {
			// librados reads of length 0 still need the object to exist.
			_, e := c.io.Stat(k)
			return e
		}
		got, e := c.io.Read(k, dst, uint64(offset))
		if e == nil {
			*nread = C.size_t(got)
		}
		return e
	})
}

// gb_get_stat reads up to capacity bytes at offset into buf and stores the object's size,
// in one round trip (a compound librados read op). capacity must be positive.
//
//export gb_get_stat
func gb_get_stat(h C.uint64_t, key *C.char, offset C.uint64_t, buf unsafe.Pointer, capacity C.size_t,
	nread *C.size_t, size *C.uint64_t, err **C.char) (rc C.int) {
	defer guard(&rc, err)
	*nread, *size = 0, 0
	if buf == nil || capacity == 0 {
		return setErr(err, -int(syscall.EINVAL), "gb_get_stat: buffer is NULL or empty")
	}
	return withConn(h, err, func(c *conn) error {
		ret := C.gb_c_read_stat(ioPtr(c), key, offset, (*C.char)(buf), capacity, nread, size)
		return cErr(ret, "get "+C.GoString(key))
	})
}

// gb_stat stores the object's size and mtime (whole seconds since the epoch: librados
// 16.2's rados_stat has no finer clock).
//
//export gb_stat
func gb_stat(h C.uint64_t, key *C.char, size *C.uint64_t, mtime *C.int64_t, err **C.char) (rc C.int) {
	defer guard(&rc, err)
	k := C.GoString(key)
	return withConn(h, err, func(c *conn) error {
		st, e := c.io.Stat(k)
		if e == nil {
			*size = C.uint64_t(st.Size)
			*mtime = C.int64_t(st.ModTime.Unix())
		}
		return e
	})
}

// gb_fsid copies the cluster's fsid (36 characters and a NUL) into buf, so benchmark
// reports can fingerprint the cluster they ran on.
//
//export gb_fsid
func gb_fsid(h C.uint64_t, buf *C.char, size C.size_t, err **C.char) (rc C.int) {
	defer guard(&rc, err)
	return withConn(h, err, func(c *conn) error {
		fsid, e := c.rc.GetFSID()
		if e != nil {
			return e
		}
		dst := goBytes(unsafe.Pointer(buf), size)
		if len(dst) < len(fsid)+1 {
			return syscall.ERANGE
		}
		dst[copy(dst, fsid)] = 0
		return nil
	})
}

//export gb_delete
func gb_delete(h C.uint64_t, key *C.char, err **C.char) (rc C.int) {
	defer guard(&rc, err)
	k := C.GoString(key)
	return withConn(h, err, func(c *conn) error { return c.io.Delete(k) })
}

// gb_list returns the keys in the handle's namespace that start with prefix, each followed
// by a NUL byte, in malloc'd memory (*out, *outLen) the caller frees with gb_free. The
// return value is the number of keys. RADOS has no server-side prefix filter, so the whole
// namespace is walked; the filter saves the copies and the crossing into Python.
//
//export gb_list
func gb_list(h C.uint64_t, prefix *C.char, out **C.char, outLen *C.size_t, err **C.char) (rc C.int) {
	defer guard(&rc, err)
	*out, *outLen = nil, 0
	p := optString(prefix)
	count := 0
	rc = withConn(h, err, func(c *conn) error {
		iter, e := c.io.Iter()
		if e != nil {
			return e
		}
		defer iter.Close()
		var b strings.Builder
		for iter.Next() {
			if name := iter.Value(); strings.HasPrefix(name, p) {
				b.WriteString(name)
				b.WriteByte(0)
				count++
			}
		}
		if e = iter.Err(); e != nil {
			return e
		}
		cOwned([]byte(b.String()), out, outLen)
		return nil
	})
	if rc < 0 {
		return rc
	}
	return C.int(count)
}

// gb_xattr_get stores the value of attribute name in malloc'd memory (*out, *outLen; free
// with gb_free). Missing object: -ENOENT; missing attribute: -ENODATA.
//
//export gb_xattr_get
func gb_xattr_get(h C.uint64_t, key, name *C.char, out **C.char, outLen *C.size_t,
	err **C.char) (rc C.int) {
	defer guard(&rc, err)
	*out, *outLen = nil, 0
	return withConn(h, err, func(c *conn) error {
		// rados_getxattr answers -ERANGE when the buffer is too small: grow and retry.
		for size := C.size_t(4096); ; size *= 4 {
			buf := C.malloc(size)
			ret := C.rados_getxattr(ioPtr(c), key, name, (*C.char)(buf), size)
			if ret >= 0 {
				*out, *outLen = (*C.char)(buf), C.size_t(ret)
				return nil
			}
			C.free(buf)
			if ret != -C.ERANGE || size > 1<<30 {
				return cErr(ret, "getxattr "+C.GoString(name))
			}
		}
	})
}

//export gb_xattr_set
func gb_xattr_set(h C.uint64_t, key, name *C.char, value unsafe.Pointer, n C.size_t,
	err **C.char) (rc C.int) {
	defer guard(&rc, err)
	_ = goBytes(value, n) // NULL with n > 0 panics here, not inside librados
	return withConn(h, err, func(c *conn) error {
		ret := C.gb_c_setxattr(ioPtr(c), key, name, (*C.char)(value), n)
		return cErr(ret, "setxattr "+C.GoString(name))
	})
}

// gb_xattr_list returns the attribute names, each followed by a NUL byte, in malloc'd
// memory; the return value is the number of names.
//
//export gb_xattr_list
func gb_xattr_list(h C.uint64_t, key *C.char, out **C.char, outLen *C.size_t, err **C.char) (rc C.int) {
	defer guard(&rc, err)
	*out, *outLen = nil, 0
	k := C.GoString(key)
	count := 0
	rc = withConn(h, err, func(c *conn) error {
		attrs, e := c.io.ListXattrs(k)
		if e != nil {
			return e
		}
		var b strings.Builder
		for name := range attrs {
			b.WriteString(name)
			b.WriteByte(0)
			count++
		}
		cOwned([]byte(b.String()), out, outLen)
		return nil
	})
	if rc < 0 {
		return rc
	}
	return C.int(count)
}

// gb_xattr_remove removes attribute name; -ENODATA when it is not set (librados itself
// would report success, so the bridge checks first).
//
//export gb_xattr_remove
func gb_xattr_remove(h C.uint64_t, key, name *C.char, err **C.char) (rc C.int) {
	defer guard(&rc, err)
	return withConn(h, err, func(c *conn) error {
		var probe [1]byte
		ret := C.rados_getxattr(ioPtr(c), key, name, (*C.char)(unsafe.Pointer(&probe[0])), 0)
		if ret < 0 && ret != -C.ERANGE {
			return cErr(ret, "rmxattr "+C.GoString(name))
		}
		return cErr(C.rados_rmxattr(ioPtr(c), key, name), "rmxattr "+C.GoString(name))
	})
}
