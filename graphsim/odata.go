package graphsim

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// Page sizes: Graph's directory default and maximum.
const (
	defaultPageSize = 100
	maxPageSize     = 999
)

// fieldKind is how a filterable property compares.
type fieldKind uint8

const (
	fString fieldKind = iota // case-insensitive string (also GUIDs: same text, any case)
	fRole                    // a role id: template and directory-specific id are equal
	fBool
	fNullable // only "eq null" / "ne null"
)

// field is a property a list accepts in $filter, and the operators it takes.
type field struct {
	name string
	kind fieldKind
	ops  string // space-separated: "eq ne in"
}

// fields builds a filter table; ops default to "eq in".
func fields(fs ...field) map[string]field {
	m := make(map[string]field, len(fs))
	for _, f := range fs {
		if f.ops == "" {
			f.ops = "eq in"
		}
		m[strings.ToLower(f.name)] = f
	}
	return m
}

// literal is a value in a filter: a quoted string, true/false or null.
type literal struct {
	null bool
	str  string
	b    *bool
}

type cond struct {
	f    field
	op   string
	vals []literal
}

// listQuery is a list call's $filter, $top, $skiptoken, $select, $expand.
type listQuery struct {
	conds  []cond
	top    int
	after  uint64
	sel    map[string]bool
	expand map[string]bool
}

// filterError is a $filter problem. Graph answers one with 400 BadRequest
// and the message "Invalid filter clause"; graphsim adds what is wrong.
type filterError struct{ detail string }

func (e *filterError) Error() string { return "invalid filter clause: " + e.detail }

// message is the error message of the answer.
func (e *filterError) message() string { return "Invalid filter clause: " + e.detail }

func badFilter(format string, args ...any) error {
	return &filterError{fmt.Sprintf(format, args...)}
}

// parseList reads the query options of a list call. filterable lists the
// properties $filter may use (nil: none).
func (c *call) parseList(filterable map[string]field) (*listQuery, *response) {
	q := &listQuery{top: defaultPageSize}
	if f, ok := c.q("filter"); ok && strings.TrimSpace(f) != "" {
		conds, err := parseFilter(f, filterable)
		if err != nil {
			msg := err.Error()
			if fe, ok := err.(*filterError); ok {
				msg = fe.message()
			}
			return nil, c.fail(http.StatusBadRequest, "BadRequest", msg)
		}
		q.conds = conds
	}
	if t, ok := c.q("top"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(t))
		if err != nil || n < 1 || n > maxPageSize {
			return nil, c.fail(http.StatusBadRequest, "BadRequest",
				fmt.Sprintf("Invalid page size specified: '%s'. Must be between 1 and %d inclusive.", t, maxPageSize))
		}
		q.top = n
	}
	if t, ok := c.q("skiptoken"); ok {
		seq, ok := parseSkipToken(t)
		if !ok {
			return nil, c.fail(http.StatusBadRequest, "BadRequest", "Invalid $skiptoken: '"+t+"'.")
		}
		q.after = seq
	}
	q.sel = c.selected()
	q.expand = c.expanded()
	return q, nil
}

// selected is the lower-cased $select set, nil when absent.
func (c *call) selected() map[string]bool {
	s, ok := c.q("select")
	if !ok || strings.TrimSpace(s) == "" {
		return nil
	}
	m := map[string]bool{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			m[strings.ToLower(p)] = true
		}
	}
	return m
}

// expanded is the lower-cased $expand set (nested options left out: see
// expandOptions).
func (c *call) expanded() map[string]bool {
	s, ok := c.q("expand")
	if !ok {
		return nil
	}
	m := map[string]bool{}
	for name := range parseExpand(s) {
		m[name] = true
	}
	return m
}

// expandOptions is $expand as navigation property (lower case) -> the
// options nested in its parentheses ("$expand=rules" of
// "policy($expand=rules)"), "" when none.
func (c *call) expandOptions() map[string]string {
	s, _ := c.q("expand")
	return parseExpand(s)
}

// parseExpand reads an $expand value: comma-separated properties, each with
// optional nested options in parentheses.
func parseExpand(s string) map[string]string {
	m := map[string]string{}
	depth := 0
	var name, inner strings.Builder
	flush := func() {
		if p := strings.TrimSpace(name.String()); p != "" {
			m[strings.ToLower(p)] = strings.TrimSpace(inner.String())
		}
		name.Reset()
		inner.Reset()
	}
	for _, r := range s {
		switch {
		case r == '(':
			if depth > 0 {
				inner.WriteRune(r)
			}
			depth++
		case r == ')':
			if depth--; depth > 0 {
				inner.WriteRune(r)
			}
		case depth > 0:
			inner.WriteRune(r)
		case r == ',':
			flush()
		default:
			name.WriteRune(r)
		}
	}
	flush()
	return m
}

