package migrate

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseProtectList(t *testing.T) {
	in := "\ufeff# break-glass accounts\n\n" + strings.ToUpper(gBreak.String()) + "\n  BreakGlass2@Contoso.example  \n" + gBreak.String() + "\n"
	got, err := ParseProtectList(strings.NewReader(in), "protect.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := ProtectList{{gBreak.String(), "protect.txt", 3}, {"breakglass2@contoso.example", "protect.txt", 4}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if v := got.Values(); !reflect.DeepEqual(v, []string{gBreak.String(), "breakglass2@contoso.example"}) {
		t.Errorf("values %v", v)
	}
	if ids, upns := got.IDs(), got.UPNs(); !reflect.DeepEqual(ids, []GUID{gBreak}) || !reflect.DeepEqual(upns, []string{"breakglass2@contoso.example"}) {
		t.Errorf("ids %v, upns %v", ids, upns)
	}
	for _, bad := range []string{"alice", "@contoso.example", "a@b, c@d", "8f2b1c3d-4e5f"} {
		_, err := ParseProtectList(strings.NewReader("# ok\n"+bad+"\n"), "protect.txt")
		if err == nil || !strings.Contains(err.Error(), "protect.txt:2") {
			t.Errorf("%q: err = %v, want one naming protect.txt:2", bad, err)
		}
	}
}

func protectList(t *testing.T, lines ...string) ProtectList {
	t.Helper()
	l, err := ParseProtectList(strings.NewReader(strings.Join(lines, "\n")), "protect.txt")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestProtectListNotInTenant: against the tenant, an entry that names no
// principal is refused with its line; one that names a principal is fine,
// whatever it holds.
func TestProtectListNotInTenant(t *testing.T) {
	ten := testTenant()
	tests := []struct {
		name  string
		lines []string
		want  []string // in the error; none: no error
	}{
		{name: "object id and UPN of the tenant, any case", lines: []string{strings.ToUpper(gBreak.String()), "breakglass1@CONTOSO.example", gGroup.String()}},
		{name: "UPN typo", lines: []string{"# break glass", gBreak.String(), "breakglass1@contoso.exampel"},
			want: []string{"1 principal the tenant does not have", "protect.txt:3: breakglass1@contoso.exampel: no user of tenant " + ten.TenantID, "fix each entry or remove it"}},
		{name: "unknown object id and UPN", lines: []string{gMissing.String(), "nobody@contoso.example"},
			want: []string{"2 principals", "protect.txt:1: object id " + gMissing.String() + ": no user, group or service principal", "protect.txt:2: nobody@contoso.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := protectList(t, tt.lines...).NotInTenant(ten.Principals, ten.TenantID)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("err %v, want none", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestProtectListOfflineNotes: offline, a UPN entry cannot be matched and an
// object id is checked against legacy.json only; each note names its line.
func TestProtectListOfflineNotes(t *testing.T) {
	legacy := &Legacy{Assignments: []Assignment{rec(gBreak, rGA, true, nil)}}
	tests := []struct {
		name  string
		lines []string
		want  []string // one substring per note
	}{
		{name: "object id in legacy.json", lines: []string{gBreak.String()}},
		{name: "object id not in legacy.json", lines: []string{"#", gMissing.String()},
			want: []string{"protect.txt:2: object id " + gMissing.String() + " matches no principal of legacy.json"}},
		{name: "UPN", lines: []string{gBreak.String(), "breakglass2@contoso.example"},
			want: []string{"protect.txt:2: breakglass2@contoso.example is NOT protected by this offline plan"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			notes := protectList(t, tt.lines...).OfflineNotes(legacy)
			if len(notes) != len(tt.want) {
				t.Fatalf("notes %q, want %d", notes, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(notes[i], w) {
					t.Errorf("note %q lacks %q", notes[i], w)
				}
			}
		})
	}
}
