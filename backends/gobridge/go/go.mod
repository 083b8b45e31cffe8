// The Go half of the objstore gobridge backend: go-ceph's rados package compiled with
// `go build -buildmode=c-shared -tags pacific` into libobjstore_gobridge.so (see
// scripts/build-gobridge; the .so is never committed).
module objstore/gobridge

// go-ceph v0.34.0 needs Go >= 1.23.
go 1.23.0

// go-ceph is pinned to v0.34.0 on purpose: it is the last release whose README lists
// pacific (Ceph 16.2, what Debian 12 ships as librados-dev 16.2.15) as supported;
// v0.35.0 deprecates pacific and later releases drop it (v0.40.0 also needs Go >= 1.25).
// Build with -tags pacific so go-ceph selects the API level of librados 16.2.
require github.com/ceph/go-ceph v0.34.0

require golang.org/x/sys v0.33.0 // indirect
