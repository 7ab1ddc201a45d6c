package migrate

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// planEncoder writes plan.json a member at a time and the items one a
// line, so a plan of any size is written without holding its bytes:
//
//	{
//	 "schema": "pimmigrate.plan/v2",
//	 ...
//	 "items": [
//	  {"key":"…","legacy":{…},…},
//	  {"key":"…",…}
//	 ],
//	 "rejected": [
//	  {"source":"a.csv:9","reason":"malformed-guid"}
//	 ],
//	 "summary": {"items":2,…},
//	 "digest": "sha256:…"
//	}
//
// An item is the JSON encoding/json gives it (a test holds the two to each
// other), written by hand: reflection was most of the time of a large plan.
type planEncoder struct {
	w       io.Writer
	buf     []byte
	members int
	items   int
	last    string // the key of the last item, for writeSealed's check
	err     error
}

// begin writes the members before the items and opens the items array.
func (e *planEncoder) begin(p *Plan) error {
	e.raw("{")
	e.member("schema", p.Schema)
	e.member("tenantId", p.TenantID)
	e.member("graphUrl", p.GraphURL)
	e.member("createdAt", p.CreatedAt)
	e.member("asOf", p.AsOf)
	e.member("offline", p.Offline)
	e.member("policy", p.Policy)
	e.member("legacyDigest", p.LegacyDigest)
	if len(p.Notes) > 0 {
		e.member("notes", p.Notes)
	}
	e.name("items")
	e.raw("[")
	return e.err
}

// item writes the next item.
func (e *planEncoder) item(it *Item) error {
	if e.err != nil {
		return e.err
	}
	b := e.buf[:0]
	if e.items > 0 {
		b = append(b, ',')
	}
	b = append(b, "\n  "...)
	b, e.err = appendItem(b, it)
	e.buf = b
	e.items++
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
	return e.err
}

// end closes the items array and writes the rejected records and the
// summary: everything but the digest, which digestTail writes.
func (e *planEncoder) end(p *Plan, s Summary) error {
	if e.items > 0 {
		e.raw("\n ")
	}
	e.raw("]")
	e.name("rejected")
	if p.Rejected == nil {
		e.raw("null")
	} else {
		e.raw("[")
		for i := range p.Rejected {
			if i > 0 {
				e.raw(",")
			}
			e.raw("\n  ")
			e.value(&p.Rejected[i])
		}
		if len(p.Rejected) > 0 {
			e.raw("\n ")
		}
		e.raw("]")
	}
	e.member("summary", s)
	return e.err
}

// member writes `"name": value`. Values here are small: encoding/json
// does them.
func (e *planEncoder) member(name string, v any) {
	e.name(name)
	e.value(v)
}

// name starts a member on a line of its own.
func (e *planEncoder) name(n string) {
	if e.members > 0 {
		e.raw(",")
	}
	e.members++
	e.raw("\n \"" + n + "\": ")
}

func (e *planEncoder) value(v any) {
	if e.err != nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		e.err = err
		return
	}
	_, e.err = e.w.Write(b)
}

func (e *planEncoder) raw(s string) {
	if e.err == nil {
		_, e.err = io.WriteString(e.w, s)
	}
}

// settingItemJSON is a role setting item as plan.json holds it: the
// members every kind shares, and its setting.
type settingItemJSON struct {
	Key      string         `json:"key"`
	Kind     ItemKind       `json:"kind"`
	Role     RoleInfo       `json:"role"`
	Action   Action         `json:"action"`
	Reason   string         `json:"reason"`
	Warnings []string       `json:"warnings"`
	Setting  *SettingChange `json:"setting"`
	Approved *bool          `json:"approved,omitempty"`
}

// appendItem appends the JSON of an item: an assignment item as
// encoding/json writes it, a role setting item as settingItemJSON.
func appendItem(b []byte, it *Item) ([]byte, error) {
	if it.Kind != KindAssignment {
		j, err := json.Marshal(settingItemJSON{it.Key, it.Kind, it.Role, it.Action, it.Reason, it.Warnings, it.Setting, it.Approved})
		return append(b, j...), err
	}
	var err error
	b = append(b, `{"key":`...)
	b = appendJSONString(b, it.Key)
	b = append(b, `,"legacy":`...)
	if b, err = appendLegacy(b, &it.Legacy); err != nil {
		return b, err
	}
	if len(it.MergedFrom) > 0 {
		b = appendStrings(append(b, `,"mergedFrom":`...), it.MergedFrom)
	}
	b = appendJSONString(append(b, `,"class":`...), string(it.Class))
	b = appendJSONString(append(b, `,"principal":{"displayName":`...), it.Principal.DisplayName)
	if it.Principal.UserPrincipalName != "" {
		b = appendJSONString(append(b, `,"userPrincipalName":`...), it.Principal.UserPrincipalName)
	}
	b = appendJSONString(append(b, `,"type":`...), string(it.Principal.Type))
	if it.Principal.AccountEnabled != nil {
		b = strconv.AppendBool(append(b, `,"accountEnabled":`...), *it.Principal.AccountEnabled)
	}
	b = appendJSONString(append(b, `},"role":{"displayName":`...), it.Role.DisplayName)
	if it.Role.Privileged {
		b = append(b, `,"privileged":true`...)
	}
	b = appendJSONString(append(b, `},"action":`...), string(it.Action))
	b = appendJSONString(append(b, `,"reason":`...), it.Reason)
	b = appendStrings(append(b, `,"warnings":`...), it.Warnings)
	b = append(b, `,"target":`...)
	if b, err = appendTarget(b, &it.Target); err != nil {
		return b, err
	}
	if it.ScopeName != "" {
		b = appendJSONString(append(b, `,"scopeName":`...), it.ScopeName)
	}
	if it.ScopeRule != "" {
		b = appendJSONString(append(b, `,"scopeRule":`...), it.ScopeRule)
	}
	if it.Added != "" {
		b = appendJSONString(append(b, `,"added":`...), it.Added)
	}
	if len(it.PolicyRules) > 0 {
		b = appendPolicyEffects(append(b, `,"policyRules":`...), it.PolicyRules)
	}
	if it.Approved != nil {
		b = strconv.AppendBool(append(b, `,"approved":`...), *it.Approved)
	}
	return append(b, '}'), nil
}

