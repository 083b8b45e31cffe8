package main

/*
#include <stdlib.h>
#include <stdint.h>
*/
import "C"

import (
	"fmt"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// maxInFlight bounds the goroutines blocked in librados at once: each blocking cgo call
// holds an OS thread, and more than this buys nothing on a small cluster.
const maxInFlight = 64

// completion is one finished aio operation, handed back by gb_aio_wait.
type completion struct {
	tag    uint64
	result int64 // bytes read (get), 0 (put) or a negative errno
	msg    *C.char
}

// aioQueue runs operations in goroutines and queues their completions. Python polls the
// queue from one thread (gb_aio_wait, GIL released while it blocks), so Go never calls
// back into Python.
type aioQueue struct {
	mu      sync.Mutex
	done    []completion
	notify  chan struct{}
	wg      sync.WaitGroup
	sem     chan struct{}
	closing bool
}

func newAioQueue(_ *conn) *aioQueue {
	return &aioQueue{notify: make(chan struct{}, 1), sem: make(chan struct{}, maxInFlight)}
}

// start runs op in a goroutine; the caller's buffers must stay valid until its completion
// has been collected.
func (q *aioQueue) start(tag uint64, op func() (int64, error)) error {
	q.mu.Lock()
	if q.closing {
		q.mu.Unlock()
		return newErr(syscall.EBADF, "gobridge handle is closing")
	}
	q.wg.Add(1)
	q.mu.Unlock()
	go func() {
		defer q.wg.Done()
		q.sem <- struct{}{}
		defer func() { <-q.sem }()
		var res int64
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					err = &bridgeError{code: errPanic, msg: fmt.Sprintf("panic in gobridge aio: %v", r)}
				}
			}()
			res, err = op()
		}()
		comp := completion{tag: tag, result: res}
		if err != nil {
			comp.result = int64(codeOf(err))
			comp.msg = C.CString(err.Error())
		}
		q.mu.Lock()
		q.done = append(q.done, comp)
		q.mu.Unlock()
		select {
		case q.notify <- struct{}{}:
		default:
		}
	}()
	return nil
}

// take waits up to timeout for at least one completion and returns at most max of them.
func (q *aioQueue) take(max int, timeout time.Duration) []completion {
	q.mu.Lock()
	if len(q.done) == 0 && timeout > 0 {
		q.mu.Unlock()
		timer := time.NewTimer(timeout)
		select {
		case <-q.notify:
		case <-timer.C:
		}
		timer.Stop()
		q.mu.Lock()
	}
	n := min(max, len(q.done))
	out := append([]completion(nil), q.done[:n]...)
	q.done = q.done[n:]
	if len(q.done) > 0 {
		select { // more are waiting: keep the next wait from sleeping
		case q.notify <- struct{}{}:
		default:
		}
	}
	q.mu.Unlock()
	return out
}

// shutdown refuses new operations and waits for those running.
func (q *aioQueue) shutdown() {
	q.mu.Lock()
	q.closing = true
	q.mu.Unlock()
	q.wg.Wait()
	q.mu.Lock()
	for _, comp := range q.done {
		if comp.msg != nil {
			C.free(unsafe.Pointer(comp.msg))
		}
	}
	q.done = nil
	q.mu.Unlock()
}

// gb_aio_put starts a put (same arguments as gb_put) and returns at once; its completion
// carries tag. buf must stay valid and unchanged until then.
//
//export gb_aio_put
func gb_aio_put(h C.uint64_t, key *C.char, buf unsafe.Pointer, n C.size_t, mode C.int,
	offset C.uint64_t, tag C.uint64_t, err **C.char) (rc C.int) {
	defer guard(&rc, err)
	k := C.GoString(key)
	data := goBytes(buf, n)
	return withConn(h, err, func(c *conn) error {
		return c.aio.start(uint64(tag), func() (int64, error) {
			return 0, put(c, k, data, int(mode), uint64(offset))
		})
	})
}

// gb_aio_get starts a read into the caller's buffer; the completion's result is the byte
// count. buf must stay valid until then.
//
//export gb_aio_get
func gb_aio_get(h C.uint64_t, key *C.char, offset C.uint64_t, buf unsafe.Pointer,
	capacity C.size_t, tag C.uint64_t, err **C.char) (rc C.int) {
	defer guard(&rc, err)
	k := C.GoString(key)
	dst := goBytes(buf, capacity)
	return withConn(h, err, func(c *conn) error {
		return c.aio.start(uint64(tag), func() (int64, error) {
			if len(dst) == 0 {
				_, e := c.io.Stat(k)
				return 0, e
			}
			got, e := c.io.Read(k, dst, uint64(offset))
			return int64(got), e
		})
	})
}

// gb_aio_wait waits up to timeout seconds for completions and stores at most max of them in
// tags/results/msgs (msgs[i] is NULL or a message to free with gb_free). It returns the
// number stored, 0 on timeout.
//
//export gb_aio_wait
func gb_aio_wait(h C.uint64_t, max C.int, timeout C.double, tags *C.uint64_t, results *C.int64_t,
	msgs **C.char, err **C.char) (rc C.int) {
	defer guard(&rc, err)
	if max <= 0 {
		return setErr(err, -int(syscall.EINVAL), "gb_aio_wait: max must be positive")
	}
	count := 0
	rc = withConn(h, err, func(c *conn) error {
		got := c.aio.take(int(max), time.Duration(float64(timeout)*float64(time.Second)))
		tagOut := unsafe.Slice(tags, int(max))
		resOut := unsafe.Slice(results, int(max))
		msgOut := unsafe.Slice(msgs, int(max))
		for i, comp := range got {
			tagOut[i] = C.uint64_t(comp.tag)
			resOut[i] = C.int64_t(comp.result)
			msgOut[i] = comp.msg
		}
		count = len(got)
		return nil
	})
	if rc < 0 {
		return rc
	}
	return C.int(count)
}
