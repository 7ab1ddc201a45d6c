// Package migrate is the pure core of pimmigrate: the legacy PIM model, id
// parsing, state classification, the mapping policy, the planner and the plan
// file.
//
// Nothing here talks to the network, reads a terminal or asks the clock: the
// caller passes the time (asOf, createdAt) and the tenant's state as values,
// so the same input always gives the same, stably sorted output.
//
// The flow through this package is
//
//	snapshot records -> Builder -> Legacy (legacy.json)
//	Legacy + Tenant + Policy -> BuildPlan -> Plan (plan.json)
//
// Each step streams, so a million assignments take a few hundred bytes
// each: Builder and ReadLegacyFileCompact hold assignments in compact rows,
// BuildPlanFile writes plan.json an item at a time as it plans, and
// ScanPlan reads it back an item at a time.
package migrate
