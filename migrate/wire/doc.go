// Package wire is what the apply engine and the Graph boundary say to each
// other, as plain data: the writes apply and rollback make (Op), Graph's
// answer to each (Result), the reads that look objects back up (Probe,
// Sighting), a failed call (Error), and the back-off between tries. It
// depends on nothing but the standard library and migrate, so the engine
// (migrate/apply) does not link the Graph SDK: migrate/graph implements
// the engine's interface in these terms, and only cmd wires the two.
package wire