// nestedExpand reads the $expand of nested options such as
// "$select=id;$expand=rules": the set of properties it expands.
func nestedExpand(options string) map[string]bool {
	m := map[string]bool{}
	for _, opt := range strings.Split(options, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(opt), "=")
		if !ok || !strings.EqualFold(strings.TrimPrefix(k, "$"), "expand") {
			continue
		}
		for name := range parseExpand(v) {
			m[name] = true
		}
	}
	return m
}

func skipToken(seq uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("graphsim:" + strconv.FormatUint(seq, 10)))
}

func parseSkipToken(t string) (uint64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil {
		return 0, false
	}
	s, ok := strings.CutPrefix(string(b), "graphsim:")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

// match reports whether obj passes every condition.
func (q *listQuery) match(obj map[string]any, roles *roleIndex) bool {
	for _, cd := range q.conds {
		v := obj[cd.f.name]
		hit := false
		for _, l := range cd.vals {
			if equalValue(cd.f.kind, v, l, roles) {
				hit = true
				break
			}
		}
		if cd.op == "ne" {
			hit = !hit
		}
		if !hit {
			return false
		}
	}
	return true
}

func equalValue(kind fieldKind, v any, l literal, roles *roleIndex) bool {
	if l.null {
		return v == nil
	}
	switch kind {
	case fBool:
		b, ok := v.(bool)
		return ok && l.b != nil && b == *l.b
	case fRole:
		s, ok := v.(string)
		if !ok {
			return false
		}
		a, err1 := migrate.ParseGUID(s)
		b, err2 := migrate.ParseGUID(l.str)
		if err1 == nil && err2 == nil {
			return roles.canonical(a) == roles.canonical(b)
		}
		return strings.EqualFold(s, l.str)
	default:
		s, ok := v.(string)
		return ok && strings.EqualFold(s, l.str)
	}
}

// pager collects one page of a list, in seq order, keyed on seq so that
// paging returns every record once even while the list changes.
type pager struct {
	c     *call
	q     *listQuery
	roles *roleIndex
	out   []map[string]any
	last  uint64
	more  bool
	// shape, when set, rewrites each record of the answer.
	shape func(map[string]any) map[string]any
}

func (c *call) pager(q *listQuery, roles *roleIndex) *pager {
	return &pager{c: c, q: q, roles: roles}
}

// offer considers one record; it returns false once the page is full.
// build may return nil to leave the record out.
func (p *pager) offer(seq uint64, created time.Time, build func() map[string]any) bool {
	if seq <= p.q.after || !p.c.visible(created) {
		return true
	}
	m := build()
	if m == nil || !p.q.match(m, p.roles) {
		return true
	}
	if len(p.out) == p.q.top {
		p.more = true
		return false
	}
	p.out = append(p.out, m)
	p.last = seq
	return true
}

// respond answers the page: @odata.context, value (with $select applied)
// and @odata.nextLink when there is more.
func (p *pager) respond(fragment string) *response {
	value := make([]map[string]any, len(p.out))
	for i, m := range p.out {
		if p.shape != nil {
			m = p.shape(m)
		}
		value[i] = project(m, p.q.sel, p.q.expand)
	}
	body := map[string]any{"@odata.context": p.c.context(fragment), "value": value}
	if p.more {
		body["@odata.nextLink"] = p.c.nextLink(skipToken(p.last))
	}
	return p.c.ok(body)
}

// project applies $select: the selected properties plus id, @odata.type
// and expanded navigation properties.
func project(m map[string]any, sel, expand map[string]bool) map[string]any {
	if sel == nil {
		return m
	}
	out := make(map[string]any, len(sel)+2)
	for k, v := range m {
		lk := strings.ToLower(k)
		if sel[lk] || lk == "id" || lk == "@odata.type" || expand[lk] {
			out[k] = v
		}
	}
	return out
}

// nextLink is this call's own absolute URL (its scheme and Host, never
// graph.microsoft.com) with the same query options and a new $skiptoken.
func (c *call) nextLink(token string) string {
	keys := make([]string, 0, len(c.query))
	for k := range c.query {
		if lk := strings.ToLower(k); lk != "$skiptoken" && lk != "skiptoken" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(c.base)
	b.WriteString(escapePath(c.path))
	sep := byte('?')
	for _, k := range keys {
		for _, v := range c.query[k] {
			b.WriteByte(sep)
			sep = '&'
			b.WriteString(queryEscape(k))
			b.WriteByte('=')
			b.WriteString(queryEscape(v))
		}
	}
	b.WriteByte(sep)
	b.WriteString("$skiptoken=")
	b.WriteString(token)
	return b.String()
}

func queryEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(url.QueryEscape(s), "+", "%20"), "%24", "$")
}

