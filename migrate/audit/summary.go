package audit

import (
	"fmt"
	"strings"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// Counts are findings by severity.
type Counts struct {
	High   int `json:"high"`
	Medium int `json:"medium"`
	Low    int `json:"low"`
	Info   int `json:"info"`
}

// Of returns the count of one severity.
func (c Counts) Of(s Severity) int {
	switch s {
	case High:
		return c.High
	case Medium:
		return c.Medium
	case Low:
		return c.Low
	}
	return c.Info
}

// Summary counts the findings.
type Summary struct {
	Findings   int    `json:"findings"`
	BySeverity Counts `json:"bySeverity"`
	// ByCheck has every check id, zero counts included.
	ByCheck map[string]int `json:"byCheck"`
}

func summarize(fs []Finding) Summary {
	s := Summary{Findings: len(fs), ByCheck: map[string]int{}}
	for _, c := range Checks() {
		s.ByCheck[c.ID] = 0
	}
	for _, f := range fs {
		s.ByCheck[f.Check]++
		switch f.Severity {
		case High:
			s.BySeverity.High++
		case Medium:
			s.BySeverity.Medium++
		case Low:
			s.BySeverity.Low++
		default:
			s.BySeverity.Info++
		}
	}
	return s
}

// AtOrAbove counts the findings of severity s or higher.
func (s Summary) AtOrAbove(sev Severity) int {
	n := 0
	for v := sev; v <= High; v++ {
		n += s.BySeverity.Of(v)
	}
	return n
}

// Line is the one-line summary:
//
//	Audit: 12 findings (3 high, 5 medium, 2 low, 2 info).
func (s Summary) Line() string {
	c := s.BySeverity
	return fmt.Sprintf("Audit: %s (%d high, %d medium, %d low, %d info).", migrate.Plural(s.Findings, "finding", "findings"), c.High, c.Medium, c.Low, c.Info)
}

// Text is the summary line followed by every check with its severity and
// count, as audit prints it.
func (s Summary) Text() string {
	var b strings.Builder
	b.WriteString(s.Line())
	b.WriteByte('\n')
	checks := Checks()
	w := 0
	for _, c := range checks {
		w = max(w, len(c.ID))
	}
	for _, c := range checks {
		fmt.Fprintf(&b, "  %-6s  %-*s %5d  %s\n", c.Severity, w, c.ID, s.ByCheck[c.ID], c.Title)
	}
	return b.String()
}
