// Package report writes spreadsheets for people: XLSX through excelize's
// StreamWriter, and RFC 4180 CSV, over one neutral row model.
//
// A Workbook is a list of Sheets; a Sheet has Columns (header and width) and
// Rows, an iterator of []Cell that is ranged once per writer, so a sheet of
// any length is written in bounded memory. A Cell is text, an integer or a
// date (a time.Time, written in UTC as a real date cell), with a Tone that
// colours it by what it means:
//
//	wb := report.Workbook{Sheets: []report.Sheet{{
//		Name:       "Findings",
//		Columns:    []report.Column{{Header: "Principal"}, {Header: "Severity"}, {Header: "Seen (UTC)"}},
//		AutoFilter: true,
//		Rows: report.RowsOf([][]report.Cell{
//			{report.Text("alice@contoso.example"), report.Text("high").WithTone(report.ToneBad), report.Date(seen)},
//		}),
//	}}}
//	err := report.WriteXLSX(w, wb)   // every sheet, header frozen and filtered
//	err = report.WriteCSV(w, wb.Sheets[0], true) // one sheet, with a UTF-8 BOM
//
// Text is never evaluated as a formula: text cells are strings in the XLSX,
// and text that could start one — = + - @ | or their fullwidth forms, also
// after leading white space, or a tab or carriage return — gets Excel's
// quote-prefix style there and a leading apostrophe in CSV (OWASP's advice
// on CSV injection). Display names come from the tenant and are
// attacker-controlled.
//
// Migration builds the workbook of a migration report from a plan and, when
// given, what an apply journal says of each item (Outcome, filled by the
// caller: this package does not import migrate/apply). A plan of any size is
// reported holding one item at a time: PlanFileItems reads its items from
// plan.json anew for each pass, and a Sheet's Err fails the write when they
// could not be read to the end.
package report