func appendLegacy(b []byte, a *Assignment) ([]byte, error) {
	var err error
	b = appendJSONString(append(b, `{"id":`...), a.ID)
	b = a.UserID.AppendText(append(b, `,"userId":"`...))
	b = a.RoleID.AppendText(append(b, `","roleId":"`...))
	b = appendJSONString(append(b, `","principalType":`...), string(a.PrincipalType))
	b = strconv.AppendBool(append(b, `,"isElevated":`...), a.IsElevated)
	if b, err = appendTimePtr(append(b, `,"expirationDateTime":`...), a.ExpirationDateTime); err != nil {
		return b, err
	}
	b = appendJSONString(append(b, `,"state":`...), string(a.State))
	b = appendJSONString(append(b, `,"origin":`...), string(a.Origin))
	b = appendJSONString(append(b, `,"source":`...), a.Source)
	if a.StartDateTime != nil {
		if b, err = appendTimePtr(append(b, `,"startDateTime":`...), a.StartDateTime); err != nil {
			return b, err
		}
	}
	if a.EligibleUntil != nil {
		if b, err = appendTimePtr(append(b, `,"eligibleUntil":`...), a.EligibleUntil); err != nil {
			return b, err
		}
	}
	if len(a.Warnings) > 0 {
		b = appendStrings(append(b, `,"warnings":`...), a.Warnings)
	}
	if len(a.FoldedFrom) > 0 {
		b = appendStrings(append(b, `,"foldedFrom":`...), a.FoldedFrom)
	}
	return append(b, '}'), nil
}

func appendTarget(b []byte, t *Target) ([]byte, error) {
	var err error
	b = appendJSONString(append(b, `{"kind":`...), string(t.Kind))
	b = t.PrincipalID.AppendText(append(b, `,"principalId":"`...))
	b = t.RoleDefinitionID.AppendText(append(b, `","roleDefinitionId":"`...))
	b = appendJSONString(append(b, `","directoryScopeId":`...), t.DirectoryScopeID)
	if t.Provider != "" {
		b = appendJSONString(append(b, `,"provider":`...), t.Provider)
	}
	if t.AppScopeID != "" {
		b = appendJSONString(append(b, `,"appScopeId":`...), t.AppScopeID)
	}
	if t.StartDateTime != nil {
		if b, err = appendTimePtr(append(b, `,"startDateTime":`...), t.StartDateTime); err != nil {
			return b, err
		}
	}
	if x := t.Expiration; x != nil {
		b = appendJSONString(append(b, `,"expiration":{"type":`...), x.Type)
		if x.EndDateTime != nil {
			if b, err = appendTimePtr(append(b, `,"endDateTime":`...), x.EndDateTime); err != nil {
				return b, err
			}
		}
		b = append(b, '}')
	}
	if t.Justification != "" {
		b = appendJSONString(append(b, `,"justification":`...), t.Justification)
	}
	return append(b, '}'), nil
}

func appendPolicyEffects(b []byte, es []PolicyEffect) []byte {
	b = append(b, '[')
	for i, e := range es {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(append(b, `{"rule":`...), e.Rule)
		if e.Field != "" {
			b = appendJSONString(append(b, `,"field":`...), e.Field)
		}
		b = appendJSONString(append(b, `,"effect":`...), e.Effect)
		if e.Detail != "" {
			b = appendJSONString(append(b, `,"detail":`...), e.Detail)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendTimePtr appends a time as time.Time.MarshalJSON does (RFC 3339
// with nanoseconds, refusing years it cannot write), or null.
func appendTimePtr(b []byte, t *time.Time) ([]byte, error) {
	if t == nil {
		return append(b, "null"...), nil
	}
	if y := t.Year(); y < 0 || y > 9999 {
		return b, fmt.Errorf("time %s: year outside of range [0,9999]", t)
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

// appendStrings appends a string slice as encoding/json does: null when
// nil, [] when empty.
func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}
