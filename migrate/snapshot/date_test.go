package snapshot

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // RFC 3339, UTC
		problem  dateProblem
	}{
		{"Graph, 7 fractional digits", "2026-11-20T08:00:00.0000000Z", "2026-11-20T08:00:00Z", dateOK},
		{"fraction kept", "2026-11-20T08:00:00.1234567Z", "2026-11-20T08:00:00.1234567Z", dateOK},
		{"offset", "2026-11-20T09:30:00+01:30", "2026-11-20T08:00:00Z", dateOK},
		{"no zone is UTC", "2026-11-20T08:00:00", "2026-11-20T08:00:00Z", dateOK},
		{"no zone, fraction", "2026-11-20T08:00:00.5", "2026-11-20T08:00:00.5Z", dateOK},
		{"spaces around", "  2026-11-20T08:00:00Z ", "2026-11-20T08:00:00Z", dateOK},
		{"en-US AM", "11/20/2026 8:00:00 AM", "2026-11-20T08:00:00Z", dateOK},
		{"en-US PM", "11/20/2026 8:00:00 PM", "2026-11-20T20:00:00Z", dateOK},
		{"en-US 12 AM is midnight", "1/2/2026 12:00:00 AM", "2026-01-02T00:00:00Z", dateOK},
		{"en-US 12 PM is noon", "1/2/2026 12:30:00 PM", "2026-01-02T12:30:00Z", dateOK},
		{"en-US 11:59:59 PM", "12/31/2026 11:59:59 PM", "2026-12-31T23:59:59Z", dateOK},
		{"en-US lower-case pm", "12/31/2026 1:05:09 pm", "2026-12-31T13:05:09Z", dateOK},
		{"German", "20.11.2026 08:00:00", "2026-11-20T08:00:00Z", dateOK},
		{"German, one-digit day and hour", "1.2.2026 8:00:00", "2026-02-01T08:00:00Z", dateOK},
		{"ConvertTo-Json", "/Date(1795161600000)/", "2026-11-20T08:00:00Z", dateOK},
		{"ConvertTo-Json with offset", "/Date(1795161600000+0100)/", "2026-11-20T08:00:00Z", dateOK},
		{"en-GB, ambiguous", "20/11/2026 08:00:00", "", dateAmbiguous},
		{"en-US 24h, ambiguous", "11/20/2026 20:00:00", "", dateAmbiguous},
		{"both readings valid, ambiguous", "01/02/2026 08:00:00", "", dateAmbiguous},
		{"13 PM", "11/20/2026 13:00:00 PM", "", dateMalformed},
		{"0 AM", "11/20/2026 0:00:00 AM", "", dateMalformed},
		{"month 13 both ways", "13/13/2026 08:00:00", "", dateMalformed},
		{"February 30", "2/30/2026 8:00:00 AM", "", dateMalformed},
		{"German February 30", "30.02.2026 08:00:00", "", dateMalformed},
		{"German hour 24", "20.11.2026 24:00:00", "", dateMalformed},
		{"date only", "2026-11-20", "", dateMalformed},
		{"slash date only", "11/20/2026", "", dateMalformed},
		{"words", "next tuesday", "", dateMalformed},
		{"empty", "", "", dateMalformed},
		{"three-digit year", "11/20/202 8:00:00 AM", "", dateMalformed},
		{"bad /Date", "/Date(abc)/", "", dateMalformed},
		{"MinValue ISO", "0001-01-01T00:00:00Z", "", dateMinValue},
		{"MinValue en-US", "1/1/0001 12:00:00 AM", "", dateMinValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, p := parseDate(tt.in)
			if p != tt.problem {
				t.Fatalf("parseDate(%q) problem %d, want %d", tt.in, p, tt.problem)
			}
			if p != dateOK {
				return
			}
			want, _ := time.Parse(time.RFC3339Nano, tt.want)
			if !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("parseDate(%q) = %v, want %v UTC", tt.in, got, want)
			}
		})
	}
}
