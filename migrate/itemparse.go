package migrate

import (
	"encoding/json"
	"time"
	"unicode/utf8"
)

// itemDecoder decodes plan items. An item as appendItem writes it — the
// members in that order, strings without escapes — is parsed by hand, and
// the strings a plan repeats (states, reasons, warnings, role names) are
// shared; anything else goes to encoding/json, so the result is always
// what json.Unmarshal would give. Reflection was most of the time of
// reading a large plan.
type itemDecoder struct {
	shared map[string]string
}

// maxShared bounds the strings shared: a plan has a few hundred.
const maxShared = 4096

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
}

func (p *itemParser) item(it *Item) bool {
	p.lit(`{"key":`)
	it.Key = p.str(false)
	p.lit(`,"legacy":`)
	p.legacy(&it.Legacy)
	if p.opt(`,"mergedFrom":`) {
		it.MergedFrom = p.strs(false)
	}
	p.lit(`,"class":`)
	it.Class = Class(p.str(true))
	p.lit(`,"principal":{"displayName":`)
	it.Principal.DisplayName = p.str(false)
	if p.opt(`,"userPrincipalName":`) {
		it.Principal.UserPrincipalName = p.str(false)
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
	if p.opt(`,"policyRules":`) {
		it.PolicyRules = p.policyEffects()
	}
	if p.opt(`,"approved":`) {
		it.Approved = p.boolPtr()
	}
	p.lit(`}`)
	return p.ok
}

func (p *itemParser) legacy(a *Assignment) {
	p.lit(`{"id":`)
	a.ID = p.str(false)
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
	a.Source = p.str(false)
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
	if p.opt(`,"startDateTime":`) {
		t.StartDateTime = p.time()
	}
	if p.opt(`,"expiration":`) {
		t.Expiration = &Expiration{}
		p.lit(`{"type":`)
		t.Expiration.Type = p.str(true)
		if p.opt(`,"endDateTime":`) {
			t.Expiration.EndDateTime = p.time()
		}
		p.lit(`}`)
	}
	if p.opt(`,"justification":`) {
		t.Justification = p.str(false)
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
	ascii := true
	for i := 1; i < len(p.b); i++ {
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

// str consumes a string; shared ones are taken from the decoder's table.
func (p *itemParser) str(shared bool) string {
	b := p.raw()
	if !p.ok {
		return ""
	}
	if !shared {
		return string(b)
	}
	if s, ok := p.d.shared[string(b)]; ok {
		return s
	}
	s := string(b)
	if p.d.shared == nil {
		p.d.shared = map[string]string{}
	}
	if len(p.d.shared) < maxShared {
		p.d.shared[s] = s
	}
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
	b := p.bool()
	return &b
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
	return &t
}
