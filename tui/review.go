package tui

import "github.com/pimmigrate/pimmigrate/migrate"

// review is where a create item stands in review. Item.Approved holds it in
// the plan: nil is unreviewed, true approved, false declined.
type review int8

const (
	notCreate review = iota // present and skipped items are never reviewed
	unreviewed
	approved
	declined
)

func reviewOf(it *migrate.Item) review {
	switch {
	case !it.Changes():
		return notCreate
	case it.Approved == nil:
		return unreviewed
	case *it.Approved:
		return approved
	}
	return declined
}

// next is what space makes of a review: the first press approves, then it
// switches between approved and declined.
func (r review) next() review {
	if r == approved {
		return declined
	}
	return approved
}

// counts are the header's live numbers.
type counts struct {
	create, update, present, skip, warnings int
	approved, declined                      int
}

func countItems(items []migrate.Item) counts {
	var c counts
	for i := range items {
		it := &items[i]
		switch it.Action {
		case migrate.ActionCreate:
			c.create++
		case migrate.ActionUpdate:
			c.update++
		case migrate.ActionPresent:
			c.present++
		default:
			c.skip++
		}
		if len(it.Warnings) > 0 {
			c.warnings++
		}
		c.add(reviewOf(it), 1)
	}
	return c
}

func (c *counts) add(r review, n int) {
	switch r {
	case approved:
		c.approved += n
	case declined:
		c.declined += n
	}
}

func (c counts) unreviewed() int { return c.create + c.update - c.approved - c.declined }

// reviews records every item's review as last saved, to tell what changed.
func reviews(items []migrate.Item) []review {
	r := make([]review, len(items))
	for i := range items {
		r[i] = reviewOf(&items[i])
	}
	return r
}
