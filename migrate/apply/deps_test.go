package apply

import (
	"os/exec"
	"strings"
	"testing"
)

// TestEngineDoesNotLinkTheSDK: the engine talks to Graph through the
// interface in engine.go, in migrate/wire's terms; only cmd wires the SDK
// client (migrate/graph) into it.
func TestEngineDoesNotLinkTheSDK(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "msgraph") || strings.Contains(dep, "kiota") || strings.HasSuffix(dep, "/migrate/graph") {
			t.Errorf("migrate/apply depends on %s", dep)
		}
	}
}
