package snapshot

import (
	"testing"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// TestRejections covers every per-record rejection: the exact position and
// reason, and that the rest of the file still reads.
func TestRejections(t *testing.T) {
	good1 := `{"userId":"{u3}","roleId":"{sec}","isElevated":true}`
	tests := []struct {
		name, file, in string
		source, reason string
		detail         string
	}{
		// Iteration 1.
		{"id names another user", "r.json", `[{"id":"{u1}_{ga}","userId":"{u2}","roleId":"{ga}","isElevated":true}]`,
			"r.json#1", migrate.RejectIDMismatch, "names user " + u1},
		{"id names another role", "r.json", `[` + good1 + `,{"id":"{u1}_{ga}","userId":"{u1}","roleId":"{sec}","isElevated":true}]`,
			"r.json#2", migrate.RejectIDMismatch, "names role " + ga},
		{"no id, no userId", "r.json", `[{"roleId":"{ga}","isElevated":true}]`,
			"r.json#1", migrate.RejectMissingField, "userId is missing"},
		{"no id, no roleId", "r.json", `[{"userId":"{u1}","isElevated":true}]`,
			"r.json#1", migrate.RejectMissingField, "roleId is missing"},
		{"neither id nor userId and roleId", "r.json", `[{"isElevated":true,"expirationDateTime":null}]`,
			"r.json#1", migrate.RejectMissingField, "neither id nor userId"},
		{"malformed userId", "r.json", `[{"userId":"not-a-guid","roleId":"{ga}","isElevated":true}]`,
			"r.json#1", migrate.RejectMalformedGUID, `userId "not-a-guid"`},
		{"malformed roleId", "r.json", `[{"userId":"{u1}","roleId":"{ga}x","isElevated":true}]`,
			"r.json#1", migrate.RejectMalformedGUID, "roleId"},
		{"nil GUID userId", "r.json", `[{"userId":"00000000-0000-0000-0000-000000000000","roleId":"{ga}","isElevated":true}]`,
			"r.json#1", migrate.RejectMalformedGUID, "nil GUID"},
		{"nil GUID in the id", "r.json", `[{"id":"{u1}_00000000-0000-0000-0000-000000000000","isElevated":true}]`,
			"r.json#1", migrate.RejectMalformedGUID, "role half"},
		{"malformed GUID in the id", "r.json", `[{"id":"bob_{ga}","isElevated":true}]`,
			"r.json#1", migrate.RejectMalformedGUID, "user half"},
		{"id of the wrong shape", "r.json", `[{"id":"{u1}{ga}","isElevated":true}]`,
			"r.json#1", migrate.RejectMalformedID, "{userId}_{roleId}"},
		{"id with two underscores", "r.json", `[{"id":"{u1}_{ga}_x","userId":"{u1}","roleId":"{ga}","isElevated":true}]`,
			"r.json#1", migrate.RejectMalformedID, "{userId}_{roleId}"},
		{"isElevated missing", "r.json", `[{"userId":"{u1}","roleId":"{ga}"}]`,
			"r.json#1", migrate.RejectMissingField, "isElevated"},
		{"isElevated null", "r.json", `[{"userId":"{u1}","roleId":"{ga}","isElevated":null}]`,
			"r.json#1", migrate.RejectMissingField, "isElevated"},
		{"isElevated a string", "r.json", `[{"userId":"{u1}","roleId":"{ga}","isElevated":"yes"}]`,
			"r.json#1", migrate.RejectWrongType, "isElevated is a JSON string"},
		{"userId a number", "r.json", `[{"userId":5,"roleId":"{ga}","isElevated":true}]`,
			"r.json#1", migrate.RejectWrongType, "userId is a JSON number"},
		{"expiration an object", "r.json", `[{"userId":"{u1}","roleId":"{ga}","isElevated":true,"expirationDateTime":{}}]`,
			"r.json#1", migrate.RejectWrongType, "expirationDateTime is a JSON object"},
		{"expiration not a date", "r.json", `[{"userId":"{u1}","roleId":"{ga}","isElevated":true,"expirationDateTime":"tomorrow"}]`,
			"r.json#1", migrate.RejectMalformedDate, `expirationDateTime "tomorrow"`},
		{"expiration DateTime.MinValue", "r.json", `[{"userId":"{u1}","roleId":"{ga}","isElevated":false,"expirationDateTime":"0001-01-01T00:00:00Z"}]`,
			"r.json#1", migrate.RejectMalformedDate, "MinValue"},
		{"another @odata.type", "r.json", `[{"@odata.type":"#microsoft.graph.user","id":"{u1}"}]`,
			"r.json#1", migrate.RejectWrongType, "#microsoft.graph.user"},
		{"a number", "r.json", `[` + good1 + `,42]`, "r.json#2", migrate.RejectNotAnObject, "number"},
		{"a string", "r.json", `[` + good1 + `,"{u1}_{ga}"]`, "r.json#2", migrate.RejectNotAnObject, "string"},
		{"a null", "r.json", `[` + good1 + `,null]`, "r.json#2", migrate.RejectNotAnObject, "null"},
		{"an array", "r.json", `[` + good1 + `,[{"userId":"{u1}"}]]`, "r.json#2", migrate.RejectNotAnObject, "array"},
		{"a bool in a page", "p.json", `{"value":[` + good1 + `,true]}`, "p.json#2", migrate.RejectNotAnObject, "bool"},
		{"no record fields in json lines", "l.jsonl", good1 + "\n{\"displayName\":\"x\"}\n", "l.jsonl:2", migrate.RejectMissingField, "no privilegedRoleAssignment fields"},
		{"a number in json lines", "l.jsonl", good1 + "\n\n7\n", "l.jsonl:3", migrate.RejectNotAnObject, "number"},
		{"csv isElevated not a bool", "r.csv", "userId,roleId,isElevated\n{u3},{sec},true\n{u1},{ga},yes\n",
			"r.csv:3", migrate.RejectWrongType, `isElevated "yes"`},
		{"csv isElevated empty", "r.csv", "userId,roleId,isElevated\n{u3},{sec},true\n{u1},{ga},\n",
			"r.csv:3", migrate.RejectMissingField, "isElevated"},
		{"csv empty row", "r.csv", "userId,roleId,isElevated\n{u3},{sec},true\n,,\n",
			"r.csv:3", migrate.RejectMissingField, "neither id nor userId"},
		{"csv ambiguous expiry", "r.csv", "userId,roleId,isElevated,expirationDateTime\n{u3},{sec},true,\n{u1},{ga},true,20/11/2026 08:00:00\n",
			"r.csv:3", migrate.RejectMalformedDate, "Get-Date -Format o"},
		{"csv id mismatch across a quoted multi-line row", "r.csv", "id,userId,roleId,isElevated,resultMessage\n{u3}_{sec},{u3},{sec},true,\"two\nlines\"\n{u1}_{ga},{u2},{ga},true,\n",
			"r.csv:4", migrate.RejectIDMismatch, "names user"},

		// Iteration 2.
		{"subjectId missing", "g.json", `[{"roleDefinitionId":"{ga}","assignmentState":"Eligible"}]`,
			"g.json#1", migrate.RejectMissingField, "subjectId"},
		{"subjectId malformed", "g.json", `[{"roleDefinitionId":"{ga}","subjectId":"{u1","assignmentState":"Eligible"}]`,
			"g.json#1", migrate.RejectMalformedGUID, "subjectId"},
		{"subjectId and subject.id differ", "g.json", `[{"roleDefinitionId":"{ga}","subjectId":"{u1}","subject":{"id":"{u2}"},"assignmentState":"Eligible"}]`,
			"g.json#1", migrate.RejectIDMismatch, "subject.id"},
		{"nil GUID subjectId", "g.json", `[{"roleDefinitionId":"{ga}","subjectId":"00000000-0000-0000-0000-000000000000","assignmentState":"Eligible"}]`,
			"g.json#1", migrate.RejectMalformedGUID, "nil GUID"},
		{"roleDefinitionId missing", "g.json", `[{"subjectId":"{u1}","assignmentState":"Eligible"}]`,
			"g.json#1", migrate.RejectMissingField, "roleDefinitionId"},
		{"roleDefinitionId malformed", "g.json", `[{"subjectId":"{u1}","roleDefinitionId":"Global Administrator","assignmentState":"Eligible"}]`,
			"g.json#1", migrate.RejectMalformedGUID, "roleDefinitionId"},
		{"assignmentState missing", "g.json", `[{"subjectId":"{u1}","roleDefinitionId":"{ga}"}]`,
			"g.json#1", migrate.RejectMissingField, "assignmentState"},
		{"assignmentState unknown", "g.json", `[{"subjectId":"{u1}","roleDefinitionId":"{ga}","assignmentState":"PendingApproval"}]`,
			"g.json#1", migrate.RejectUnknownState, "PendingApproval"},
		{"memberType Group", "g.json", `[{"subjectId":"{u1}","roleDefinitionId":"{ga}","assignmentState":"Eligible","memberType":"Group"}]`,
			"g.json#1", migrate.RejectNotDirect, "group"},
		{"memberType Inherited", "g.json", `[{"subjectId":"{u1}","roleDefinitionId":"{ga}","assignmentState":"Eligible","memberType":"inherited"}]`,
			"g.json#1", migrate.RejectNotDirect, "parent"},
		{"memberType unknown", "g.json", `[{"subjectId":"{u1}","roleDefinitionId":"{ga}","assignmentState":"Eligible","memberType":"Nested"}]`,
			"g.json#1", migrate.RejectNotDirect, "Nested"},
		{"subject.type unknown", "g.json", `[{"subjectId":"{u1}","roleDefinitionId":"{ga}","assignmentState":"Eligible","subject":{"type":"Device"}}]`,
			"g.json#1", migrate.RejectUnknownPrincipalType, "Device"},
		{"subject.type a number", "g.json", `[{"subjectId":"{u1}","roleDefinitionId":"{ga}","assignmentState":"Eligible","subject":{"type":1}}]`,
			"g.json#1", migrate.RejectWrongType, "subject.type is a JSON number"},
		{"endDateTime malformed", "g.json", `[{"subjectId":"{u1}","roleDefinitionId":"{ga}","assignmentState":"Eligible","endDateTime":"2026-13-01T00:00:00Z"}]`,
			"g.json#1", migrate.RejectMalformedDate, "endDateTime"},
		{"startDateTime malformed", "g.json", `[{"subjectId":"{u1}","roleDefinitionId":"{ga}","assignmentState":"Eligible","startDateTime":"soon"}]`,
			"g.json#1", migrate.RejectMalformedDate, "startDateTime"},
		{"csv unknown state", "g.csv", "\"SubjectId\",\"RoleDefinitionId\",\"AssignmentState\"\r\n\"{u1}\",\"{ga}\",\"Activated\"\r\n",
			"g.csv:2", migrate.RejectUnknownState, "Activated"},
		{"csv 13 PM", "g.csv", "SubjectId,RoleDefinitionId,AssignmentState,EndDateTime\n{u1},{ga},Eligible,11/20/2026 13:00:00 PM\n",
			"g.csv:2", migrate.RejectMalformedDate, "not a date"},
		{"csv subject of an unknown type", "g.csv", "SubjectId,RoleDefinitionId,AssignmentState,Subject\n{u1},{ga},Eligible,@{id={u1}; type=Device}\n",
			"g.csv:2", migrate.RejectUnknownPrincipalType, "Device"},
		{"another tenant (the Builder's check)", "t.json", `[{"resourceId":"{tenant}","subjectId":"{u1}","roleDefinitionId":"{ga}","assignmentState":"Eligible"},
 {"resourceId":"{other}","subjectId":"{u2}","roleDefinitionId":"{ga}","assignmentState":"Eligible"}]`,
			"t.json#2", migrate.RejectTenantMismatch, other},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, l, err := readString(t, tt.file, fill(tt.in))
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			checkRejected(t, l.Rejected, []wantRej{{tt.source, tt.reason, fill(tt.detail)}})
			if n := countRecords(l); n != info.Records {
				t.Errorf("Info.Records = %d, the snapshot accounts for %d", info.Records, n)
			}
		})
	}
}
