package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pimmigrate/pimmigrate/graphsim"
)

// Exit codes (docs/design.md, "Command line").
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// config is what the flags say.
type config struct {
	listen      string
	tenant      string
	allowRemote bool
	opt         graphsim.Options
}

// errUsage marks a usage error (exit 2).
var errUsage = errors.New("usage")

// parseFlags reads the command line. Errors wrap errUsage.
func parseFlags(args []string, stderr io.Writer) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("graphsim", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors come back to run, which says them once
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:8080", "`address` to listen on (port 0 picks a free port)")
	fs.StringVar(&cfg.tenant, "tenant", "", "tenant seed `FILE` (JSON; required)")
	fs.BoolVar(&cfg.allowRemote, "allow-remote", false, "allow listening on a non-loopback address")
	fs.DurationVar(&cfg.opt.Latency, "latency", 0, "added to every Graph answer, e.g. 50ms")
	jitter := fs.Duration("jitter", 0, "± random part of the latency (default 20% of --latency)")
	throttle := fs.String("throttle-writes", "0", "write limit in writes per second, e.g. 20 or 20/s (0 = off)")
	fs.IntVar(&cfg.opt.ThrottleBurst, "throttle-burst", 0, "write bucket size (default: the write limit, at least 1)")
	fs.Float64Var(&cfg.opt.FaultRate, "fault-rate", 0, "probability 0..1 that a request fails (503, 504, dropped connection)")
	fs.DurationVar(&cfg.opt.ConsistencyLag, "consistency-lag", 0, "how long a new object stays invisible to reads")
	fs.StringVar(&cfg.opt.RequireToken, "require-token", "", "the only bearer `token` accepted (default: any); a token \"app-only.\"+T is the same token from an app-only caller, refused where a policy requires MFA")
	fs.Int64Var(&cfg.opt.Seed, "seed", 1, "PRNG seed for faults, jitter, ids and batch order")
	fs.Usage = func() {} // run prints the usage for --help, and a hint otherwise
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stderr, fs)
			return nil, err
		}
		msg := strings.Replace(err.Error(), "flag provided but not defined: -", "unknown flag: --", 1)
		return nil, fmt.Errorf("%w: %s", errUsage, strings.Replace(msg, "for flag -", "for flag --", 1))
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if cfg.tenant == "" {
		return nil, fmt.Errorf("%w: --tenant FILE is required (a tenant seed, e.g. fixtures/demo-tenant.json)", errUsage)
	}
	rate, err := parseRate(*throttle)
	if err != nil {
		return nil, fmt.Errorf("%w: --throttle-writes: %v", errUsage, err)
	}
	cfg.opt.ThrottleWrites = rate
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "jitter" {
			cfg.opt.Jitter = *jitter
			if *jitter == 0 {
				cfg.opt.Jitter = -1 // an explicit 0 means none
			}
		}
	})
	switch {
	case cfg.opt.Latency < 0 || *jitter < 0 || cfg.opt.ConsistencyLag < 0:
		return nil, fmt.Errorf("%w: durations must not be negative", errUsage)
	case cfg.opt.FaultRate < 0 || cfg.opt.FaultRate > 1:
		return nil, fmt.Errorf("%w: --fault-rate %v is not between 0 and 1", errUsage, cfg.opt.FaultRate)
	case cfg.opt.ThrottleBurst < 0:
		return nil, fmt.Errorf("%w: --throttle-burst must not be negative", errUsage)
	}
	if err := checkListen(cfg.listen, cfg.allowRemote); err != nil {
		return nil, fmt.Errorf("%w: --listen: %v", errUsage, err)
	}
	return cfg, nil
}

// parseRate reads "200" or "200/s".
func parseRate(s string) (float64, error) {
	t := strings.TrimSuffix(strings.TrimSpace(s), "/s")
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a rate such as 20 or 20/s", s)
	}
	return v, nil
}

// checkListen refuses a non-loopback address unless allowed.
func checkListen(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port: %v", addr, err)
	}
	if allowRemote {
		return nil
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%q is not a loopback address; graphsim has no real security, pass --allow-remote to listen on it anyway", addr)
}

// usage is graphsim --help: flag.PrintDefaults with the double dashes the
// usage line and the docs spell flags with.
func usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintln(w, "usage: graphsim --tenant FILE [--listen 127.0.0.1:8080] [--latency D] [--jitter D]\n"+
		"                [--throttle-writes N/s] [--throttle-burst B] [--fault-rate P] [--consistency-lag D]\n"+
		"                [--require-token T] [--seed N] [--allow-remote]")
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if typ != "" {
			line += " " + typ
		}
		switch f.DefValue {
		case "", "0", "0s", "false":
		default:
			usage += " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(w, "%s\n    \t%s\n", line, usage)
	})
}

// run serves until ctx ends; it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintln(stderr, "graphsim:", err)
		fmt.Fprintln(stderr, "Run 'graphsim --help' for usage.")
		return exitUsage
	}
	seed, err := loadSeed(cfg.tenant)
	if err != nil {
		fmt.Fprintln(stderr, "graphsim:", err)
		return exitError
	}
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		fmt.Fprintln(stderr, "graphsim:", err)
		return exitError
	}
	srv := &http.Server{Handler: graphsim.New(seed, cfg.opt), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "graphsim listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintln(stderr, "graphsim:", err)
		return exitError
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		fmt.Fprintln(stderr, "graphsim: shutdown:", err)
		return exitError
	}
	return exitOK
}

func loadSeed(path string) (*graphsim.Seed, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--tenant: %w", err)
	}
	defer f.Close()
	return graphsim.LoadSeed(f, path)
}
