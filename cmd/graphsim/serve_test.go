package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
		check   func(t *testing.T, c *config)
	}{
		{name: "defaults", args: []string{"--tenant", "t.json"}, check: func(t *testing.T, c *config) {
			if c.listen != "127.0.0.1:8080" || c.opt.ThrottleWrites != 0 || c.opt.Jitter != 0 || c.opt.Seed != 1 {
				t.Errorf("%+v", c)
			}
		}},
		{name: "everything", args: []string{"--tenant", "t.json", "--listen", "localhost:0", "--latency", "50ms", "--jitter", "5ms",
			"--throttle-writes", "200/s", "--throttle-burst", "10", "--fault-rate", "0.05", "--consistency-lag", "2s",
			"--require-token", "tok", "--seed", "42"}, check: func(t *testing.T, c *config) {
			o := c.opt
			if o.Latency != 50*time.Millisecond || o.Jitter != 5*time.Millisecond || o.ThrottleWrites != 200 || o.ThrottleBurst != 10 ||
				o.FaultRate != 0.05 || o.ConsistencyLag != 2*time.Second || o.RequireToken != "tok" || o.Seed != 42 {
				t.Errorf("%+v", o)
			}
		}},
		{name: "rate without /s", args: []string{"--tenant", "t.json", "--throttle-writes", "20"}, check: func(t *testing.T, c *config) {
			if c.opt.ThrottleWrites != 20 {
				t.Errorf("%v", c.opt.ThrottleWrites)
			}
		}},
		{name: "explicit zero jitter", args: []string{"--tenant", "t.json", "--latency", "1s", "--jitter", "0"}, check: func(t *testing.T, c *config) {
			if c.opt.Jitter >= 0 {
				t.Errorf("jitter %v, want negative (none)", c.opt.Jitter)
			}
		}},
		{name: "ipv6 loopback", args: []string{"--tenant", "t.json", "--listen", "[::1]:0"}},
		{name: "remote allowed", args: []string{"--tenant", "t.json", "--listen", "0.0.0.0:0", "--allow-remote"}},
		{name: "no tenant", args: nil, wantErr: "--tenant"},
		{name: "remote refused", args: []string{"--tenant", "t.json", "--listen", "0.0.0.0:8080"}, wantErr: "--allow-remote"},
		{name: "all interfaces refused", args: []string{"--tenant", "t.json", "--listen", ":8080"}, wantErr: "loopback"},
		{name: "bad rate", args: []string{"--tenant", "t.json", "--throttle-writes", "fast"}, wantErr: "--throttle-writes"},
		{name: "bad fault rate", args: []string{"--tenant", "t.json", "--fault-rate", "2"}, wantErr: "--fault-rate"},
		{name: "unknown flag", args: []string{"--tenant", "t.json", "--verbose"}, wantErr: "verbose"},
		{name: "stray argument", args: []string{"--tenant", "t.json", "extra"}, wantErr: "extra"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseFlags(tt.args, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !errors.Is(err, errUsage) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want a usage error about %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func TestRunExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"users": [{"id": "x"}]}`), 0o644)
	tests := []struct {
		name string
		args []string
		code int
		msg  string
		not  []string // never said
	}{
		{"usage", []string{}, exitUsage, "--tenant", nil},
		{"help", []string{"--help"}, exitOK, "  --throttle-writes string", []string{"help requested", "\n  -listen"}},
		{"unknown flag", []string{"--bogus"}, exitUsage, "unknown flag: --bogus\nRun 'graphsim --help' for usage.", []string{" -bogus"}},
		{"missing file", []string{"--tenant", filepath.Join(dir, "none.json")}, exitError, "none.json", nil},
		{"bad seed", []string{"--tenant", bad}, exitError, "users[0]", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			if code := run(context.Background(), tt.args, io.Discard, &stderr); code != tt.code || !strings.Contains(stderr.String(), tt.msg) {
				t.Errorf("exit %d, stderr %q; want %d mentioning %q", code, stderr.String(), tt.code, tt.msg)
			}
			for _, n := range tt.not {
				if strings.Contains(stderr.String(), n) {
					t.Errorf("stderr says %q:\n%s", n, stderr.String())
				}
			}
		})
	}
}

func TestRunServes(t *testing.T) {
	seed := filepath.Join(t.TempDir(), "tenant.json")
	os.WriteFile(seed, []byte(`{"tenantId": "11111111-1111-4111-8111-111111111111", "displayName": "Contoso"}`), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--tenant", seed, "--listen", "127.0.0.1:0", "--require-token", "tok"}, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "graphsim listening on ")
	if !ok || !strings.HasPrefix(base, "http://127.0.0.1:") || strings.HasSuffix(base, ":0") {
		t.Fatalf("printed %q", line)
	}
	go io.Copy(io.Discard, pr)
	req, _ := http.NewRequest("GET", base+"/v1.0/organization", nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Contoso") {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("exit %d after shutdown", code)
	}
}
