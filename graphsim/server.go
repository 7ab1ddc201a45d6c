package graphsim

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options shape how graphsim misbehaves. The zero value is a fast, exact,
// well-behaved Graph.
type Options struct {
	// Latency is added before every Graph answer, ±Jitter. Jitter 0 means
	// 20% of Latency; a negative Jitter means none.
	Latency, Jitter time.Duration
	// ThrottleWrites is the write limit in writes per second (0 = off);
	// ThrottleBurst the bucket size (0 = ThrottleWrites rounded up, at
	// least 1).
	ThrottleWrites float64
	ThrottleBurst  int
	// FaultRate is the probability (0..1) that a request fails with 503,
	// 504 or a dropped connection; half of the failed writes take effect
	// first.
	FaultRate float64
	// ConsistencyLag hides a new object from reads for this long.
	ConsistencyLag time.Duration
	// RequireToken, when set, is the only bearer token accepted.
	RequireToken string
	// Seed seeds the PRNG behind faults, jitter, ids and batch order.
	Seed int64
	// Now is the clock (consistency lag, throttling, timestamps); nil
	// means time.Now.
	Now func() time.Time
	// CallerID is the signed-in user of /privilegedRoleAssignments/my;
	// empty means the seed's first user.
	CallerID string
}

// maxBody caps a request body (after decompression).
const maxBody = 32 << 20

// Server is the emulator: an http.Handler serving Graph routes and the
// /_sim/ control routes. It is safe for concurrent use.
type Server struct {
	opt    Options
	seed   *Seed
	now    func() time.Time
	routes []*route
	bucket *bucket

	mu sync.RWMutex
	st *state

	rngMu sync.Mutex
	rng   *rand.Rand

	statsMu sync.Mutex
	stats   Stats
}

// Stats counts what the emulator saw since it started or was reset.
type Stats struct {
	// Requests counts Graph requests: HTTP requests and $batch items.
	Requests int64 `json:"requests"`
	// Batches counts $batch envelopes.
	Batches int64 `json:"batches"`
	// Writes counts write requests (POST, PATCH, PUT, DELETE; getByIds and
	// the $batch envelope are not writes, its items are).
	Writes int64 `json:"writes"`
	// WritesCommitted counts writes that took effect (2xx from the
	// handler), including those whose answer a fault then replaced.
	WritesCommitted int64 `json:"writesCommitted"`
	// Throttled counts 429 answers.
	Throttled int64 `json:"throttled"`
	// Faults counts injected faults; FaultsAfterCommit those that struck a
	// write after it took effect.
	Faults            int64            `json:"faults"`
	FaultsAfterCommit int64            `json:"faultsAfterCommit"`
	FaultsByKind      map[string]int64 `json:"faultsByKind"`
	// DuplicatesRefused counts creates refused because the assignment or
	// eligibility already existed.
	DuplicatesRefused int64 `json:"duplicatesRefused"`
	// ByRoute counts requests by "METHOD /route/{template}".
	ByRoute map[string]int64 `json:"byRoute"`
	// ByStatus counts answers by status code; "dropped" for dropped
	// connections.
	ByStatus map[string]int64 `json:"byStatus"`
}

func newStats() Stats {
	return Stats{FaultsByKind: map[string]int64{}, ByRoute: map[string]int64{}, ByStatus: map[string]int64{}}
}

// New returns an emulator serving seed. It keeps its own copy of seed.
// A nil seed is an empty tenant. New panics if the seed is invalid (see
// Validate); LoadSeed returns only valid seeds.
func New(seed *Seed, opt Options) *Server {
	if seed == nil {
		seed = &Seed{}
	}
	seed = seed.clone()
	if err := seed.Validate(); err != nil {
		panic(fmt.Sprintf("graphsim.New: %v", err))
	}
	s := &Server{opt: opt, seed: seed, now: opt.Now, routes: table()}
	if s.now == nil {
		s.now = time.Now
	}
	s.bucket = newBucket(opt.ThrottleWrites, opt.ThrottleBurst)
	s.Reset()
	return s
}

