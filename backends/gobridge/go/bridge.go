// Package main is the objstore Go bridge: go-ceph's rados package behind a small C ABI,
// built as a c-shared library (libobjstore_gobridge.so) and called from Python through
// ctypes (backends/gobridge/_native.py).
//
// ABI rules, kept by every exported function (see docs/backends/gobridge.md):
//   - it returns 0 (or a count) on success and a negative errno on failure;
//   - a message, when the caller passes a non-NULL `char **err`, is malloc'd into *err and
//     must be released with gb_free;
//   - any memory handed to the caller is malloc'd and released with gb_free; reads go into
//     caller-provided buffers instead, so the hot path allocates nothing;
//   - a deferred recover turns any panic into -ENOTRECOVERABLE: a Go panic that crossed
//     into Python would abort the whole interpreter.
package main

/*
#cgo LDFLAGS: -lrados
#include <stdlib.h>
#include <stdint.h>
#include <errno.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/ceph/go-ceph/rados"
)

// errPanic is what a recovered panic becomes. ENOTRECOVERABLE is never produced by
// librados, so the Python side can tell a bridge bug from a cluster error.
const errPanic = -int(syscall.ENOTRECOVERABLE)

// bridgeError is an error with an errno, raised inside the bridge itself.
type bridgeError struct {
	code int // negative errno
	msg  string
}

func (e *bridgeError) Error() string { return e.msg }

func newErr(errno syscall.Errno, format string, args ...any) error {
	return &bridgeError{code: -int(errno), msg: fmt.Sprintf(format, args...)}
}

// codeOf turns any error into a negative errno.
func codeOf(err error) int {
	if err == nil {
		return 0
	}
	var be *bridgeError
	if errors.As(err, &be) {
		return be.code
	}
	// go-ceph's errors carry the librados return code (already negative).
	var coded interface{ ErrorCode() int }
	if errors.As(err, &coded) {
		if c := coded.ErrorCode(); c < 0 {
			return c
		} else if c > 0 {
			return -c
		}
	}
	var op rados.OperationError
	if errors.As(err, &op) && op.OpError != nil {
		return codeOf(op.OpError)
	}
	if errors.Is(err, rados.ErrInvalidIOContext) {
		return -int(syscall.EBADF)
	}
	return -int(syscall.EIO)
}

// setErr stores msg in *out (when the caller asked for messages) and returns code.
func setErr(out **C.char, code int, msg string) C.int {
	if out != nil {
		*out = C.CString(msg)
	}
	return C.int(code)
}

// result converts an error into the ABI's return value and message.
func result(err error, out **C.char) C.int {
	if err == nil {
		return 0
	}
	return setErr(out, codeOf(err), err.Error())
}

// guard must be deferred first thing in every export: it converts a panic into an error
// code so nothing panics across into the C (Python) caller.
func guard(rc *C.int, out **C.char) {
	if r := recover(); r != nil {
		msg := fmt.Sprintf("panic in gobridge: %v\n%s", r, debug.Stack())
		*rc = setErr(out, errPanic, msg)
	}
}

// conn is one open connection: a rados.Conn plus an IOContext bound to pool/namespace.
// Operations hold mu for reading; gb_close takes it for writing, so it waits for calls in
// flight and later calls see closed.
type conn struct {
	mu     sync.RWMutex
	closed bool
	rc     *rados.Conn
	io     *rados.IOContext
	aio    *aioQueue
}

var (
	handles    sync.Map // uint64 -> *conn
	nextHandle atomic.Uint64
)

// withConn runs fn with the connection behind h, or fails with -EBADF for an unknown,
// zero or closed handle (never a crash).
func withConn(h C.uint64_t, out **C.char, fn func(c *conn) error) C.int {
	v, ok := handles.Load(uint64(h))
	if !ok {
		return setErr(out, -int(syscall.EBADF), fmt.Sprintf("invalid gobridge handle %d", uint64(h)))
	}
	c := v.(*conn)
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return setErr(out, -int(syscall.EBADF), fmt.Sprintf("gobridge handle %d is closed", uint64(h)))
	}
	return result(fn(c), out)
}

// goBytes views caller memory (C memory owned by Python) as a Go slice without copying.
// A NULL pointer with a non-zero length panics in unsafe.Slice; guard turns that into an
// error code, which the tests use as the "panic path".
func goBytes(p unsafe.Pointer, n C.size_t) []byte {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(p), int(n))
}

// cOwned copies b into malloc'd memory the caller releases with gb_free.
func cOwned(b []byte, out **C.char, outLen *C.size_t) {
	*outLen = C.size_t(len(b))
	if len(b) == 0 {
		*out = nil
		return
	}
	*out = (*C.char)(C.CBytes(b))
}

//export gb_free
func gb_free(p unsafe.Pointer) {
	// Releasing memory cannot fail; recover anyway because the rule is "every export".
	defer func() { _ = recover() }()
	C.free(p)
}

//export gb_version
func gb_version(buf *C.char, size C.size_t) (rc C.int) {
	defer guard(&rc, nil)
	major, minor, extra := rados.Version()
	text := fmt.Sprintf("gobridge 1 (go-ceph v0.34.0, librados API %d.%d.%d)", major, minor, extra)
	dst := goBytes(unsafe.Pointer(buf), size)
	if len(dst) == 0 {
		return C.int(len(text))
	}
	n := copy(dst[:len(dst)-1], text)
	dst[n] = 0
	return C.int(len(text))
}

// gb_selftest_panic panics on purpose, so tests can prove that guard keeps the process
// alive and reports -ENOTRECOVERABLE.
//
//export gb_selftest_panic
func gb_selftest_panic(err **C.char) (rc C.int) {
	defer guard(&rc, err)
	var m map[string]int
	m["boom"] = 1 // assignment to a nil map: a real runtime panic
	return 0
}

// gb_selftest_sleep blocks in Go for ms milliseconds without using the CPU. Tests call it
// from several Python threads at once to prove that ctypes releases the GIL per call.
//
//export gb_selftest_sleep
func gb_selftest_sleep(ms C.int) (rc C.int) {
	defer guard(&rc, nil)
	time.Sleep(time.Duration(ms) * time.Millisecond)
	return 0
}

func main() {}
