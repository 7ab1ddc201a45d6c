// Package docs holds the project's own documentation, in Markdown:
// design.md (architecture, data flow, file formats, mapping), graph.md (the
// Microsoft Graph behaviours pimmigrate relies on and graphsim emulates)
// and sdk.md (the msgraph-sdk-go workarounds). It has no code; its test
// checks that every document and section the code and the READMEs cite
// exists.
package docs