// Reset puts the tenant back to the seed, zeroes the stats, refills the
// throttle bucket and reseeds the PRNG.
func (s *Server) Reset() {
	st := newState(s.seed, s.opt.CallerID)
	s.mu.Lock()
	s.st = st
	s.mu.Unlock()
	s.rngMu.Lock()
	s.rng = rand.New(rand.NewPCG(uint64(s.opt.Seed), 0x9e3779b97f4a7c15))
	s.rngMu.Unlock()
	s.statsMu.Lock()
	s.stats = newStats()
	s.statsMu.Unlock()
	if s.bucket != nil {
		s.bucket.reset()
	}
}

// State returns a deep copy of the current tenant in the seed format.
func (s *Server) State() *Seed {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.toSeed()
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	c := s.stats
	c.FaultsByKind = copyMap(s.stats.FaultsByKind)
	c.ByRoute = copyMap(s.stats.ByRoute)
	c.ByStatus = copyMap(s.stats.ByStatus)
	return c
}

func copyMap(m map[string]int64) map[string]int64 {
	c := make(map[string]int64, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func (s *Server) count(f func(*Stats)) {
	s.statsMu.Lock()
	f(&s.stats)
	s.statsMu.Unlock()
}

// newGUID is a random (version 4) GUID from the seeded PRNG.
func (s *Server) newGUID() string {
	var b [16]byte
	s.rngMu.Lock()
	for i := 0; i < 16; i += 8 {
		v := s.rng.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	s.rngMu.Unlock()
	return guidFromBytes(b[:])
}

// latency is how long to wait before answering.
func (s *Server) latency() time.Duration {
	d := s.opt.Latency
	if d <= 0 {
		return 0
	}
	j := s.opt.Jitter
	if j == 0 {
		j = d / 5
	}
	if j > 0 {
		s.rngMu.Lock()
		d += time.Duration((s.rng.Float64()*2 - 1) * float64(j))
		s.rngMu.Unlock()
	}
	return max(d, 0)
}

// ServeHTTP serves Graph routes under /v1.0 and /beta, and the control
// routes under /_sim/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/_sim" || strings.HasPrefix(r.URL.Path, "/_sim/") {
		s.serveSim(w, r)
		return
	}
	c := s.newCall(r.Method, r.URL.Path, r.URL.Query(), r.Header, schemeHost(r))
	body, err := readBody(r)
	var resp *response
	if err != nil {
		resp = c.fail(http.StatusBadRequest, "BadRequest", err.Error())
		s.count(func(st *Stats) { st.Requests++ })
		s.finish(r.Method+" (unreadable body)", resp)
	} else {
		c.body = body
	}
	if d := s.latency(); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if resp == nil {
		c.now = s.now() // the request is handled now, after the latency
		resp = s.handle(c)
	}
	if resp.drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	h := w.Header()
	for k, v := range resp.header {
		h[k] = v
	}
	h.Set("request-id", c.requestID)
	h.Set("client-request-id", c.clientRequestID)
	h.Set("x-ms-resource-unit", c.resourceUnits())
	if resp.body != nil {
		h.Set("Content-Type", graphContentType)
		h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	}
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(resp.status)
	if resp.body != nil {
		w.Write(resp.body)
	}
}

func schemeHost(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) newCall(method, path string, query map[string][]string, header http.Header, base string) *call {
	c := &call{s: s, method: method, path: path, query: query, header: header, base: base, now: s.now()}
	c.requestID = s.newGUID()
	c.clientRequestID = header.Get("client-request-id")
	if c.clientRequestID == "" {
		c.clientRequestID = c.requestID
	}
	return c
}

// resourceUnits is Graph's cost of a request (docs/graph.md, "Throttling"): 1, getByIds 3,
// $select -1, $expand +1.
func (c *call) resourceUnits() string {
	n := 1
	if strings.HasSuffix(strings.ToLower(c.path), "/getbyids") {
		n = 3
	}
	if _, ok := c.q("select"); ok {
		n--
	}
	if _, ok := c.q("expand"); ok {
		n++
	}
	return strconv.Itoa(max(n, 1))
}

var errBodyTooLarge = errors.New("request body too large")

// readBody reads the whole body, gunzipping it when Content-Encoding says
// gzip (chunked transfer is undone by net/http).
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	var rd io.Reader = r.Body
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, fmt.Errorf("the request body is not gzip data although Content-Encoding says gzip: %v", err)
		}
		defer zr.Close()
		rd = zr
	default:
		return nil, fmt.Errorf("unsupported Content-Encoding %q", enc)
	}
	b, err := io.ReadAll(io.LimitReader(rd, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("reading the request body: %v", err)
	}
	if len(b) > maxBody {
		return nil, errBodyTooLarge
	}
	return b, nil
}

