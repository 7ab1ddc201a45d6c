package graph

import (
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
)

// Cloud is one Microsoft cloud: where its Microsoft Graph answers and where
// its tokens are issued. A token of one cloud is not accepted by another
// (docs/graph.md, "National clouds").
type Cloud struct {
	Name     string // the --cloud value
	GraphURL string // the Graph service root, without a trailing slash
	// Authority is azidentity's cloud configuration: the Entra ID
	// authority host that signs in and issues tokens.
	Authority cloud.Configuration
}

// Scope is the .default scope of the cloud's Graph, the scope every token
// is asked for.
func (c Cloud) Scope() string { return c.GraphURL + "/.default" }

// The --cloud values, as Microsoft Graph PowerShell's -Environment names
// them (Global, USGov, USGovDoD, China).
const (
	CloudGlobal   = "global"
	CloudUSGov    = "usgov"    // US Government L4 (GCC High)
	CloudUSGovDoD = "usgovdod" // US Government L5 (DoD)
	CloudChina    = "china"    // operated by 21Vianet
)

// CloudNames lists the --cloud values, global first.
func CloudNames() []string { return []string{CloudGlobal, CloudUSGov, CloudUSGovDoD, CloudChina} }

// LookupCloud returns the cloud of a --cloud value; "" is global.
func LookupCloud(name string) (Cloud, error) {
	switch name {
	case CloudGlobal, "":
		return Cloud{Name: CloudGlobal, GraphURL: DefaultGraphURL, Authority: cloud.AzurePublic}, nil
	case CloudUSGov:
		return Cloud{Name: name, GraphURL: "https://graph.microsoft.us", Authority: cloud.AzureGovernment}, nil
	case CloudUSGovDoD:
		// DoD tenants sign in at the Azure Government authority and
		// use their own Graph.
		return Cloud{Name: name, GraphURL: "https://dod-graph.microsoft.us", Authority: cloud.AzureGovernment}, nil
	case CloudChina:
		return Cloud{Name: name, GraphURL: "https://microsoftgraph.chinacloudapi.cn", Authority: cloud.AzureChina}, nil
	}
	return Cloud{}, fmt.Errorf("--cloud %q: want global, usgov, usgovdod or china", name)
}
