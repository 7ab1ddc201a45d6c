package migrate

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// fullItem has every optional field set, text beyond ASCII and times that
// are not UTC.
func fullItem() Item {
	cet := time.FixedZone("", 3600)
	end := time.Date(2027, 3, 31, 23, 59, 59, 123456789, cet)
	start := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	a := rec(gAlice, rGA, true, &end)
	a.Origin, a.ID, a.Source = OriginIteration2, "7d2c9a1e-0000-4000-8000-00000000aaaa", "día/roles.json#12"
	a.StartDateTime, a.EligibleUntil = &start, &end
	a.Warnings, a.FoldedFrom = []string{WarnDuplicateRecord}, []string{"b.csv:3", "c.json#4"}
	return Item{
		Key: Key(gAlice, rGA) + activationKeySuffix, Legacy: a, MergedFrom: []string{"x.json#9"}, Class: ClassActivated,
		Principal: PrincipalInfo{DisplayName: "Zoë <b> & co", UserPrincipalName: "zoe@contoso.example",
			Type: PrincipalUser, AccountEnabled: ptr(false)},
		Role:   RoleInfo{DisplayName: "Global Administrator", Privileged: true},
		Action: ActionCreate, Reason: string(ClassActivated), Warnings: []string{WarnGuestUser, WarnPrincipalDisabled},
		Target: Target{Kind: KindAssignmentScheduleRequest, PrincipalID: gAlice, RoleDefinitionID: rGA, DirectoryScopeID: "/",
			StartDateTime: &start, Expiration: &Expiration{Type: ExpirationAfter, EndDateTime: &end}, Justification: "why not"},
		PolicyRules: []PolicyEffect{{Rule: RuleActiveExpiration, Field: FieldMaximumDuration, Effect: WarnExpiryShortenedByPolicy, Detail: "a -> b"},
			{Rule: "MfaRule", Effect: ReasonPolicyValidationFailed}},
		Approved: ptr(false),
	}
}

// awkwardItem is fullItem with text that JSON must escape.
func awkwardItem() Item {
	it := fullItem()
	it.Legacy.ID = "id \"with\" \\ <tricks> & \t\x01 día"
	it.Legacy.Source = "C:\\snap\"shots\"\\día\t\x01\xff.json#12"
	it.Principal.DisplayName = "=HYPERLINK(\"http://x\",\"y\") <b>"
	it.Target.Justification = "why\nnot"
	return it
}

// TestItemJSONIsEncodingJSON holds the hand-written item encoder to
// encoding/json (without its HTML escaping), for every item of the sample
// plan, an item with everything set and items with nothing set.
func TestItemJSONIsEncodingJSON(t *testing.T) {
	items := append(samplePlan(t).Items, fullItem(), awkwardItem(), Item{}, Item{Warnings: []string{}, Legacy: Assignment{Warnings: []string{}}})
	for i := range items {
		got, err := appendItem(nil, &items[i])
		if err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(&items[i]); err != nil {
			t.Fatal(err)
		}
		if w := bytes.TrimSuffix(want.Bytes(), []byte("\n")); !bytes.Equal(got, w) {
			t.Errorf("item %d:\n got %s\nwant %s", i, got, w)
		}
	}
}

func TestItemJSONRefusesYearsJSONCannotWrite(t *testing.T) {
	it := awkwardItem()
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	it.Target.Expiration.EndDateTime = &far
	if _, err := appendItem(nil, &it); err == nil || !strings.Contains(err.Error(), "year") {
		t.Fatalf("err = %v, want one about the year", err)
	}
}

// TestWritingAnItemAllocatesNothing guards the flat cost of writing a plan:
// an item is encoded into a reused buffer.
func TestWritingAnItemAllocatesNothing(t *testing.T) {
	it := awkwardItem()
	buf, _ := appendItem(nil, &it)
	if n := testing.AllocsPerRun(100, func() { buf, _ = appendItem(buf[:0], &it) }); n != 0 {
		t.Errorf("%v allocations per item, want 0", n)
	}
}

