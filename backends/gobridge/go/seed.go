package main

/*
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>

// The seed's return struct: RetType in its Python snippets, {c_bool x; c_char_p y}.
typedef struct {
	bool x;
	char *y;
} gb_seed_ret;
*/
import "C"

import (
	"fmt"
	"strconv"
	"unsafe"

	"github.com/ceph/go-ceph/rados"
)

// Seed-compatible exports: ToObj, FromObj, DelObj and ListObj with the exact C signatures
// the seed's Python snippets call (000_781af9e8b40e6a9a), returning its struct
// {bool x; char *y}. They keep the seed's limits on purpose: a new cluster connection per
// call, NUL-terminated data (the Python side declares c_char_p) and a result string the
// caller cannot free. New code uses the gb_* ABI (docs/backends/gobridge.md).

// seedMaxBlock is the seed's upper bound on FromObj's block_size.
const seedMaxBlock = 204800000

func seedRet(ok bool, msg string) C.gb_seed_ret {
	// Deliberately not freed: the seed's callers read y through c_char_p and never return it.
	return C.gb_seed_ret{x: C._Bool(ok), y: C.CString(msg)}
}

// seedGuard is guard for the seed exports, which have no errno: a panic becomes {false, msg}.
func seedGuard(ret *C.gb_seed_ret) {
	if r := recover(); r != nil {
		*ret = seedRet(false, fmt.Sprintf("panic in gobridge: %v", r))
	}
}

// seedConnect is the seed's newConn + OpenIOContext: one connection per call.
func seedConnect(cluster, user, conf, pool *C.char) (*rados.Conn, *rados.IOContext, string) {
	rconn, err := rados.NewConnWithClusterAndUser(optString(cluster), optString(user))
	if err != nil {
		return nil, nil, "error when invoke a new connection:" + err.Error()
	}
	if err = rconn.ReadConfigFile(optString(conf)); err == nil {
		// CEPH_ARGS (e.g. --keyring=...) applies too, as it does for the ceph CLI.
		err = rconn.ParseDefaultConfigEnv()
	}
	if err == nil {
		err = rconn.Connect()
	}
	if err != nil {
		rconn.Shutdown()
		return nil, nil, "error when invoke a new connection:" + err.Error()
	}
	ioctx, err := rconn.OpenIOContext(optString(pool))
	if err != nil {
		rconn.Shutdown()
		return nil, nil, "error when openIOContext:" + err.Error()
	}
	return rconn, ioctx, ""
}

// ToObj writes the NUL-terminated data at offset (mode "w": the seed's snippet passes no
// mode, and "w" is the only mode its offset applies to).
//
//export ToObj
func ToObj(cluster, user, conf, pool, oid, data *C.char, offset C.ulonglong) (ret C.gb_seed_ret) {
	defer seedGuard(&ret)
	rconn, ioctx, msg := seedConnect(cluster, user, conf, pool)
	if rconn == nil {
		return seedRet(false, msg)
	}
	defer rconn.Shutdown()
	defer ioctx.Destroy()
	key := optString(oid)
	var bytesIn []byte
	if data != nil {
		bytesIn = unsafe.Slice((*byte)(unsafe.Pointer(data)), int(C.strlen(data)))
	}
	c := &conn{rc: rconn, io: ioctx}
	if err := put(c, key, bytesIn, modeWrite, uint64(offset)); err != nil {
		return seedRet(false, "error when write to object:"+err.Error())
	}
	return seedRet(true, "successfully writed(mode : w) to object:"+key)
}

// FromObj reads up to block_size bytes from offset. The bytes come back in y, NUL-terminated,
// so the caller's c_char_p stops at the first NUL inside the data.
//
//export FromObj
func FromObj(cluster, user, conf, pool *C.char, blockSize C.int, oid *C.char, offset C.ulonglong) (ret C.gb_seed_ret) {
	defer seedGuard(&ret)
	if blockSize < 0 || blockSize > seedMaxBlock {
		return seedRet(false, "the block_size must be between 0 and "+strconv.Itoa(seedMaxBlock))
	}
	rconn, ioctx, msg := seedConnect(cluster, user, conf, pool)
	if rconn == nil {
		return seedRet(false, msg)
	}
	defer rconn.Shutdown()
	defer ioctx.Destroy()
	key := optString(oid)
	st, err := ioctx.Stat(key)
	if err != nil {
		return seedRet(false, "error when read the object to bytes:"+err.Error())
	}
	// Allocate what the object holds, not block_size: the seed's 200 MB buffers are the
	// reason its reads were slow.
	want := uint64(blockSize)
	if uint64(offset) >= st.Size {
		want = 0
	} else if rest := st.Size - uint64(offset); rest < want {
		want = rest
	}
	buf := C.malloc(C.size_t(want + 1))
	got := 0
	if want > 0 {
		got, err = ioctx.Read(key, unsafe.Slice((*byte)(buf), int(want)), uint64(offset))
		if err != nil {
			C.free(buf)
			return seedRet(false, "error when read the object to bytes:"+err.Error())
		}
	}
	*(*byte)(unsafe.Add(buf, got)) = 0
	return C.gb_seed_ret{x: true, y: (*C.char)(buf)}
}

//export DelObj
func DelObj(cluster, user, conf, pool, oid *C.char) (ret C.gb_seed_ret) {
	defer seedGuard(&ret)
	rconn, ioctx, msg := seedConnect(cluster, user, conf, pool)
	if rconn == nil {
		return seedRet(false, msg)
	}
	defer rconn.Shutdown()
	defer ioctx.Destroy()
	key := optString(oid)
	if err := ioctx.Delete(key); err != nil {
		return seedRet(false, "error when delete the object:"+err.Error())
	}
	return seedRet(true, "successfully delete the object:"+key)
}

// ListObj prints the pool's object names on stdout, one per line, as the seed did, and
// returns a message. gb_list returns the keys instead.
//
//export ListObj
func ListObj(cluster, user, conf, pool *C.char) (ret *C.char) {
	defer func() {
		if r := recover(); r != nil {
			ret = C.CString(fmt.Sprintf("panic in gobridge: %v", r))
		}
	}()
	rconn, ioctx, msg := seedConnect(cluster, user, conf, pool)
	if rconn == nil {
		return C.CString(msg)
	}
	defer rconn.Shutdown()
	defer ioctx.Destroy()
	if err := ioctx.ListObjects(func(oid string) { fmt.Println(oid) }); err != nil {
		return C.CString("error when list the objects:" + err.Error())
	}
	return C.CString("list the objects above in object:" + optString(pool))
}
