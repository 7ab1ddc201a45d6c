// Command pimmigrate moves an Entra ID tenant's privileged role assignments
// from legacy PIM to unified role management, and audits the result.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], newSystemApp())
	stop()
	os.Exit(code)
}