// TestSealHoldsNoCopyOfThePlan: sealing hashes the plan as it encodes it.
// Encoding the whole plan into memory first cost several kilobytes an item.
func TestSealHoldsNoCopyOfThePlan(t *testing.T) {
	p := samplePlan(t)
	base := p.Items
	for len(p.Items) < 4000 {
		p.Items = append(p.Items, base...)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	p.Seal()
	runtime.ReadMemStats(&after)
	if perItem := (after.TotalAlloc - before.TotalAlloc) / uint64(len(p.Items)); perItem > 100 {
		t.Errorf("Seal allocated %d bytes an item, want next to none", perItem)
	}
}

// TestReadPlanOfEarlierVersion reads a plan as pimmigrate wrote it before
// plan.json held an item a line: indented by encoding/json, the digest
// defined the same way.
func TestReadPlanOfEarlierVersion(t *testing.T) {
	p := samplePlan(t)
	encode := func() []byte {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetIndent("", " ")
		if err := enc.Encode(p); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	p.Digest = digestPlaceholder
	sum := sha256.Sum256(encode())
	p.Digest = "sha256:" + hex.EncodeToString(sum[:])
	old := encode()
	back, err := ReadPlan(bytes.NewReader(old), "plan.json")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, p) {
		t.Errorf("read back differs:\n%+v\n%+v", back, p)
	}
	edited := bytes.Replace(old, []byte(`"action": "skip"`), []byte(`"action": "create"`), 1)
	if _, err := ReadPlan(bytes.NewReader(edited), "plan.json"); !errors.Is(err, ErrPlanDigest) {
		t.Errorf("edited: err = %v, want %v", err, ErrPlanDigest)
	}
}

// TestScanPlanStreams: items reach the caller as they are read, before the
// end of the file, one at a time in the same Item.
func TestScanPlanStreams(t *testing.T) {
	p := samplePlan(t)
	var buf bytes.Buffer
	if err := WritePlan(&buf, p); err != nil {
		t.Fatal(err)
	}
	broken := errors.New("disk gone")
	half := io.MultiReader(bytes.NewReader(buf.Bytes()[:buf.Len()/2]), iotestErr{broken})
	var keys []string
	_, err := ScanPlan(half, "plan.json", func(it *Item) error {
		keys = append(keys, it.Key)
		return nil
	})
	if !errors.Is(err, broken) && !strings.Contains(err.Error(), broken.Error()) {
		t.Fatalf("err = %v, want %v", err, broken)
	}
	if len(keys) == 0 || len(keys) >= len(p.Items) {
		t.Errorf("%d of %d items seen before the read failed, want some", len(keys), len(p.Items))
	}

	stop := errors.New("enough")
	var last *Item
	_, err = ScanPlan(bytes.NewReader(buf.Bytes()), "plan.json", func(it *Item) error {
		if last != nil && last != it {
			t.Error("a new Item for each item")
		}
		last = it
		if it.Key == p.Items[2].Key {
			return stop
		}
		return nil
	})
	if err != stop {
		t.Errorf("err = %v, want the caller's own", err)
	}

	back, err := ScanPlan(bytes.NewReader(buf.Bytes()), "plan.json", func(*Item) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	want := *p
	want.Items = []Item{}
	if !reflect.DeepEqual(back, &want) {
		t.Errorf("scanned plan differs:\n%+v\n%+v", back, &want)
	}
}

type iotestErr struct{ err error }

func (r iotestErr) Read([]byte) (int, error) { return 0, r.err }

// decodeItemCases are items as appendItem writes them and as it never
// would: escapes, members out of order or unknown, other forms of a GUID
// or a time, nulls, white space.
func decodeItemCases() ([][]byte, error) {
	var cases [][]byte
	for _, it := range []Item{fullItem(), {}, {Warnings: []string{}, Legacy: Assignment{Warnings: []string{}}}, awkwardItem()} {
		b, err := appendItem(nil, &it)
		if err != nil {
			return nil, err
		}
		cases = append(cases, b)
	}
	p, err := BuildPlan(samplePlanInput())
	if err != nil {
		return nil, err
	}
	plain, _ := appendItem(nil, &p.Items[1])
	edits := [][2]string{
		{`"key":"`, `"key":"\u0041`},
		{`"key":"`, `"KEY":"`},
		{`{"key"`, `{"extra":[1,{"a":null}],"key"`},
		{`"reason":"activated"`, `"reason":"activated","reason":"again"`},
		{`"userId":"96000000-0000-4000-8000-000000000004"`, `"userId":"{96000000-0000-4000-8000-000000000004}"`},
		{`"userId":"96000000-0000-4000-8000-000000000004"`, `"userId":"96000000-0000-4000-8000-00000000000G"`},
		{`"expirationDateTime":"2026-11-22T13:00:00Z"`, `"expirationDateTime":"2026-11-22T13:00:00+01:00"`},
		{`"expirationDateTime":"2026-11-22T13:00:00Z"`, `"expirationDateTime":"2026-11-22 13:00:00Z"`},
		{`"expirationDateTime":"2026-11-22T13:00:00Z"`, `"expirationDateTime":null`},
		{`"warnings":[]`, `"warnings":null`},
		{`"warnings":[]`, `"warnings":["a","b"]`},
		{`"warnings":[]`, `"warnings": []`},
		{`"isElevated":true`, `"isElevated":1`},
		{`"type":"group"`, `"type":"gr\u00f6up"`},
		{`"type":"group"`, "\"type\":\"gr\xffup\""},
		{`"type":"group"`, "\"type\":\"gr\tup\""},
		{`"type":"group"`, `"type":"grøup"`},
		{`"displayName":"Tier 0 admins"`, `"displayName":"Tier 0 admins","accountEnabled":null`},
		{`"justification":"`, `"justification":"\"`},
		{`}}`, `}} `},
		{`}}`, `}`},
	}
	for _, e := range edits {
		b := bytes.Replace(plain, []byte(e[0]), []byte(e[1]), 1)
		if bytes.Equal(b, plain) {
			return nil, fmt.Errorf("edit %q changes nothing in %s", e[0], plain)
		}
		cases = append(cases, b)
	}
	return append(cases, plain), nil
}

// TestItemDecoderIsEncodingJSON: the hand-written item parser gives what
// json.Unmarshal gives, and takes the items appendItem writes itself.
func TestItemDecoderIsEncodingJSON(t *testing.T) {
	cases, err := decodeItemCases()
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range cases {
		checkItemDecoder(t, b)
		if i < 3 || i == len(cases)-1 { // written by appendItem, without escapes
			p := itemParser{b: b, d: &itemDecoder{}, ok: true}
			var it Item
			if !p.item(&it) || len(p.b) != 0 {
				t.Errorf("the parser left %s to encoding/json", b)
			}
		}
	}
}

func FuzzItemDecoder(f *testing.F) {
	cases, err := decodeItemCases()
	if err != nil {
		f.Fatal(err)
	}
	for _, b := range cases {
		f.Add(b)
	}
	f.Fuzz(checkItemDecoder)
}

// checkItemDecoder holds the decoder to json.Unmarshal on b: decoding b,
// and reading it from a stream where it lies whole in the window or comes
// a byte at a time.
func checkItemDecoder(t *testing.T, b []byte) {
	var want, got Item
	werr := json.Unmarshal(b, &want)
	gerr := (&itemDecoder{}).decode(b, &got)
	if (werr == nil) != (gerr == nil) || werr == nil && !reflect.DeepEqual(got, want) {
		t.Errorf("decode %s:\n got %+v, %v\nwant %+v, %v", b, got, gerr, want, werr)
	}
	for _, r := range []io.Reader{bytes.NewReader(b), iotest.OneByteReader(bytes.NewReader(b))} {
		got = Item{}
		j := newJSONReader(r)
		gerr = (&itemDecoder{}).read(j, &got)
		if gerr == nil {
			gerr = j.end()
		}
		if (werr == nil) != (gerr == nil) || werr == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("read %s:\n got %+v, %v\nwant %+v, %v", b, got, gerr, want, werr)
		}
	}
}

// FuzzScanPlan: whatever the bytes, ScanPlan returns a plan or an error,
// and a plan only for the file WritePlan wrote.
func FuzzScanPlan(f *testing.F) {
	p, err := BuildPlan(samplePlanInput())
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WritePlan(&buf, p); err != nil {
		f.Fatal(err)
	}
	good := buf.Bytes()
	f.Add(good)
	f.Add(good[:len(good)/3])
	f.Add([]byte(`{"schema":"pimmigrate.plan/v1","items":[{"key":"a"},{"key":"b"}],"digest":"x"}`))
	f.Add([]byte(`{"items":null,"notes":["\"]\\"],"rejected":[{}]} `))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := ScanPlan(bytes.NewReader(b), "plan.json", func(*Item) error { return nil }); err == nil && !bytes.Equal(b, good) {
			t.Errorf("accepted %q", b)
		}
	})
}

