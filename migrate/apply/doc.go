// Package apply sends an approved plan to the tenant and can take it back.
//
// Writes go out as JSON batches (up to 20 requests) from a few workers that
// share one rate limiter: when Graph throttles any of them, all of them back
// off for the Retry-After Graph gave (fractional seconds honoured), the rate
// drops to what the tenant accepted, and then ramps up gently. Items failing
// inside a batch are retried on their own terms (429, 503, 504, a transient
// 404); permanent errors are recorded once.
//
// Every write is journaled (journal.go): an intent line, durable before the
// request leaves, and an outcome line after. Killed at any instant, the next
// run with the same plan and journal skips what has an outcome and
// reconciles what has only an intent against the tenant before sending it
// again, so nothing is lost or created twice. Rollback reads the same
// journal and removes what the run created.
//
// The package talks to Graph only through the small interfaces in
// engine.go, which migrate/graph implements; it prints nothing and reports
// progress through a callback.
package apply
