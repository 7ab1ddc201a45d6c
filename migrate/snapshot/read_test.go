package snapshot

import (
	"strings"
	"testing"

	"github.com/pimmigrate/pimmigrate/migrate"
)

const psType = "#TYPE Microsoft.Open.MSGraph.Model.PrivilegedRoleAssignment\r\n"

func TestReadIteration1(t *testing.T) {
	tests := []struct {
		name, file, in string
		want           func(t *testing.T) wantRead
	}{{
		name: "graph page",
		file: "page.json",
		in: `{"@odata.context":"https://graph.microsoft.com/beta/$metadata#privilegedRoleAssignments","value":[
  {"id":"{u1}_{ga}","userId":"{u1}","roleId":"{ga}","isElevated":true,"expirationDateTime":null,"resultMessage":null},
  {"id":"{u2}_{ga}","userId":"{u2}","roleId":"{ga}","isElevated":false,"expirationDateTime":null},
  {"id":"{u3}_{sec}","userId":"{u3}","roleId":"{sec}","isElevated":true,"expirationDateTime":"2026-11-20T08:00:00.0000000Z"},
  {"id":"{u1}_{sec}","userId":"{u1}","roleId":"{sec}","isElevated":false,"expirationDateTime":"2027-01-31T17:30:00+01:00"}
],"@odata.nextLink":"https://graph.microsoft.com/beta/privilegedRoleAssignments?$skiptoken=X"}`,
		want: func(t *testing.T) wantRead {
			return wantRead{kind: KindIteration1Page, records: 4,
				nextLink: "https://graph.microsoft.com/beta/privilegedRoleAssignments?$skiptoken=X",
				assignments: []migrate.Assignment{
					it1(t, "page.json#1", u1, ga, true, ""),
					it1(t, "page.json#2", u2, ga, false, ""),
					it1(t, "page.json#3", u3, sec, true, "2026-11-20T08:00:00Z"),
					it1(t, "page.json#4", u1, sec, false, "2027-01-31T16:30:00Z"),
				}}
		},
	}, {
		name: "graph page, value first, nextLink and count after",
		file: "p2.json",
		in:   `{"value":[{"userId":"{u1}","roleId":"{ga}","isElevated":true}],"@odata.count":1,"@odata.nextLink":"next","@odata.context":"ctx","@odata.extra":{"a":[1,{"b":2}]}}`,
		want: func(t *testing.T) wantRead {
			return wantRead{kind: KindIteration1Page, records: 1, nextLink: "next",
				assignments: []migrate.Assignment{it1(t, "p2.json#1", u1, ga, true, "")}}
		},
	}, {
		name: "empty graph page",
		file: "empty.json",
		in:   `{"@odata.context":"https://graph.microsoft.com/beta/$metadata#privilegedRoleAssignments","value":[]}`,
		want: func(t *testing.T) wantRead { return wantRead{kind: KindIteration1Page} },
	}, {
		name: "json array, GUIDs in any case and braces, id derived or alone",
		file: "a.json",
		in: `[
 {"id":"{U1}_{GA}","userId":"{u1}","roleId":"{{GA}}","isElevated":true},
 {"userId":"{u2}","roleId":"{ga}","isElevated":false},
 {"id":"{u3}_{GA}","isElevated":false,"expirationDateTime":"2026-12-01T00:00:00"}
]`,
		want: func(t *testing.T) wantRead {
			return wantRead{kind: KindIteration1Array, records: 3, assignments: []migrate.Assignment{
				it1(t, "a.json#1", u1, ga, true, ""),
				it1(t, "a.json#2", u2, ga, false, ""),
				it1(t, "a.json#3", u3, ga, false, "2026-12-01T00:00:00Z"),
			}}
		},
	}, {
		name: "json lines, blank lines and CRLF",
		file: "l.jsonl",
		in: "{\"userId\":\"{u1}\",\"roleId\":\"{ga}\",\"isElevated\":true}\r\n\r\n" +
			"{\"userId\":\"{u2}\",\"roleId\":\"{ga}\",\"isElevated\":false}\r\n" +
			"  {\"userId\":\"{u3}\",\"roleId\":\"{ga}\",\"isElevated\":false}\r\n\r\n",
		want: func(t *testing.T) wantRead {
			return wantRead{kind: KindIteration1Lines, records: 3, assignments: []migrate.Assignment{
				it1(t, "l.jsonl:1", u1, ga, true, ""),
				it1(t, "l.jsonl:3", u2, ga, false, ""),
				it1(t, "l.jsonl:4", u3, ga, false, ""),
			}}
		},
	}, {
		name: "one pretty-printed object is json lines with one record",
		file: "one.json",
		in: "\n\n{\n  \"@odata.context\": \"https://graph.microsoft.com/beta/$metadata#privilegedRoleAssignments/$entity\",\n" +
			"  \"id\": \"{u1}_{ga}\",\n  \"isElevated\": true,\n  \"expirationDateTime\": null\n}\n",
		want: func(t *testing.T) wantRead {
			return wantRead{kind: KindIteration1Lines, records: 1,
				assignments: []migrate.Assignment{it1(t, "one.json:3", u1, ga, true, "")}}
		},
	}, {
		name: "PowerShell ConvertTo-Json: PascalCase and /Date()/",
		file: "ps.json",
		in: `[{"Id":"{u1}_{ga}","UserId":"{u1}","RoleId":"{ga}","IsElevated":true,"ExpirationDateTime":"\/Date(1795161600000)\/","ResultMessage":null},
{"Id":"{u2}_{ga}","UserId":"{u2}","RoleId":"{ga}","IsElevated":false,"ExpirationDateTime":null,"ResultMessage":null}]`,
		want: func(t *testing.T) wantRead {
			return wantRead{kind: KindIteration1Array, records: 2, assignments: []migrate.Assignment{
				it1(t, "ps.json#1", u1, ga, true, "2026-11-20T08:00:00Z"),
				it1(t, "ps.json#2", u2, ga, false, ""),
			}}
		},
	}, {
		name: "csv, Graph names",
		file: "s.csv",
		in: "id,userId,roleId,isElevated,expirationDateTime,resultMessage\n" +
			"{u1}_{ga},{u1},{ga},true,,\n" +
			"{u2}_{ga},{u2},{ga},false,2026-11-20T08:00:00Z,\"ok, done\"\n",
		want: func(t *testing.T) wantRead {
			return wantRead{kind: KindIteration1CSV, records: 2, assignments: []migrate.Assignment{
				it1(t, "s.csv:2", u1, ga, true, ""),
				it1(t, "s.csv:3", u2, ga, false, "2026-11-20T08:00:00Z"),
			}}
		},
	}, {
		name: "csv, PowerShell Export-Csv with #TYPE, PascalCase, quotes, CRLF",
		file: "ps.csv",
		in: psType +
			"\"Id\",\"UserId\",\"RoleId\",\"IsElevated\",\"ExpirationDateTime\",\"ResultMessage\"\r\n" +
			"\"{u1}_{ga}\",\"{u1}\",\"{ga}\",\"True\",\"11/20/2026 8:00:00 PM\",\"\"\r\n" +
			"\"{u2}_{ga}\",\"{u2}\",\"{ga}\",\"False\",\"\",\"\"\r\n",
		want: func(t *testing.T) wantRead {
			return wantRead{kind: KindIteration1CSV, records: 2, assignments: []migrate.Assignment{
				it1(t, "ps.csv:3", u1, ga, true, "2026-11-20T20:00:00Z"),
				it1(t, "ps.csv:4", u2, ga, false, ""),
			}}
		},
	}, {
		name: "csv, any column order, no id column",
		file: "o.csv",
		in: "IsElevated,roleid,ExpirationDateTime,USERID\n" +
			"FALSE,{ga},20.11.2026 08:00:00,{u1}\n" +
			"true,{sec},,{u1}\n",
		want: func(t *testing.T) wantRead {
			return wantRead{kind: KindIteration1CSV, records: 2, assignments: []migrate.Assignment{
				it1(t, "o.csv:2", u1, ga, false, "2026-11-20T08:00:00Z"),
				it1(t, "o.csv:3", u1, sec, true, ""),
			}}
		},
	}, {
		name: "csv, complete last row without a line end",
		file: "n.csv",
		in: "userId,roleId,isElevated,expirationDateTime\r\n" +
			"{u1},{ga},false,2026-11-20T08:00:00Z\r\n" +
			"\"{u2}\",\"{ga}\",\"True\",\"\"",
		want: func(t *testing.T) wantRead {
			return wantRead{kind: KindIteration1CSV, records: 2, assignments: []migrate.Assignment{
				it1(t, "n.csv:2", u1, ga, false, "2026-11-20T08:00:00Z"),
				it1(t, "n.csv:3", u2, ga, true, ""),
			}}
		},
	}, {
		name: "csv, header only",
		file: "h.csv",
		in:   "id,userId,roleId,isElevated,expirationDateTime\n",
		want: func(t *testing.T) wantRead { return wantRead{kind: KindIteration1CSV} },
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRead(t, tt.file, fill(tt.in), tt.want(t))
		})
	}
}

