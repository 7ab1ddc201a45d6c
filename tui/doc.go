// Package tui is the Bubble Tea program of `pimmigrate review`: a reviewer
// reads a plan's items, opens any one to see its legacy record next to the
// exact request apply will send, approves or declines the create items, and
// saves the approvals back into plan.json.
//
// Run runs the program and returns a Result; New builds the Model alone, for
// tests and benchmarks. The plan is passed in and lives outside the model:
// the model holds view state (cursor, filter, search, mode) and an index of
// the plan built once when it opens, and it changes nothing in the plan but
// Item.Approved. Saving is a command (migrate.WritePlanFile, atomic, which
// re-seals the plan's digest).
//
// Only a window of rows is rendered, and filtering and searching work on
// index slices over precomputed lower-case strings, so a 100,000-item plan
// opens in milliseconds and every keypress renders in well under a frame
// (see BenchmarkKeypress).
package tui
