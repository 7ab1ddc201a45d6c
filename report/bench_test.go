package report

import (
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/fixtures/scale"
	"github.com/pimmigrate/pimmigrate/migrate"
)

// benchSheet is n rows shaped like the Assignments sheet: 24 columns of
// text, numbers and dates, an outcome tone, now and then a hostile name.
// Rows are made as they are written, in one reused slice.
func benchSheet(n int) Sheet {
	cols := make([]Column, len(assignmentColumns))
	copy(cols, assignmentColumns)
	cols[0] = Column{Header: "Index"}
	cols[1] = Column{Header: "Principal"}
	tones := []Tone{ToneGood, ToneInfo, ToneWarn, ToneBad, TonePlain}
	labels := []string{LabelCreated, LabelExists, LabelSkipped, LabelFailed, LabelWouldCreate}
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	return Sheet{Name: "Rows", Columns: cols, AutoFilter: true, Rows: func(yield func([]Cell) bool) {
		row := make([]Cell, len(cols))
		for i := range n {
			name := fmt.Sprintf("user %d", i)
			if i%1000 == 7 {
				name = "=HYPERLINK(\"http://x\",\"y\")"
			}
			row = append(row[:0],
				Int(i), Text(name), Text(fmt.Sprintf("user%d@contoso.example", i)), Text("user"), Text("yes"),
				Text("Security Administrator"), Text("194ae4cb-b126-40b2-bd5b-6091b380977d"), Text("eligible"), Date(at.Add(time.Duration(i)*time.Minute)),
				Text(fmt.Sprintf("page.json#%d", i)), Text("roleEligibilityScheduleRequest"), Text("/"), Text("create"), Text("eligible"), Text(""),
				Text(labels[i%5]).WithTone(tones[i%5]), Text("8b7a1a36-8c1f-4c55-9bd5-000000000001"), Text("8b7a1a36-8c1f-4c55-9bd5-000000000002"),
				Int(201), Text(""), Text(""), Int(1), Text("0f6a4e5c-1c55-4bb8-9bd5-000000000003"), Date(at),
			)
			if !yield(row) {
				return
			}
		}
	}}
}

// peakHeap samples the heap in use while rows are made, every `every`
// rows, and keeps the highest.
type peakHeap struct {
	every int
	peak  uint64
	ms    runtime.MemStats
}

func (p *peakHeap) sample() {
	runtime.ReadMemStats(&p.ms)
	p.peak = max(p.peak, p.ms.HeapInuse)
}

func (p *peakHeap) wrap(s Sheet) Sheet {
	rows := s.Rows
	s.Rows = func(yield func([]Cell) bool) {
		i := 0
		for r := range rows {
			if i++; i%p.every == 0 {
				p.sample()
			}
			if !yield(r) {
				return
			}
		}
	}
	return s
}

// BenchmarkWriteXLSX writes 10,000 and 100,000 Assignments-shaped rows and
// reports rows/s, the peak heap in use while writing and the bytes
// allocated per row. The peak stays flat from 10k to 100k rows: the stream
// writer spills to a temporary file and the zip goes straight to the
// writer.
//
//	go test ./report -run '^$' -bench WriteXLSX -benchtime 3x
func BenchmarkWriteXLSX(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			var size countingWriter
			var before runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			p := &peakHeap{every: 2000}
			p.sample()
			b.ResetTimer()
			for b.Loop() {
				size = 0
				if err := WriteXLSX(&size, Workbook{Sheets: []Sheet{p.wrap(benchSheet(n))}}); err != nil {
					b.Fatal(err)
				}
				p.sample()
			}
			b.StopTimer()
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			rows := float64(n) * float64(b.N)
			b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(p.peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/rows, "alloc-B/row")
			b.ReportMetric(float64(size)/float64(n), "file-B/row")
		})
	}
}

// BenchmarkWriteCSV is BenchmarkWriteXLSX's 100,000 rows as CSV.
func BenchmarkWriteCSV(b *testing.B) {
	const n = 100_000
	for b.Loop() {
		if err := WriteCSV(io.Discard, benchSheet(n), true); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

type countingWriter int64

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

// BenchmarkReportPlanFile is `pimmigrate report --plan plan.json` with
// --csv or --xlsx on a plan of n items made against the tenant (names
// filled in): verify the plan, count outcomes, write the file, reading the
// items from plan.json for each pass.
//
//	go test ./report -run '^$' -bench ReportPlanFile -benchtime 1x
func BenchmarkReportPlanFile(b *testing.B) {
	for _, n := range scale.Sizes {
		dir := b.TempDir()
		path := filepath.Join(dir, "plan.json")
		if err := scale.WritePlanFile(path, n); err != nil {
			b.Fatal(err)
		}
		for _, format := range []string{"csv", "xlsx"} {
			b.Run(fmt.Sprintf("%s/items=%d", format, n), func(b *testing.B) {
				out := filepath.Join(dir, "report."+format)
				scale.Measure(b, n, out, func() {
					p, err := migrate.ScanPlanFile(path, func(*migrate.Item) error { return nil })
					if err != nil {
						b.Fatal(err)
					}
					in := MigrationInput{Plan: p, Items: PlanFileItems(path, p.Digest), PlanFile: path, MadeAt: scale.AsOf}
					if _, err := OutcomeCounts(in, migrate.KindAssignment); err != nil {
						b.Fatal(err)
					}
					err = migrate.WriteFileAtomic(out, func(w io.Writer) error {
						if format == "csv" {
							return WriteCSV(w, Assignments(in), false)
						}
						return WriteXLSX(w, Migration(in))
					})
					if err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
}
