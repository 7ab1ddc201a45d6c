package migrate

import (
	"encoding/binary"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// itemDecoder decodes plan items. An item as appendItem writes it — the
// members in that order, strings without escapes — is parsed by hand, and
// the strings a plan repeats (states, reasons, warnings, role names) are
// shared; anything else goes to encoding/json, so the result is always
// what json.Unmarshal would give. Reflection was most of the time of
// reading a large plan.
//
// An item parsed by hand costs few allocations: its other strings are cut
// from one string made for the item, and the times and booleans it points
// to are taken from chunks the decoder allocates a boxChunk at a time (an
// item kept keeps the chunk).
type itemDecoder struct {
	shared map[string]string
	// recent holds shared strings by a hash of their length and a few of
	// their bytes: most are found there, without hashing the whole string.
	recent [512]string
	times  []time.Time
	bools  []bool
	exps   []Expiration
}

// boxChunk is how many times, booleans or expirations the decoder
// allocates at once.
const boxChunk = 256

// box stores v in the next element of *chunk, which it replaces with a new
// chunk when full, and returns the element's address.
func box[T any](chunk *[]T, v T) *T {
	if len(*chunk) == cap(*chunk) {
		*chunk = make([]T, 0, boxChunk)
	}
	*chunk = append(*chunk, v)
	return &(*chunk)[len(*chunk)-1]
}

// maxShared bounds the strings shared: a plan has a few hundred.
const maxShared = 4096

// read consumes the next value of j and decodes it into it, which is the
// zero Item. An item as appendItem writes it is parsed where it lies in
// j's window; anything else, or an item that runs past the window, is
// delimited by j.value and decoded by decode.
func (d *itemDecoder) read(j *jsonReader, it *Item) error {
	if _, err := j.peek(); err != nil {
		return err
	}
	p := itemParser{b: j.data[j.pos:], d: d, ok: true}
	if p.item(it) {
		j.pos = len(j.data) - len(p.b)
		return nil
	}
	raw, err := j.value()
	if err != nil {
		return err
	}
	*it = Item{} // the attempt above may have filled some of it
	return d.decode(raw, it)
}

// decode decodes b into it, which is the zero Item.
func (d *itemDecoder) decode(b []byte, it *Item) error {
	p := itemParser{b: b, d: d, ok: true}
	if p.item(it) && len(p.b) == 0 {
		return nil
	}
	*it = Item{}
	return json.Unmarshal(b, it)
}

// itemParser parses b, the rest of an item, while ok.
type itemParser struct {
	b  []byte
	d  *itemDecoder
	ok bool
	// own are the item's strings that are not shared, cut from one string
	// once the whole item is parsed.
	own  [7]ownString // key, legacy id and source, names, justification, scope name
	nown int
}

// ownString is a string of the item's own: where it goes and its bytes, or
// the index+1 of an earlier one with the same bytes.
type ownString struct {
	dst  *string
	b    []byte
	same int
}

func (p *itemParser) item(it *Item) bool {
	p.lit(`{"key":`)
	p.ownStr(&it.Key)
	p.lit(`,"legacy":`)
	p.legacy(&it.Legacy)
	if p.opt(`,"mergedFrom":`) {
		it.MergedFrom = p.strs(false)
	}
	p.lit(`,"class":`)
	it.Class = Class(p.str(true))
	p.lit(`,"principal":{"displayName":`)
	p.ownStr(&it.Principal.DisplayName)
	if p.opt(`,"userPrincipalName":`) {
		p.ownStr(&it.Principal.UserPrincipalName)
	}
	p.lit(`,"type":`)
	it.Principal.Type = PrincipalType(p.str(true))
	if p.opt(`,"accountEnabled":`) {
		it.Principal.AccountEnabled = p.boolPtr()
	}
	p.lit(`},"role":{"displayName":`)
	it.Role.DisplayName = p.str(true)
	if p.opt(`,"privileged":`) {
		it.Role.Privileged = p.bool()
	}
	p.lit(`},"action":`)
	it.Action = Action(p.str(true))
	p.lit(`,"reason":`)
	it.Reason = p.str(true)
	p.lit(`,"warnings":`)
	it.Warnings = p.strs(true)
	p.lit(`,"target":`)
	p.target(&it.Target)
	if p.opt(`,"scopeName":`) {
		p.ownStr(&it.ScopeName)
	}
	if p.opt(`,"scopeRule":`) {
		it.ScopeRule = p.str(true)
	}
	if p.opt(`,"added":`) {
		it.Added = p.str(true)
	}
	if p.opt(`,"policyRules":`) {
		it.PolicyRules = p.policyEffects()
	}
	if p.opt(`,"approved":`) {
		it.Approved = p.boolPtr()
	}
	p.lit(`}`)
	if p.ok {
		p.settle()
	}
	return p.ok
}

func (p *itemParser) legacy(a *Assignment) {
	p.lit(`{"id":`)
	p.ownStr(&a.ID)
	p.lit(`,"userId":`)
	a.UserID = p.guid()
	p.lit(`,"roleId":`)
	a.RoleID = p.guid()
	p.lit(`,"principalType":`)
	a.PrincipalType = PrincipalType(p.str(true))
	p.lit(`,"isElevated":`)
	a.IsElevated = p.bool()
	p.lit(`,"expirationDateTime":`)
	a.ExpirationDateTime = p.time()
	p.lit(`,"state":`)
	a.State = State(p.str(true))
	p.lit(`,"origin":`)
	a.Origin = Origin(p.str(true))
	p.lit(`,"source":`)
	p.ownStr(&a.Source)
	if p.opt(`,"startDateTime":`) {
		a.StartDateTime = p.time()
	}
	if p.opt(`,"eligibleUntil":`) {
		a.EligibleUntil = p.time()
	}
	if p.opt(`,"warnings":`) {
		a.Warnings = p.strs(true)
	}
	if p.opt(`,"foldedFrom":`) {
		a.FoldedFrom = p.strs(false)
	}
	p.lit(`}`)
}

func (p *itemParser) target(t *Target) {
	p.lit(`{"kind":`)
	t.Kind = TargetKind(p.str(true))
	p.lit(`,"principalId":`)
	t.PrincipalID = p.guid()
	p.lit(`,"roleDefinitionId":`)
	t.RoleDefinitionID = p.guid()
	p.lit(`,"directoryScopeId":`)
	t.DirectoryScopeID = p.str(true)
	if p.opt(`,"provider":`) {
		t.Provider = p.str(true)
	}
	if p.opt(`,"appScopeId":`) {
		t.AppScopeID = p.str(true)
	}
	if p.opt(`,"startDateTime":`) {
		t.StartDateTime = p.time()
	}
	if p.opt(`,"expiration":`) {
		t.Expiration = box(&p.d.exps, Expiration{})
		p.lit(`{"type":`)
		t.Expiration.Type = p.str(true)
		if p.opt(`,"endDateTime":`) {
			t.Expiration.EndDateTime = p.time()
		}
		p.lit(`}`)
	}
	if p.opt(`,"justification":`) {
		p.ownStr(&t.Justification)
	}
	p.lit(`}`)
}

func (p *itemParser) policyEffects() []PolicyEffect {
	p.lit("[")
	var es []PolicyEffect
	for p.ok && !p.opt("]") {
		if len(es) > 0 {
			p.lit(",")
		}
		var e PolicyEffect
		p.lit(`{"rule":`)
		e.Rule = p.str(true)
		if p.opt(`,"field":`) {
			e.Field = p.str(true)
		}
		p.lit(`,"effect":`)
		e.Effect = p.str(true)
		if p.opt(`,"detail":`) {
			e.Detail = p.str(false)
		}
		p.lit("}")
		es = append(es, e)
	}
	return es
}

// lit consumes s, which must come next.
func (p *itemParser) lit(s string) {
	if !p.opt(s) {
		p.ok = false
	}
}

// opt consumes s if it comes next.
func (p *itemParser) opt(s string) bool {
	if p.ok && len(p.b) >= len(s) && string(p.b[:len(s)]) == s {
		p.b = p.b[len(s):]
		return true
	}
	return false
}

// raw consumes a string without escapes or control characters and
// returns its bytes, valid UTF-8.
func (p *itemParser) raw() []byte {
	if !p.ok || len(p.b) == 0 || p.b[0] != '"' {
		p.ok = false
		return nil
	}
	i := 1
	for i+8 <= len(p.b) && plain8(binary.LittleEndian.Uint64(p.b[i:])) {
		i += 8
	}
	ascii := true
	for ; i < len(p.b); i++ {
		c := p.b[i]
		if c == '"' {
			s := p.b[1:i]
			if ascii || utf8.Valid(s) { // else encoding/json puts U+FFFD in place
				p.b = p.b[i+1:]
				return s
			}
			break
		}
		if c == '\\' || c < 0x20 {
			break
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	p.ok = false
	return nil
}

// plain8 reports whether the 8 bytes of x are all ASCII that a JSON
// string holds as it is: no quote, backslash or control character. Some
// byte of v is below n (n <= 0x80) exactly when (v-n*ones)&^v has a high
// bit set; a byte equal to c is a byte of v^(c*ones) below 1.
func plain8(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q, bs := x^(ones*'"'), x^(ones*'\\')
	return (x|(x-ones*0x20)&^x|(q-ones)&^q|(bs-ones)&^bs)&highs == 0
}

// ownStr consumes a string of the item's own, which settle puts in *dst.
func (p *itemParser) ownStr(dst *string) {
	b := p.raw()
	if !p.ok {
		return
	}
	o := ownString{dst: dst, b: b}
	for i := range p.nown {
		if string(p.own[i].b) == string(b) {
			o.same = i + 1
			break
		}
	}
	p.own[p.nown] = o
	p.nown++
}

// settle makes one string of the item's own strings and cuts each from it.
func (p *itemParser) settle() {
	own := p.own[:p.nown]
	size := 0
	for _, o := range own {
		if o.same == 0 {
			size += len(o.b)
		}
	}
	var sb strings.Builder
	sb.Grow(size)
	for _, o := range own {
		if o.same == 0 {
			sb.Write(o.b)
		}
	}
	s := sb.String()
	for _, o := range own {
		if o.same > 0 {
			*o.dst = *own[o.same-1].dst
			continue
		}
		*o.dst, s = s[:len(o.b)], s[len(o.b):]
	}
}

// str consumes a string; shared ones are taken from the decoder's table.
func (p *itemParser) str(shared bool) string {
	b := p.raw()
	if !p.ok {
		return ""
	}
	if !shared || len(b) == 0 {
		return string(b)
	}
	recent := &p.d.recent[(len(b)*31+int(b[0])*7+int(b[len(b)/2])*3+int(b[len(b)-1]))%len(p.d.recent)]
	if *recent == string(b) {
		return *recent
	}
	s, ok := p.d.shared[string(b)]
	if !ok {
		s = string(b)
		if p.d.shared == nil {
			p.d.shared = map[string]string{}
		}
		if len(p.d.shared) < maxShared {
			p.d.shared[s] = s
		}
	}
	*recent = s
	return s
}

// strs consumes null or an array of strings.
func (p *itemParser) strs(shared bool) []string {
	if p.opt("null") {
		return nil
	}
	p.lit("[")
	ss := []string{}
	for p.ok && !p.opt("]") {
		if len(ss) > 0 {
			p.lit(",")
		}
		ss = append(ss, p.str(shared))
	}
	return ss
}

func (p *itemParser) guid() GUID {
	// A GUID as appendItem writes it needs no scan for the string's end.
	if p.ok && len(p.b) >= 38 && p.b[0] == '"' && p.b[37] == '"' {
		if g, ok := parseGUID(p.b[1:37]); ok {
			p.b = p.b[38:]
			return g
		}
	}
	g, ok := parseGUID(p.raw())
	p.ok = p.ok && ok
	return g
}

func (p *itemParser) bool() bool {
	if p.opt("true") {
		return true
	}
	p.lit("false")
	return false
}

func (p *itemParser) boolPtr() *bool {
	return box(&p.d.bools, p.bool())
}

// time consumes null or an RFC 3339 time, read as encoding/json reads one.
func (p *itemParser) time() *time.Time {
	if p.opt("null") {
		return nil
	}
	b := p.raw()
	var t time.Time
	if !p.ok || t.UnmarshalText(b) != nil {
		p.ok = false
		return nil
	}
	return box(&p.d.times, t)
}
