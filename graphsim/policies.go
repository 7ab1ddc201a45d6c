package graphsim

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// Role management policies (docs/graph.md, "Role settings and role management policies"): every directory role has a
// unifiedRoleManagementPolicy of 17 rules, found through the role's
// unifiedRoleManagementPolicyAssignment at scope "/" (scopeType
// DirectoryRole). The policy's id is not the role's.

// defaultRulesJSON is the 17 rules of a policy nobody has changed, as
// Graph's v1.0 "List rules" example gives them
// (api-reference/v1.0/api/unifiedrolemanagementpolicy-list-rules.md in
// microsoft-graph-docs-contrib), in that order.
//
//go:embed defaultrules.json
var defaultRulesJSON []byte

const (
	policyContext      = "policies/roleManagementPolicies"
	policyAsgContext   = "policies/roleManagementPolicyAssignments"
	scopeDirectoryRole = "DirectoryRole"
)

// RoleManagementPolicy is a unifiedRoleManagementPolicy. Rules are the
// rule objects as Graph returns them; in a seed, a rule the policy leaves
// out gets its default, and a policy of no role (see
// RoleManagementPolicyAssignment) applies to nothing.
type RoleManagementPolicy struct {
	ID                   string            `json:"id"`
	ScopeID              string            `json:"scopeId,omitempty"`   // "/" when empty
	ScopeType            string            `json:"scopeType,omitempty"` // DirectoryRole when empty
	LastModifiedDateTime *time.Time        `json:"lastModifiedDateTime,omitempty"`
	Rules                []json.RawMessage `json:"rules"`
}

// RoleManagementPolicyAssignment is a unifiedRoleManagementPolicyAssignment:
// the policy that applies to a role at a scope. LoadSeed derives the id
// ({policyId}_{roleDefinitionId}) when absent. A role with no assignment at
// scope "/" gets a default policy: DirectoryRole_{tenant}_{guid}, the guid
// derived from the role's template id.
type RoleManagementPolicyAssignment struct {
	ID               string `json:"id"`
	PolicyID         string `json:"policyId"`
	ScopeID          string `json:"scopeId,omitempty"`   // "/" when empty
	ScopeType        string `json:"scopeType,omitempty"` // DirectoryRole when empty
	RoleDefinitionID string `json:"roleDefinitionId"`
}

// rmRule is one rule of a policy as stored: canonical JSON (keys sorted,
// as encoding/json writes a map) so that a rule written back with the same
// content reads back byte for byte, whatever order the client sent.
type rmRule struct {
	id, odataType string
	body          json.RawMessage
	// prev is the rule as reads show it until changed + the consistency
	// lag; nil when no change is pending.
	prev    json.RawMessage
	changed time.Time
}

// rmPolicy is a policy as stored.
type rmPolicy struct {
	id, scopeID, scopeType string
	lastModified           *time.Time
	rules                  []*rmRule
}

// rule finds a rule by id, in any case (Unconfirmed: Graph may compare
// policy and rule ids exactly; the PATCH body's id must match exactly).
func (p *rmPolicy) rule(id string) *rmRule {
	for _, r := range p.rules {
		if strings.EqualFold(r.id, id) {
			return r
		}
	}
	return nil
}

// canonicalJSON re-encodes a JSON value with sorted keys, numbers as
// written and no HTML escaping.
func canonicalJSON(raw []byte) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("data after the value")
	}
	return marshal(v)
}