func escapePath(p string) string {
	return strings.ReplaceAll((&url.URL{Path: p}).EscapedPath(), "%24", "$")
}

// ---- $filter ----------------------------------------------------------

type tokKind uint8

const (
	tIdent tokKind = iota
	tString
	tLParen
	tRParen
	tComma
	tEnd // after the last token
)

type token struct {
	kind tokKind
	text string
}

func lexFilter(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		ch := s[i]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
			i++
		case ch == '(':
			toks = append(toks, token{tLParen, "("})
			i++
		case ch == ')':
			toks = append(toks, token{tRParen, ")"})
			i++
		case ch == ',':
			toks = append(toks, token{tComma, ","})
			i++
		case ch == '\'':
			var b strings.Builder
			i++
			closed := false
			for i < len(s) {
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				b.WriteByte(s[i])
				i++
			}
			if !closed {
				return nil, badFilter("unterminated string literal")
			}
			toks = append(toks, token{tString, b.String()})
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\r\n(),'", rune(s[j])) {
				j++
			}
			toks = append(toks, token{tIdent, s[i:j]})
			i = j
		}
	}
	return toks, nil
}

// parseFilter reads "prop op value [and prop op value ...]" where op is eq,
// ne or in (a parenthesised list). Anything else, or a property or operator
// the list does not support, is a filterError.
func parseFilter(s string, filterable map[string]field) ([]cond, error) {
	toks, err := lexFilter(s)
	if err != nil {
		return nil, err
	}
	toks = append(toks, token{kind: tEnd})
	var conds []cond
	i := 0
	for {
		if toks[i].kind != tIdent {
			return nil, badFilter("expected a property name in %q", s)
		}
		f, ok := filterable[strings.ToLower(toks[i].text)]
		if !ok {
			return nil, badFilter("filtering on property '%s' is not supported", toks[i].text)
		}
		op := strings.ToLower(toks[i+1].text)
		if toks[i+1].kind != tIdent || !strings.Contains(" "+f.ops+" ", " "+op+" ") {
			return nil, badFilter("operator '%s' is not supported on property '%s'", toks[i+1].text, f.name)
		}
		i += 2
		cd := cond{f: f, op: op}
		if op == "in" {
			if toks[i].kind != tLParen {
				return nil, badFilter("'in' needs a parenthesised list")
			}
			i++
			for {
				l, err := literalFor(f, toks[i], op)
				if err != nil {
					return nil, err
				}
				cd.vals = append(cd.vals, l)
				i++
				if toks[i].kind == tRParen {
					i++
					break
				}
				if toks[i].kind != tComma {
					return nil, badFilter("expected ',' or ')' in the list")
				}
				i++
			}
		} else {
			l, err := literalFor(f, toks[i], op)
			if err != nil {
				return nil, err
			}
			cd.vals = []literal{l}
			i++
		}
		conds = append(conds, cd)
		if toks[i].kind == tEnd {
			return conds, nil
		}
		if toks[i].kind != tIdent || !strings.EqualFold(toks[i].text, "and") {
			return nil, badFilter("only 'and' may join clauses")
		}
		i++
	}
}

func literalFor(f field, t token, op string) (literal, error) {
	bad := badFilter("value %q does not suit property '%s'", t.text, f.name)
	if t.kind == tIdent && t.text == "null" {
		if op == "in" {
			return literal{}, bad
		}
		return literal{null: true}, nil
	}
	switch f.kind {
	case fNullable:
		return literal{}, badFilter("property '%s' can only be compared with null", f.name)
	case fBool:
		if t.kind == tIdent && (t.text == "true" || t.text == "false") {
			b := t.text == "true"
			return literal{b: &b}, nil
		}
		return literal{}, bad
	default:
		if t.kind != tString {
			return literal{}, bad
		}
		return literal{str: t.text}, nil
	}
}
