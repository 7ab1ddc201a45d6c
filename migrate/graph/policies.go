package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// policyPermissionHint names what reading role management policies needs.
const policyPermissionHint = "reading role management policies needs RoleManagementPolicy.Read.Directory (or RoleManagement.Read.Directory)"

// queryEscape escapes a query value as Graph expects it (%20 for spaces).
func queryEscape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// policiesPath lists the policy assignment of every directory role at
// scope "/" with its policy and the policy's rules: a nested $expand the
// docs show for this list (policyroot-list-rolemanagementpolicyassignments),
// so one request a page reads every role's rules. The SDK's typed builder
// would decode the rules into models and lose their JSON, so the pages are
// read raw.
var policiesPath = "/v1.0/policies/roleManagementPolicyAssignments?$filter=" +
	queryEscape("scopeId eq '/' and scopeType eq 'DirectoryRole'") + "&$expand=" + queryEscape("policy($expand=rules)")

// ReadPolicies reads the role management policy of every directory role:
// the policy id (DirectoryRole_{tenant}_{guid}, not the role's) and its
// rules as Graph returned them, byte for byte, by rule id, sorted by role.
// It lists the policy assignments with the nested $expand, following every
// page; a policy that comes back without its rules is read on its own. An
// assignment whose role is not a GUID is skipped: no legacy record can
// name it. It needs RoleManagementPolicy.Read.Directory.
func (c *Client) ReadPolicies(ctx context.Context) ([]migrate.RolePolicy, error) {
	const op = "list roleManagementPolicyAssignments"
	var out []migrate.RolePolicy
	var bare []int // policies that came without their rules
	err := c.pages(ctx, op, policiesPath, func(elems []json.RawMessage) error {
		for _, e := range elems {
			var a struct {
				PolicyID         string `json:"policyId"`
				RoleDefinitionID string `json:"roleDefinitionId"`
				Policy           *struct {
					Rules []json.RawMessage `json:"rules"`
				} `json:"policy"`
			}
			if err := json.Unmarshal(e, &a); err != nil {
				return fmt.Errorf("%s: a policy assignment is not an object of its type: %w", op, err)
			}
			role, err := migrate.ParseGUID(a.RoleDefinitionID)
			if err != nil {
				continue
			}
			if a.PolicyID == "" {
				return fmt.Errorf("%s: the policy assignment of role %s names no policy", op, role)
			}
			p := migrate.RolePolicy{RoleID: role, PolicyID: a.PolicyID}
			if a.Policy == nil || a.Policy.Rules == nil {
				bare = append(bare, len(out))
			} else if p.Rules, err = rulesByID(a.Policy.Rules); err != nil {
				return fmt.Errorf("%s: policy %s: %w", op, a.PolicyID, err)
			}
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, withHint(err, policyPermissionHint)
	}
	for _, i := range bare {
		if out[i].Rules, err = c.policyRules(ctx, out[i].PolicyID); err != nil {
			return nil, withHint(err, policyPermissionHint)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].RoleID.Compare(out[j].RoleID) < 0 })
	return out, nil
}

// policyRules reads one policy with its rules.
func (c *Client) policyRules(ctx context.Context, policyID string) (map[string]json.RawMessage, error) {
	op := "read roleManagementPolicy " + policyID
	u, err := url.Parse(c.base.String() + "/v1.0/policies/roleManagementPolicies/" + url.PathEscape(policyID) + "?$expand=rules")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var body []byte
	err = c.read(ctx, op, func(ctx context.Context) (err error) {
		body, err = c.getRaw(ctx, u)
		return err
	})
	if err != nil {
		return nil, err
	}
	var p struct {
		Rules []json.RawMessage `json:"rules"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Rules == nil {
		return nil, fmt.Errorf("%s: the answer has no rules", op)
	}
	rules, err := rulesByID(p.Rules)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return rules, nil
}

// rulesByID keys rules by their id, keeping each rule's JSON as it is.
func rulesByID(rules []json.RawMessage) (map[string]json.RawMessage, error) {
	m := make(map[string]json.RawMessage, len(rules))
	for i, r := range rules {
		var h struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(r, &h); err != nil || h.ID == "" {
			return nil, fmt.Errorf("rule %d has no id", i+1)
		}
		if _, dup := m[h.ID]; dup {
			return nil, fmt.Errorf("rule %s appears twice", h.ID)
		}
		m[h.ID] = r
	}
	return m, nil
}

// ruleRequest is a GET or PATCH of one rule of a policy; a PATCH sends body,
// the rule's whole JSON, as it is.
func ruleRequest(method abs.HttpMethod, policyID, ruleID string, body json.RawMessage) (*abs.RequestInformation, error) {
	if policyID == "" || ruleID == "" {
		return nil, errors.New("a rule needs a policy id and a rule id")
	}
	ri := abs.NewRequestInformationWithMethodAndUrlTemplateAndPathParameters(method,
		"{+baseurl}/policies/roleManagementPolicies/{policyId}/rules/{ruleId}", map[string]string{"policyId": policyID, "ruleId": ruleID})
	ri.Headers.TryAdd("Accept", "application/json")
	if method != abs.PATCH {
		return ri, nil
	}
	var h struct {
		ID *string `json:"id"`
	}
	if b := bytes.TrimSpace(body); len(b) == 0 || b[0] != '{' || json.Unmarshal(b, &h) != nil {
		return nil, errors.New("the rule body is not a JSON object")
	}
	if h.ID == nil || *h.ID != ruleID {
		return nil, fmt.Errorf("the rule body's id is not %q", ruleID)
	}
	ri.Content = body
	ri.Headers.TryAdd("Content-Type", "application/json")
	return ri, nil
}

// withoutMember returns a JSON object without its member name (the
// @odata.context of a single entity), the other members as they were.
func withoutMember(raw json.RawMessage, name string) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("not an object")
	}
	var out bytes.Buffer
	out.WriteByte('{')
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if key == name {
			continue
		}
		if out.Len() > 1 {
			out.WriteByte(',')
		}
		k, _ := json.Marshal(key)
		out.Write(k)
		out.WriteByte(':')
		out.Write(v)
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}
