package snapshot

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/fixtures/scale"
	"github.com/pimmigrate/pimmigrate/migrate"
)

// BenchmarkExport measures export of one iteration-1 Graph page of n
// records: ReadFile into a new Builder (detect, hash, stream, check, fold)
// and WriteLegacy to a file.
//
//	go test -run='^$' -bench=BenchmarkExport -benchtime=1x -count=3 ./migrate/snapshot
func BenchmarkExport(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run("records="+strconv.Itoa(n), func(b *testing.B) {
			dir := b.TempDir()
			in := filepath.Join(dir, "privilegedRoleAssignments.json")
			size := writeBenchPage(b, in, n)
			out := filepath.Join(dir, "legacy.json")
			b.ReportAllocs()
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			var heap uint64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				bl := migrate.NewBuilder("")
				if err := ReadFile(context.Background(), in, bl); err != nil {
					b.Fatal(err)
				}
				f, err := os.Create(out)
				if err != nil {
					b.Fatal(err)
				}
				if err := bl.WriteLegacy(f, time.Unix(0, 0)); err != nil {
					b.Fatal(err)
				}
				if err := f.Close(); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms) // the Builder is still live here
				heap = max(heap, ms.HeapAlloc)
				runtime.KeepAlive(bl)
				b.StartTimer()
			}
			b.StopTimer()
			runtime.ReadMemStats(&after)
			records := float64(n) * float64(b.N)
			b.ReportMetric(records/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/records, "alloc-B/record")
			b.ReportMetric(float64(heap)/float64(n), "live-B/record")
			b.ReportMetric(float64(size)/float64(n), "file-B/record")
		})
	}
}

// BenchmarkRead measures the reader alone: the same page as BenchmarkExport
// read into a sink that only counts, so the Builder's cost is left out.
func BenchmarkRead(b *testing.B) {
	const n = 100_000
	in := filepath.Join(b.TempDir(), "privilegedRoleAssignments.json")
	size := writeBenchPage(b, in, n)
	b.ReportAllocs()
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := os.Open(in)
		if err != nil {
			b.Fatal(err)
		}
		s := &countingSink{t: b}
		if _, err := read(context.Background(), in, f, s); err != nil || s.added != n {
			b.Fatalf("read: %v, %d added", err, s.added)
		}
		f.Close()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// writeBenchPage writes a realistic iteration-1 Graph page of n records:
// distinct users, a few dozen roles, a mix of eligible, permanent,
// activated and time-bound records. It returns the file's size.
func writeBenchPage(b *testing.B, path string, n int) int64 {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	roles := make([]migrate.GUID, 36)
	for i, s := range []string{ga, sec, "e8611ab8-c189-46e8-94e1-60213ab1f814", "fe930be7-5e62-47db-91af-98c3a49a38b1",
		"f2ef992c-3afb-46b9-b7cf-a126ee74c451", "29232cdf-9323-42fd-ade2-1d097af3e4de", "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
		"729827e3-9c14-49f7-bb1b-9608f156bbb8", "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
		"3a2c62db-5318-420d-8d74-23affee5d9d5", "b0f54661-2d74-4c50-afa3-1ec803f12efe"} {
		roles[i] = migrate.MustGUID(s)
	}
	for i := 12; i < len(roles); i++ {
		roles[i] = scale.GUID(uint64(1<<40 + i))
	}
	w.WriteString(`{"@odata.context":"https://graph.microsoft.com/beta/$metadata#privilegedRoleAssignments","value":[`)
	buf := make([]byte, 0, 512)
	for i := 0; i < n; i++ {
		u, r := scale.GUID(uint64(i)), roles[(i*7)%len(roles)]
		buf = buf[:0]
		if i > 0 {
			buf = append(buf, ",\n"...)
		}
		buf = append(buf, `{"id":"`...)
		buf = u.AppendText(buf)
		buf = append(buf, '_')
		buf = r.AppendText(buf)
		buf = append(buf, `","userId":"`...)
		buf = u.AppendText(buf)
		buf = append(buf, `","roleId":"`...)
		buf = r.AppendText(buf)
		buf = append(buf, `","isElevated":`...)
		buf = strconv.AppendBool(buf, i%3 == 0)
		buf = append(buf, `,"expirationDateTime":`...)
		if i%4 == 0 {
			t := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(i%997) * time.Hour)
			buf = append(buf, '"')
			buf = t.AppendFormat(buf, "2006-01-02T15:04:05.0000000Z")
			buf = append(buf, '"')
		} else {
			buf = append(buf, "null"...)
		}
		buf = append(buf, `,"resultMessage":null}`...)
		w.Write(buf)
	}
	fmt.Fprintf(w, `],"@odata.nextLink":"https://graph.microsoft.com/beta/privilegedRoleAssignments?$skiptoken=%d"}`, n)
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return st.Size()
}
