package snapshot

import (
	"strings"
	"testing"
)

func TestFormatErrors(t *testing.T) {
	// A page of three records, cut inside the third.
	page := fill(`{"@odata.context":"ctx","value":[
{"userId":"{u1}","roleId":"{ga}","isElevated":true},
{"userId":"{u2}","roleId":"{ga}","isElevated":true},
{"userId":"{u3}","roleId":"{ga}","isEl`)
	broken := fill(`[{"userId":"{u1}","roleId":"{ga}","isElevated":true},
 {"userId":"{u2}" "roleId":"{ga}","isElevated":true}]`)
	stray := fill("{\"userId\":\"{u1}\",\"roleId\":\"{ga}\",\"isElevated\":true}\n]\n")
	// CSV rows past the first KB (which is checked for binary data first).
	csvHead := "userId,roleId,isElevated,expirationDateTime\n" + strings.Repeat(fill("{u1},{ga},false,2026-11-20T08:00:00Z\n"), 20)
	nul := csvHead + fill("{u2},{ga},fa\x00lse,\n")
	cutRow := csvHead + fill("{u2},{ga},true")
	psCut := psType + `"Id","UserId","RoleId","IsElevated"` + "\r\n" + fill(`"{u1}_{ga}","{u1}","{ga}","True"`+"\r\n"+`"{u2}_{ga}","{u2}","{ga}","Tr`)
	tests := []struct {
		name, in string
		offset   int64 // -2: do not check
		line     int
		msg      string // a part of Msg
		records  int    // records read before the error
	}{
		{"empty", "", 0, 1, "empty", 0},
		{"white space only", " \r\n\t\r\n ", 7, 3, "white space", 0},
		{"UTF-8 BOM only", "\ufeff", 3, 1, "white space", 0},
		{"binary", "{\"a\":\x00\x01\x02}", 5, 1, "NUL", 0},
		{"not UTF-8", "id,userId\n\xc3\x28,x\n", 10, 2, "not UTF-8", 0},
		{"zip (an xlsx)", "PK\x03\x04\x14\x00\x06\x00", 0, 1, "ZIP", 0},
		{"gzip", "\x1f\x8b\x08\x00", 0, 1, "gzip", 0},
		{"HTML error page", "\r\n<!DOCTYPE html>\n<html><body>Sign in</body></html>", 2, 2, "HTML", 0},
		{"truncated mid-array", page, int64(len(page)), 4, "ends early, in the value array, in record 3", 2},
		{"truncated after an element", `[{"userId":"` + u1 + `","roleId":"` + ga + `","isElevated":true},`, -2, 1, "ends early", 1},
		{"truncated before the first element", `{"value":[`, 10, 1, "ends early", 0},
		{"broken JSON", broken, int64(strings.Index(broken, `"roleId":"`+ga+`","isElevated":true}]`)), 2, "invalid character", 1},
		{"broken JSON lines", fill("{\"userId\":\"{u1}\",\"roleId\":\"{ga}\",\"isElevated\":true}\n\n{\"userId\":tru}\n"), -2, 3, "in literal true", 1},
		{"missing comma between records", "[{},{} {}]", 7, 1, "expected comma", 2},
		{"stray bracket in JSON lines", stray, int64(strings.Index(stray, "]")), 2, "invalid character ']'", 1},
		{"object with neither value nor record fields", `{"displayName":"Ada","mail":"ada@example.com"}`, 0, 1, `neither a "value" array`, 0},
		{"empty object", "\n{}", 1, 2, `neither a "value" array`, 0},
		{"Graph error envelope", `{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges"}}`, 0, 1, "Authorization_RequestDenied", 0},
		{"value not an array", `{"@odata.context":"x",` + "\n" + `"value":{"id":"x"}}`, -2, 2, `"value" that is not an array`, 0},
		{"two value arrays", "{\"value\":[],\n\"value\":[{}]}", 20, 2, `a second "value"`, 0},
		{"record fields and a value array", `{"id":"x","value":[{}]}`, 17, 1, `both record fields and a "value"`, 0},
		{"two pages in one file", "{\"value\":[]}\n{\"value\":[]}", 13, 2, "more data after the end of the Graph page", 0},
		{"data after the array", "[]\n\nx", 4, 3, "more data after the end of the array", 0},
		{"a JSON string", `"hello"`, -1, 1, "not a snapshot header", 0},
		{"plain text", "hello world\nthis is not a snapshot\n", -1, 1, "not a snapshot header", 0},
		{"csv header without snapshot columns", "name,email\nAda,ada@example.com\n", -1, 1, "none of the columns", 0},
		{"csv #TYPE and nothing else", psType, -1, 2, "no header row", 0},
		{"csv ragged row", psType + `"Id","UserId","RoleId","IsElevated"` + "\r\n" + fill(`"{u1}_{ga}","{u1}","{ga}","True"`) + "\r\n" + `"x","y"` + "\r\n", -1, 4, "2 fields, the header 4", 1},
		{"csv bare quote", "userId,roleId,isElevated\n" + fill(`{u1},{ga},"tr"ue`) + "\n", -1, 2, "column", 0},
		{"csv NUL byte past the first KB", nul, int64(strings.IndexByte(nul, 0)), 22, "NUL", 20},
		{"csv NUL byte past the first KB, UTF-16", encodeUTF16(nul, false), int64(strings.IndexByte(nul, 0)), 22, "NUL", 20},
		{"csv last row cut: fewer fields, no line end", cutRow, int64(len(csvHead)), 22, "the last row has 3 of the header's 4 fields, and no line end: the file looks cut off", 20},
		{"csv last row cut inside a quoted value", psCut, int64(strings.LastIndex(psCut, "\r\n") + 2), 4, "the last row ends inside a quoted value, and no line end: the file looks cut off", 1},
		{"csv last row ragged, with a line end", cutRow + "\n", -1, 22, "the row has 3 fields, the header 4", 20},
		{"csv last row with too many fields, no line end", csvHead + fill("{u2},{ga},true,,x"), -1, 22, "the row has 5 fields, the header 4", 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, _, err := readString(t, "bad.file", tt.in)
			fe := formatError(t, err)
			if fe.File != "bad.file" {
				t.Errorf("File = %q", fe.File)
			}
			if tt.offset != -2 && fe.Offset != tt.offset {
				t.Errorf("Offset = %d, want %d (%v)", fe.Offset, tt.offset, err)
			}
			if fe.Offset > int64(len(tt.in)) {
				t.Errorf("Offset %d is past the end (%d bytes)", fe.Offset, len(tt.in))
			}
			if fe.Line != tt.line {
				t.Errorf("Line = %d, want %d (%v)", fe.Line, tt.line, err)
			}
			if !strings.Contains(fe.Msg, tt.msg) {
				t.Errorf("Msg = %q, want it to contain %q", fe.Msg, tt.msg)
			}
			if fe.Hint == "" {
				t.Errorf("no hint: %v", err)
			}
			if info.Records != tt.records {
				t.Errorf("Records = %d, want %d", info.Records, tt.records)
			}
			if !strings.HasPrefix(err.Error(), "bad.file: ") {
				t.Errorf("Error() = %q, want it to start with the file", err)
			}
		})
	}
}

func TestFormatErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		err  FormatError
		want string
	}{
		{"offset and line", FormatError{File: "f.json", Offset: 12, Line: 2, Msg: "broken", Hint: "fix it"}, "f.json: byte 12 (line 2): broken; fix it"},
		{"line only", FormatError{File: "f.csv", Offset: -1, Line: 4, Msg: "ragged", Hint: "fix it"}, "f.csv: line 4: ragged; fix it"},
		{"UTF-16", FormatError{File: "f.json", Offset: 3, Line: 1, Msg: "broken", Hint: "fix it", Encoding: "UTF-16LE"},
			"f.json: byte 3 of the text converted from UTF-16LE (line 1): broken; fix it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFormatErrorUTF16(t *testing.T) {
	in := encodeUTF16("{\r\n\"value\": [ {\"a\" 1} ]}", false)
	_, _, err := readString(t, "u.json", in)
	fe := formatError(t, err)
	// The offset counts the UTF-8 text: "{\r\n\"value\": [ {\"a\" " is 19 bytes.
	if fe.Encoding != "UTF-16LE" || fe.Line != 2 || fe.Offset != 19 {
		t.Errorf("got %+v (%v), want UTF-16LE, line 2, byte 19", fe, err)
	}
}
