package graphsim

// listEntries answers a list of stored entries, the one way every list of
// graphsim is answered: the query parsed against filter (and, when check
// is given, checked by it), the entries paged on their seq, each hidden
// until the consistency lag has passed, rendered by build (nil leaves an
// entry out: ended, or not kept). Call without the lock.
func listEntries[T any](c *call, filter map[string]field, check func(*listQuery) *response, fragment string,
	entries func(*state) []*entry[T], build func(st *state, q *listQuery, e *entry[T]) map[string]any) *response {
	q, bad := c.parseList(filter)
	if bad != nil {
		return bad
	}
	if check != nil {
		if bad := check(q); bad != nil {
			return bad
		}
	}
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	st := c.s.st
	p := c.pager(q, st.roles)
	for _, e := range entries(st) {
		if !p.offer(e.seq, e.created, func() map[string]any { return build(st, q, e) }) {
			break
		}
	}
	return p.respond(fragment)
}