// handle runs one Graph call through authentication, routing, the legacy
// registration check, throttling, faults and its handler, and counts it.
func (s *Server) handle(c *call) *response {
	s.count(func(st *Stats) { st.Requests++ })
	if !c.inBatch {
		if r := s.authenticate(c); r != nil {
			s.finish(c.method+" (unauthenticated)", r)
			return r
		}
	}
	rt, params, segment := match(s.routes, c.path)
	if rt == nil {
		r := c.fail(http.StatusNotFound, "BadRequest", fmt.Sprintf("Resource not found for the segment '%s'.", segment))
		s.finish(c.method+" (unknown route)", r)
		return r
	}
	tmpl := c.method + " " + rt.pattern
	h, ok := rt.methods[c.method]
	if !ok {
		r := c.fail(http.StatusMethodNotAllowed, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")
		r.header.Set("Allow", rt.allow())
		s.finish(tmpl, r)
		return r
	}
	c.params = params
	if rt.legacy {
		s.mu.RLock()
		registered, disabled := s.st.pimRegistered, s.st.legacyDisabled
		s.mu.RUnlock()
		if disabled {
			// msgraph-sdk-powershell issue 387: Microsoft switched the
			// tenant's legacy endpoints off while migrating it.
			// Unconfirmed: that the settings endpoints answer the same.
			r := c.fail(http.StatusForbidden, "TenantEnabledInAadRoleMigration",
				"The current endpoints of AAD roles have been disabled for the tenant for migration purpose")
			s.finish(tmpl, r)
			return r
		}
		if !registered {
			// Unconfirmed: the exact code of the legacy API for a tenant not
			// registered to PIM. The status (403) is documented.
			r := c.fail(http.StatusForbidden, "UnauthorizedAccessException",
				"The tenant is not registered to Privileged Identity Management (PIM); the legacy PIM API is not available for it.")
			s.finish(tmpl, r)
			return r
		}
	}
	write := rt.isWrite(c.method)
	usage := 0.0
	if write {
		s.count(func(st *Stats) { st.Writes++ })
		if s.bucket != nil {
			wait, u, ok := s.bucket.take(c.now)
			if !ok {
				r := c.throttled(wait)
				s.count(func(st *Stats) { st.Throttled++ })
				s.finish(tmpl, r)
				return r
			}
			usage = u
		}
	}
	f := s.pickFault(c, write || rt.commits)
	if f != nil && !f.after {
		r := c.faultResponse(f)
		s.countFault(f)
		s.finish(tmpl, r)
		return r
	}
	r := h(c)
	if write && r.status < 300 {
		s.count(func(st *Stats) { st.WritesCommitted++ })
	}
	if r.dupRefused {
		s.count(func(st *Stats) { st.DuplicatesRefused++ })
	}
	if f != nil {
		r = c.faultResponse(f)
		s.countFault(f)
	}
	if write && r.status < 400 {
		c.throttleHeaders(r, usage)
	}
	s.finish(tmpl, r)
	return r
}

func (s *Server) countFault(f *fault) {
	s.count(func(st *Stats) {
		st.Faults++
		st.FaultsByKind[f.kind]++
		if f.after {
			st.FaultsAfterCommit++
		}
	})
}

// finish counts an answer by route and status.
func (s *Server) finish(route string, r *response) {
	status := strconv.Itoa(r.status)
	if r.drop {
		status = "dropped"
	}
	s.count(func(st *Stats) {
		st.ByRoute[route]++
		st.ByStatus[status]++
	})
}

// authenticate checks the bearer token.
func (s *Server) authenticate(c *call) *response {
	scheme, tok, _ := strings.Cut(strings.TrimSpace(c.header.Get("Authorization")), " ")
	tok = strings.TrimSpace(tok)
	var r *response
	switch {
	case !strings.EqualFold(scheme, "Bearer") || tok == "":
		r = c.fail(http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty.")
	case s.opt.RequireToken != "" && tok != s.opt.RequireToken:
		r = c.fail(http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure.")
	default:
		return nil
	}
	r.header.Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
	return r
}
