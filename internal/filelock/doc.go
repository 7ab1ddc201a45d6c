// Package filelock keeps two pimmigrate processes from working on one file
// at once: apply and rollback on a journal, plan and review on a plan.
//
// A lock is an exclusive operating-system lock (flock on Unix, LockFileEx
// on Windows) on a small companion file next to the one it guards, named
// ".NAME.lock": a plan is replaced by rename when it is written, so the
// lock cannot be on the plan itself. The operating system drops the lock
// when the process ends, however it ends (SIGKILL included), so a stale
// lock never blocks the next run. The companion file holds a line naming
// the holder (command, process id, host, start time) for the message the
// next process gets; it is left in place, since removing it would let two
// processes lock two different files of the same name.
package filelock
