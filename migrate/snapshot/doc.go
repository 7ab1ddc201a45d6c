// Package snapshot reads saved legacy PIM snapshots — every format an admin
// is likely to hold — and streams their records into a migrate.Builder.
//
// The format is detected from the content, never the file name:
//
//   - a Graph collection page, {"@odata.context":..., "value":[...],
//     "@odata.nextLink":...}, keys in any order; its nextLink is recorded,
//     never followed (one file is one page);
//   - a bare JSON array of records;
//   - JSON Lines, one record object a line (a file holding one object is
//     JSON Lines with one record);
//   - CSV with the privilegedRoleAssignment columns (iteration 1), or the
//     governanceRoleAssignment columns as Windows PowerShell's Export-Csv
//     writes them (iteration 2): "#TYPE" line, quoted PascalCase headers,
//     CRLF, culture dates such as "11/20/2026 8:00:00 AM".
//
// Each JSON container may hold iteration-1 privilegedRoleAssignment or
// iteration-2 governanceRoleAssignment objects, and role settings:
// iteration-1 privilegedRoleSettings (alone, or as the expanded settings of
// a privilegedRole, which is what a page of GET
// /beta/privilegedRoles?$expand=settings holds; a privilegedRole whose
// settings are null holds no record) and iteration-2 governanceRoleSetting,
// whose rule settings are JSON strings (an object is taken too). Settings
// go to Builder.AddSettings; an unknown rule identifier is kept. A file may
// hold settings only, or mix them with assignments. Files may start with a UTF-8
// byte-order mark, or be UTF-16 with one (Windows PowerShell's Out-File).
// JSON is decoded element by element, so a file of a million records is
// never held in memory.
//
// A page such as
//
//	{"@odata.context":"https://graph.microsoft.com/beta/$metadata#privilegedRoleAssignments",
//	 "value":[
//	  {"id":"1f0e…01_62e90394-…","userId":"1f0e…01","roleId":"62e90394-…",
//	   "isElevated":false,"expirationDateTime":null},
//	  {"userId":"1f0e…02","roleId":"62e90394-…","isElevated":"yes"}],
//	 "@odata.nextLink":"https://graph.microsoft.com/beta/privilegedRoleAssignments?$skiptoken=2"}
//
// read with ReadFile("page1.json", b) gives Info{Kind: "iteration1-graph-page",
// Records: 2, NextLink: "…$skiptoken=2"}, and in legacy.json
//
//	"sources":     [{"kind":"iteration1-graph-page","path":"page1.json","sha256":"…","records":2,"nextLink":"…"}]
//	"assignments": [{"id":"1f0e…01_62e90394-…","userId":"1f0e…01","roleId":"62e90394-…",
//	                 "principalType":"user","isElevated":false,"expirationDateTime":null,
//	                 "state":"eligible","origin":"iteration1","source":"page1.json#1"}]
//	"rejected":    [{"source":"page1.json#2","reason":"wrong-type",
//	                 "detail":"isElevated is a JSON string, want true or false; fix the value"}]
//
// Every record ends up in exactly one place: added, or rejected with a
// reason (migrate.Reject*) and a detail saying what to fix. Positions are
// "file#N" (N-th record of a JSON document) or "file:L" (physical line of
// JSON Lines and CSV; the CSV header counts). A file that is not a snapshot
// at all — empty, binary, an HTML page, broken or truncated JSON, a CSV
// without snapshot columns, with a ragged row or a cut-off last row — or
// that goes past a limit (MaxRecordSize, MaxRejected) is a *FormatError
// naming the byte offset or line and what to do.
package snapshot