func TestReadIteration2(t *testing.T) {
	tests := []struct {
		name, file, in string
		want           func(t *testing.T) wantRead
	}{{
		name: "graph page with expanded subjects and a folded activation",
		file: "g.json",
		in: `{"@odata.context":"https://graph.microsoft.com/beta/$metadata#governanceRoleAssignments","value":[
 {"id":"e1","resourceId":"{tenant}","roleDefinitionId":"{ga}","subjectId":"{u1}","linkedEligibleRoleAssignmentId":null,"externalId":"x",
  "startDateTime":"2025-01-01T00:00:00Z","endDateTime":null,"assignmentState":"Eligible","memberType":"Direct","status":"Provisioned",
  "subject":{"id":"{u1}","type":"User","displayName":"Ada"},"roleDefinition":{"id":"{ga}","displayName":"Global Administrator"}},
 {"id":"a1","resourceId":"{TENANT}","roleDefinitionId":"{ga}","subjectId":"{u1}","linkedEligibleRoleAssignmentId":"e1",
  "startDateTime":"2026-11-20T08:00:00Z","endDateTime":"2026-11-20T16:00:00Z","assignmentState":"active","memberType":"Direct"},
 {"id":"g1","resourceId":"{tenant}","roleDefinitionId":"{sec}","subjectId":"{grp}","assignmentState":"Eligible","memberType":"Direct","subject":{"id":"{grp}","type":"group"}},
 {"id":"s1","resourceId":"{tenant}","roleDefinitionId":"{sec}","subjectId":"{sp}","assignmentState":"Active","memberType":"User","subject":{"type":"ServicePrincipal"}}
]}`,
		want: func(t *testing.T) wantRead {
			e1 := it2(t, "g.json#1", "e1", u1, ga, migrate.PrincipalUser, true, "2025-01-01T00:00:00Z", "2026-11-20T16:00:00Z")
			e1.FoldedFrom = []string{"g.json#2"}
			return wantRead{kind: KindIteration2Page, records: 4, tenantID: tenant, assignments: []migrate.Assignment{
				e1,
				it2(t, "g.json#3", "g1", grp, sec, migrate.PrincipalGroup, false, "", ""),
				it2(t, "g.json#4", "s1", sp, sec, migrate.PrincipalServicePrincipal, true, "", ""),
			}}
		},
	}, {
		name: "empty graph page says its iteration by its context",
		file: "e.json",
		in:   `{"@odata.context":"https://graph.microsoft.com/beta/$metadata#privilegedAccess('aadRoles')/roleAssignments","value":[]}`,
		want: func(t *testing.T) wantRead { return wantRead{kind: KindIteration2Page} },
	}, {
		name: "json array, derived ids, @odata.type",
		file: "a.json",
		in: `[{"@odata.type":"#microsoft.graph.governanceRoleAssignment","roleDefinitionId":"{GA}","subjectId":"{U1}","assignmentState":"Eligible","endDateTime":"2027-01-01T00:00:00Z"},
 {"roleDefinitionId":"{ga}","subjectId":"{u2}","assignmentState":"Active"}]`,
		want: func(t *testing.T) wantRead {
			return wantRead{kind: KindIteration2Array, records: 2, assignments: []migrate.Assignment{
				it2(t, "a.json#1", u1+"_"+ga+"_eligible", u1, ga, migrate.PrincipalUser, false, "", "2027-01-01T00:00:00Z"),
				it2(t, "a.json#2", u2+"_"+ga+"_active", u2, ga, migrate.PrincipalUser, true, "", ""),
			}}
		},
	}, {
		name: "json lines",
		file: "l.jsonl",
		in: "{\"id\":\"x1\",\"roleDefinitionId\":\"{ga}\",\"subjectId\":\"{u1}\",\"assignmentState\":\"Eligible\",\"memberType\":\"Direct\"}\n" +
			"{\"id\":\"x2\",\"roleDefinitionId\":\"{ga}\",\"subjectId\":\"{u2}\",\"assignmentState\":\"Eligible\",\"memberType\":\"Group\"}\n",
		want: func(t *testing.T) wantRead {
			return wantRead{kind: KindIteration2Lines, records: 2,
				assignments: []migrate.Assignment{it2(t, "l.jsonl:1", "x1", u1, ga, migrate.PrincipalUser, false, "", "")},
				rejected:    []wantRej{{"l.jsonl:2", migrate.RejectNotDirect, "group"}}}
		},
	}, {
		name: "Windows PowerShell Export-Csv: en-US, German, ISO and ambiguous dates, extra columns",
		file: "ps2.csv",
		in: psType +
			`"ID","ResourceId","RoleDefinitionId","SubjectId","LinkedEligibleRoleAssignmentId","ExternalId","StartDateTime","EndDateTime","AssignmentState","MemberType","Status","Subject"` + "\r\n" +
			`"p1","{tenant}","{ga}","{u1}","","x","11/20/2025 8:00:00 AM","11/20/2026 12:00:00 AM","Eligible","Direct","Provisioned","Microsoft.Open.MSGraph.Model.PrivilegedRoleSubject"` + "\r\n" +
			`"p2","{tenant}","{ga}","{u2}","","","1/2/2026 12:30:05 PM","12/31/2026 11:59:59 PM","Eligible","Direct","",""` + "\r\n" +
			`"p3","{tenant}","{sec}","{grp}","","","20.11.2025 08:00:00","31.12.2026 23:00:00","Eligible","Direct","","@{id={grp}; type=Group; displayName=Admins}"` + "\r\n" +
			`"p4","{tenant}","{sec}","{u3}","","","2025-11-20T08:00:00.0000000Z","","Active","Direct","",""` + "\r\n" +
			`"p5","{tenant}","{sec}","{u1}","","","20/11/2025 08:00:00","","Eligible","Direct","",""` + "\r\n" +
			`"p6","{tenant}","{sec}","{u2}","","","","11/20/2026 20:00:00","Eligible","Direct","",""` + "\r\n",
		want: func(t *testing.T) wantRead {
			return wantRead{kind: KindIteration2CSV, records: 6, tenantID: tenant, assignments: []migrate.Assignment{
				it2(t, "ps2.csv:3", "p1", u1, ga, migrate.PrincipalUser, false, "2025-11-20T08:00:00Z", "2026-11-20T00:00:00Z"),
				it2(t, "ps2.csv:4", "p2", u2, ga, migrate.PrincipalUser, false, "2026-01-02T12:30:05Z", "2026-12-31T23:59:59Z"),
				it2(t, "ps2.csv:5", "p3", grp, sec, migrate.PrincipalGroup, false, "2025-11-20T08:00:00Z", "2026-12-31T23:00:00Z"),
				it2(t, "ps2.csv:6", "p4", u3, sec, migrate.PrincipalUser, true, "2025-11-20T08:00:00Z", ""),
			}, rejected: []wantRej{
				{"ps2.csv:7", migrate.RejectMalformedDate, "ambiguous"},
				{"ps2.csv:8", migrate.RejectMalformedDate, "ambiguous"},
			}}
		},
	}, {
		name: "csv without #TYPE, unquoted, linked activation",
		file: "n.csv",
		in: "Id,RoleDefinitionId,SubjectId,LinkedEligibleRoleAssignmentId,EndDateTime,AssignmentState,MemberType\n" +
			"e,{ga},{u1},,,Eligible,Direct\n" +
			"a,{ga},{u1},e,2026-11-20T16:00:00Z,Active,Direct\n",
		want: func(t *testing.T) wantRead {
			e := it2(t, "n.csv:2", "e", u1, ga, migrate.PrincipalUser, true, "", "2026-11-20T16:00:00Z")
			e.FoldedFrom = []string{"n.csv:3"}
			return wantRead{kind: KindIteration2CSV, records: 2, assignments: []migrate.Assignment{e}}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := strings.ReplaceAll(tt.in, "{TENANT}", strings.ToUpper(tenant))
			checkRead(t, tt.file, fill(in), tt.want(t))
		})
	}
}
