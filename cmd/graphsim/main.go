// Command graphsim serves a local Microsoft Graph emulator (package
// graphsim) for pimmigrate's tests, benchmarks and demo:
//
//	graphsim --tenant fixtures/demo-tenant.json [--listen 127.0.0.1:8080]
//	         [--latency 50ms] [--jitter 10ms] [--throttle-writes 20/s]
//	         [--throttle-burst N] [--fault-rate 0.01] [--consistency-lag 2s]
//	         [--require-token T] [--seed N] [--allow-remote]
//
// It prints "graphsim listening on http://HOST:PORT" once it accepts
// connections and stops cleanly on SIGINT or SIGTERM.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
