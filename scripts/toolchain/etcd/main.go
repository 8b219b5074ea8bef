// etcd's own main package cannot be installed with `go install` (its go.mod has replace
// directives), so the toolchain builds this one-line wrapper around the same entry point.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