// TestReadPlanInAnyChunks reads a plan whose values cross every boundary
// the reader's window can have: a byte at a time, in halves, and with an
// escaped value longer than the window.
func TestReadPlanInAnyChunks(t *testing.T) {
	p, err := BuildPlan(samplePlanInput())
	if err != nil {
		t.Fatal(err)
	}
	last := awkwardItem()
	last.Key = "~ sorts last"
	p.Items = append(p.Items, last)
	p.Rejected = append(p.Rejected, Rejected{Source: "big.json#1", Reason: RejectNotAnObject,
		Detail: strings.Repeat(`a "quoted" \ line`+"\n", jsonReadSize/10)})
	p.Seal()
	var buf bytes.Buffer
	if err := WritePlan(&buf, p); err != nil {
		t.Fatal(err)
	}
	var want Plan
	if err := json.Unmarshal(buf.Bytes(), &want); err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]func(io.Reader) io.Reader{
		"whole":         func(r io.Reader) io.Reader { return r },
		"byte by byte":  iotest.OneByteReader,
		"halves":        iotest.HalfReader,
		"EOF with data": iotest.DataErrReader,
	} {
		t.Run(name, func(t *testing.T) {
			back, err := ReadPlan(r(bytes.NewReader(buf.Bytes())), "plan.json")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, &want) {
				t.Errorf("read back differs from encoding/json's:\n%+v\n%+v", back, &want)
			}
		})
	}
}