// ruleHead reads a rule's id and @odata.type.
func ruleHead(raw []byte) (id, odataType string, err error) {
	var h struct {
		ID        *string `json:"id"`
		ODataType *string `json:"@odata.type"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return "", "", errors.New("a rule is not a JSON object with a string id and @odata.type")
	}
	if h.ID == nil || *h.ID == "" || h.ODataType == nil || *h.ODataType == "" {
		return "", "", errors.New("a rule needs an id and an @odata.type")
	}
	return *h.ID, *h.ODataType, nil
}

// defaultRules parses the default rules (canonical).
func defaultRules() []*rmRule {
	var raws []json.RawMessage
	if err := json.Unmarshal(defaultRulesJSON, &raws); err != nil {
		panic("graphsim: defaultrules.json: " + err.Error())
	}
	out := make([]*rmRule, len(raws))
	for i, raw := range raws {
		body, err := canonicalJSON(raw)
		if err != nil {
			panic("graphsim: defaultrules.json: " + err.Error())
		}
		id, typ, err := ruleHead(body)
		if err != nil {
			panic("graphsim: defaultrules.json: " + err.Error())
		}
		out[i] = &rmRule{id: id, odataType: typ, body: body}
	}
	return out
}

// normalizeRules checks a seeded policy's rules, makes them canonical and
// adds the default of every rule left out.
func normalizeRules(rules []json.RawMessage, defaults []*rmRule) ([]json.RawMessage, error) {
	seen := map[string]bool{}
	out := make([]json.RawMessage, 0, len(defaults))
	for i, raw := range rules {
		body, err := canonicalJSON(raw)
		if err != nil {
			return nil, fmt.Errorf("rules[%d]: not JSON: %v", i, err)
		}
		id, typ, err := ruleHead(body)
		if err != nil {
			return nil, fmt.Errorf("rules[%d]: %v", i, err)
		}
		if seen[strings.ToLower(id)] {
			return nil, fmt.Errorf("rules[%d]: a second rule %q", i, id)
		}
		seen[strings.ToLower(id)] = true
		for _, d := range defaults {
			if strings.EqualFold(d.id, id) && !sameType(d.odataType, typ) {
				return nil, fmt.Errorf("rules[%d]: rule %q is a %s, not a %s", i, id, d.odataType, typ)
			}
		}
		out = append(out, body)
	}
	for _, d := range defaults {
		if !seen[strings.ToLower(d.id)] {
			out = append(out, d.body)
		}
	}
	return out, nil
}

// sameType compares @odata.type values, with or without the leading "#".
func sameType(a, b string) bool {
	return strings.EqualFold(strings.TrimPrefix(a, "#"), strings.TrimPrefix(b, "#"))
}

func scopeDefaults(id, typ *string) {
	if *id == "" {
		*id = migrate.DirectoryScopeRoot
	}
	if *typ == "" {
		*typ = scopeDirectoryRole
	}
}

// normalizePolicies validates the seed's policies and policy assignments.
func (s *Seed) normalizePolicies(roles *roleIndex) error {
	defaults := defaultRules()
	policies := map[string]int{}
	for i := range s.RoleManagementPolicies {
		p := &s.RoleManagementPolicies[i]
		const coll = "roleManagementPolicies"
		if p.ID == "" {
			return seedProblem(coll, i, "", "id is missing")
		}
		if j, ok := policies[strings.ToLower(p.ID)]; ok {
			return seedProblem(coll, i, p.ID, "duplicate id: %s[%d] has the same id", coll, j)
		}
		policies[strings.ToLower(p.ID)] = i
		scopeDefaults(&p.ScopeID, &p.ScopeType)
		rules, err := normalizeRules(p.Rules, defaults)
		if err != nil {
			return seedProblem(coll, i, p.ID, "%v", err)
		}
		p.Rules = rules
		p.LastModifiedDateTime = utcPtr(p.LastModifiedDateTime)
	}
	ids, keys := map[string]int{}, map[string]int{}
	for i := range s.RoleManagementPolicyAssignments {
		a := &s.RoleManagementPolicyAssignments[i]
		const coll = "roleManagementPolicyAssignments"
		if _, ok := policies[strings.ToLower(a.PolicyID)]; !ok {
			return seedProblem(coll, i, a.ID, "policyId %q names no policy of roleManagementPolicies", a.PolicyID)
		}
		r, err := checkGUID(coll, i, a.ID, "roleDefinitionId", a.RoleDefinitionID, true)
		if err != nil {
			return err
		}
		scopeDefaults(&a.ScopeID, &a.ScopeType)
		k := strings.ToLower(a.ScopeID+"\x00"+a.ScopeType) + "\x00" + roles.canonical(r).String()
		if j, ok := keys[k]; ok {
			return seedProblem(coll, i, a.ID, "duplicate assignment: %s[%d] has the same scope and role", coll, j)
		}
		keys[k] = i
		if a.ID == "" {
			a.ID = a.PolicyID + "_" + a.RoleDefinitionID
		}
		if j, ok := ids[strings.ToLower(a.ID)]; ok {
			return seedProblem(coll, i, a.ID, "duplicate id: %s[%d] has the same id", coll, j)
		}
		ids[strings.ToLower(a.ID)] = i
	}
	return nil
}

// addPolicies loads the seed's policies and assignments, then gives every
// role without a policy assignment at "/" a policy of default rules.
func (st *state) addPolicies(s *Seed) {
	toRules := func(bodies []json.RawMessage) []*rmRule {
		out := make([]*rmRule, len(bodies))
		for i, b := range bodies {
			id, typ, _ := ruleHead(b) // checked by normalizeRules
			out[i] = &rmRule{id: id, odataType: typ, body: b}
		}
		return out
	}
	for _, p := range s.RoleManagementPolicies {
		st.policies.add(p.ID, &entry[*rmPolicy]{seq: st.next(), v: &rmPolicy{id: p.ID, scopeID: p.ScopeID,
			scopeType: p.ScopeType, lastModified: p.LastModifiedDateTime, rules: toRules(p.Rules)}})
	}
	covered := map[migrate.GUID]bool{}
	for _, a := range s.RoleManagementPolicyAssignments {
		st.policyAsg.add(a.ID, &entry[RoleManagementPolicyAssignment]{seq: st.next(), v: a})
		if a.ScopeID == migrate.DirectoryScopeRoot && strings.EqualFold(a.ScopeType, scopeDirectoryRole) {
			covered[st.roles.canonical(migrate.MustGUID(a.RoleDefinitionID))] = true
		}
	}
	var defaults []*rmRule
	for _, r := range st.roles.list {
		if covered[r.templateID] {
			continue
		}
		covered[r.templateID] = true
		if defaults == nil {
			defaults = defaultRules()
		}
		pid := "DirectoryRole_" + st.tenantID + "_" + hashGUID("policy", r.templateID.String())
		if st.policies.get(pid) == nil {
			rules := make([]*rmRule, len(defaults))
			for i, d := range defaults {
				c := *d
				rules[i] = &c
			}
			st.policies.add(pid, &entry[*rmPolicy]{seq: st.next(), v: &rmPolicy{id: pid, scopeID: migrate.DirectoryScopeRoot,
				scopeType: scopeDirectoryRole, rules: rules}})
		}
		a := RoleManagementPolicyAssignment{ID: pid + "_" + r.templateStr, PolicyID: pid, ScopeID: migrate.DirectoryScopeRoot,
			ScopeType: scopeDirectoryRole, RoleDefinitionID: r.templateStr}
		st.policyAsg.add(a.ID, &entry[RoleManagementPolicyAssignment]{seq: st.next(), v: a})
	}
}

// policiesToSeed adds the policies (their rules as they are now, not as
// lagging reads show them) and assignments to a seed.
func (st *state) policiesToSeed(s *Seed) {
	for _, e := range st.policies.list {
		p := e.v
		sp := RoleManagementPolicy{ID: p.id, ScopeID: p.scopeID, ScopeType: p.scopeType, LastModifiedDateTime: clonePtr(p.lastModified)}
		for _, r := range p.rules {
			sp.Rules = append(sp.Rules, r.body)
		}
		s.RoleManagementPolicies = append(s.RoleManagementPolicies, sp)
	}
	for _, e := range st.policyAsg.list {
		s.RoleManagementPolicyAssignments = append(s.RoleManagementPolicyAssignments, e.v)
	}
}

// ruleView is a rule as a read sees it now. Unconfirmed: how long Graph
// takes to show a changed rule; graphsim shows the old rule until the
// consistency lag has passed, as it hides new objects.
func (c *call) ruleView(r *rmRule) json.RawMessage {
	if r.prev != nil && !c.visible(r.changed) {
		return r.prev
	}
	return r.body
}

func (c *call) policyJSON(p *rmPolicy, rules bool) map[string]any {
	m := map[string]any{
		"id": p.id, "displayName": p.scopeType, "description": p.scopeType, "isOrganizationDefault": false,
		"scopeId": p.scopeID, "scopeType": p.scopeType, "lastModifiedDateTime": timeOrNil(p.lastModified),
		"lastModifiedBy": map[string]any{"displayName": nil, "id": nil},
	}
	if rules {
		rs := make([]json.RawMessage, len(p.rules))
		for i, r := range p.rules {
			rs[i] = c.ruleView(r)
		}
		m["rules"] = rs
	}
	return m
}

func policyAsgJSON(a *RoleManagementPolicyAssignment) map[string]any {
	return map[string]any{"id": a.ID, "policyId": a.PolicyID, "scopeId": a.ScopeID, "scopeType": a.ScopeType,
		"roleDefinitionId": a.RoleDefinitionID}
}

var (
	policyAsgFilter = fields(
		field{name: "id"},
		field{name: "policyId"},
		field{name: "scopeId"},
		field{name: "scopeType"},
		field{name: "roleDefinitionId", kind: fRole},
	)
	policyFilter = fields(
		field{name: "id"},
		field{name: "scopeId"},
		field{name: "scopeType"},
	)
)

// needScope refuses a list whose $filter does not name both scopeId and
// scopeType: the docs say these lists require it. Unconfirmed: Graph's
// code and message; and the docs allow scopeType 'Directory' as well as
// 'DirectoryRole' for Entra roles, where graphsim compares with the stored
// 'DirectoryRole' (so 'Directory' finds nothing). Lists page by 100 (up to
// $top, at most 999) like graphsim's other lists; Unconfirmed: Graph's own
// page size here.
func (c *call) needScope(q *listQuery) *response {
	var id, typ bool
	for _, cd := range q.conds {
		id = id || cd.f.name == "scopeId" && cd.op == "eq"
		typ = typ || cd.f.name == "scopeType" && cd.op == "eq"
	}
	if id && typ {
		return nil
	}
	return c.fail(http.StatusBadRequest, "BadRequest",
		"The $filter query parameter must scope the request with scopeId eq and scopeType eq, e.g. scopeId eq '/' and scopeType eq 'DirectoryRole'.")
}

// policyAsgView renders an assignment with $expand=policy (and
// policy($expand=rules)). Call with the state locked.
func (c *call) policyAsgView(a *RoleManagementPolicyAssignment, expand map[string]string) map[string]any {
	m := policyAsgJSON(a)
	if opts, ok := expand["policy"]; ok {
		m["policy"] = nil
		if e := c.s.st.policies.get(a.PolicyID); e != nil {
			m["policy"] = c.policyJSON(e.v, nestedExpand(opts)["rules"])
		}
	}
	return m
}

func (c *call) listPolicyAssignments() *response {
	expand := c.expandOptions()
	return listEntries(c, policyAsgFilter, c.needScope, policyAsgContext, func(st *state) []*entry[RoleManagementPolicyAssignment] { return st.policyAsg.list },
		func(_ *state, _ *listQuery, e *entry[RoleManagementPolicyAssignment]) map[string]any {
			return c.policyAsgView(&e.v, expand)
		})
}

func (c *call) getPolicyAssignment() *response {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	e := c.s.st.policyAsg.get(c.params[0])
	if e == nil {
		return c.notFound(c.params[0])
	}
	return c.entity(http.StatusOK, policyAsgContext, project(c.policyAsgView(&e.v, c.expandOptions()), c.selected(), c.expanded()))
}

func (c *call) listPolicies() *response {
	return listEntries(c, policyFilter, c.needScope, policyContext, func(st *state) []*entry[*rmPolicy] { return st.policies.list },
		func(_ *state, q *listQuery, e *entry[*rmPolicy]) map[string]any {
			return c.policyJSON(e.v, q.expand["rules"])
		})
}

// policy finds the policy of the route's first parameter. Call with the
// state locked.
func (c *call) policy() *rmPolicy {
	if e := c.s.st.policies.get(c.params[0]); e != nil {
		return e.v
	}
	return nil
}

func (c *call) getPolicy() *response {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	p := c.policy()
	if p == nil {
		return c.notFound(c.params[0])
	}
	return c.entity(http.StatusOK, policyContext, project(c.policyJSON(p, c.expanded()["rules"]), c.selected(), c.expanded()))
}

func rulesContext(p *rmPolicy) string {
	return policyContext + "('" + p.id + "')/rules"
}

func (c *call) listRules() *response {
	q, bad := c.parseList(nil)
	if bad != nil {
		return bad
	}
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	pol := c.policy()
	if pol == nil {
		return c.notFound(c.params[0])
	}
	p := c.pager(q, c.s.st.roles)
	for i, r := range pol.rules {
		if !p.offer(uint64(i+1), zeroTime, func() map[string]any {
			var m map[string]any
			json.Unmarshal(c.ruleView(r), &m)
			return m
		}) {
			break
		}
	}
	return p.respond(rulesContext(pol))
}

// policyRule finds the policy and rule of the route's parameters, or
// answers 404. Call with the state locked.
func (c *call) policyRule() (*rmPolicy, *rmRule, *response) {
	p := c.policy()
	if p == nil {
		return nil, nil, c.notFound(c.params[0])
	}
	r := p.rule(c.params[1])
	if r == nil {
		return nil, nil, c.notFound(c.params[1])
	}
	return p, r, nil
}

func (c *call) getRule() *response {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	p, r, bad := c.policyRule()
	if bad != nil {
		return bad
	}
	var m map[string]any
	json.Unmarshal(c.ruleView(r), &m)
	return c.entity(http.StatusOK, rulesContext(p), project(m, c.selected(), nil))
}

// patchRule updates a rule (PATCH …/rules/{ruleId}): the body's properties
// replace the rule's, after the checks of checkRule, and the policy as it
// would then be may not require both MFA and an authentication context on
// activation. It answers 204, as the v1.0 docs say. Unconfirmed: a
// property the body leaves out keeps its value (PATCH semantics); a body
// with the whole rule replaces it all.
func (c *call) patchRule() *response {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	p, r, bad := c.policyRule()
	if bad != nil {
		return bad
	}
	body, bad := c.checkRule(r)
	if bad != nil {
		return bad
	}
	if bad := c.checkMfaAndAcrs(p, r, body); bad != nil {
		return bad
	}
	if r.prev == nil || c.visible(r.changed) {
		r.prev = r.body
	}
	r.body, r.changed = body, c.now
	now := c.now.UTC()
	p.lastModified = &now
	return c.noContent()
}

// checkMfaAndAcrs refuses a policy that, with rule r changed to body,
// requires MultiFactorAuthentication in Enablement_EndUser_Assignment and
// an enabled AuthenticationContext_EndUser_Assignment: Graph answers
// MfaAndAcrsConflict (docs/graph.md, "Role settings and role management policies"), whichever of the two is written.
// Unconfirmed: the message.
func (c *call) checkMfaAndAcrs(p *rmPolicy, r *rmRule, body json.RawMessage) *response {
	now := func(id string) []byte {
		if strings.EqualFold(r.id, id) {
			return body
		}
		if x := p.rule(id); x != nil {
			return x.body
		}
		return nil
	}
	var en struct {
		EnabledRules []string `json:"enabledRules"`
	}
	var ac struct {
		IsEnabled bool `json:"isEnabled"`
	}
	json.Unmarshal(now("Enablement_EndUser_Assignment"), &en)
	json.Unmarshal(now("AuthenticationContext_EndUser_Assignment"), &ac)
	mfa := false
	for _, e := range en.EnabledRules {
		mfa = mfa || strings.EqualFold(e, "MultiFactorAuthentication")
	}
	if mfa && ac.IsEnabled {
		return c.fail(http.StatusBadRequest, "MfaAndAcrsConflict",
			"Multi-factor authentication and an authentication context cannot both be required on activation: turn the authentication context off before requiring MultiFactorAuthentication.")
	}
	return nil
}
