package snapshot_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/snapshot"
)

func ExampleRead() {
	page := `{"@odata.context":"https://graph.microsoft.com/beta/$metadata#privilegedRoleAssignments",
 "value":[
  {"id":"1f0e1f0e-0000-4000-8000-000000000001_62e90394-69f5-4237-9190-012177145e10",
   "userId":"1f0e1f0e-0000-4000-8000-000000000001","roleId":"62e90394-69f5-4237-9190-012177145e10",
   "isElevated":false,"expirationDateTime":null},
  {"userId":"1f0e1f0e-0000-4000-8000-000000000002","roleId":"62e90394-69f5-4237-9190-012177145e10",
   "isElevated":"yes"}
 ],
 "@odata.nextLink":"https://graph.microsoft.com/beta/privilegedRoleAssignments?$skiptoken=2"}`
	b := migrate.NewBuilder("")
	info, err := snapshot.Read(context.Background(), "page1.json", strings.NewReader(page), b)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Println(info.Kind, info.Records, "records; next page:", info.NextLink)
	l := b.Legacy(time.Unix(0, 0))
	for _, a := range l.Assignments {
		fmt.Println(a.Source, a.UserID, a.State)
	}
	for _, r := range l.Rejected {
		fmt.Println(r.Source, r.Reason+":", r.Detail)
	}
	// Output:
	// iteration1-graph-page 2 records; next page: https://graph.microsoft.com/beta/privilegedRoleAssignments?$skiptoken=2
	// page1.json#1 1f0e1f0e-0000-4000-8000-000000000001 eligible
	// page1.json#2 wrong-type: isElevated is a JSON string, want true or false; fix the value
}