// TestScanPlanLeavesNoGoroutine: the digest is computed in a goroutine,
// which ends with the scan however the scan ends.
func TestScanPlanLeavesNoGoroutine(t *testing.T) {
	b := planJSON(t, samplePlan(t))
	stop := errors.New("stop")
	before := runtime.NumGoroutine()
	for _, tt := range []struct {
		name string
		file []byte
		fn   func(*Item) error
	}{
		{"read whole", b, func(*Item) error { return nil }},
		{"stopped by the caller", b, func(*Item) error { return stop }},
		{"cut short", b[:len(b)/2], func(*Item) error { return nil }},
		{"not a plan", []byte("[]"), func(*Item) error { return nil }},
	} {
		for range 10 {
			ScanPlan(bytes.NewReader(tt.file), "plan.json", tt.fn)
		}
		if n := runtime.NumGoroutine(); n > before {
			t.Errorf("%s: %d goroutines after, %d before", tt.name, n, before)
		}
	}
}

// TestAsyncHashIsSHA256: hashed in blocks, whatever the writes, the sum
// is sha256's.
func TestAsyncHashIsSHA256(t *testing.T) {
	data := make([]byte, 3*hashBlock+hashBlock/3)
	for i := range data {
		data[i] = byte(i * 7)
	}
	for _, tt := range []struct {
		name  string
		sizes []int
	}{
		{"nothing", nil},
		{"one byte", []int{1}},
		{"one block", []int{hashBlock}},
		{"all at once", []int{len(data)}},
		{"uneven", []int{1, hashBlock - 1, hashBlock + 1, 17, hashBlock * 2}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, rest, n := newAsyncHash(sha256.New()), data, 0
			for _, s := range tt.sizes {
				s = min(s, len(rest))
				a.Write(rest[:s])
				rest, n = rest[s:], n+s
			}
			want := sha256.Sum256(data[:n])
			if got := a.Sum(nil); !bytes.Equal(got, want[:]) {
				t.Errorf("sum %x, want %x", got, want)
			}
		})
	}
}

// TestPlain8 holds plain8 to a byte at a time: every byte value at every
// place among plain ones, and words drawn from bytes near the edges.
func TestPlain8(t *testing.T) {
	plain := func(c byte) bool { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' }
	check := func(w [8]byte) {
		t.Helper()
		want := true
		for _, c := range w {
			want = want && plain(c)
		}
		if got := plain8(binary.LittleEndian.Uint64(w[:])); got != want {
			t.Errorf("plain8(%q) = %v, want %v", w, got, want)
		}
	}
	for at := range 8 {
		for c := range 256 {
			w := [8]byte([]byte("abcdefgh"))
			w[at] = byte(c)
			check(w)
		}
	}
	edges := []byte{0x00, 0x01, 0x1f, 0x20, 0x21, '"', '#', '[', '\\', ']', 0x7f, 0x80, 0x81, 0xa2, 0xdc, 0xff}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100_000 {
		var w [8]byte
		for i := range w {
			w[i] = edges[r.IntN(len(edges))]
		}
		check(w)
	}
}
