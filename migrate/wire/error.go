package wire

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Error is a failed Graph call, converted from whatever the SDK or the
// transport returned.
type Error struct {
	Op         string // what we were doing, e.g. "list roleAssignments"
	Status     int    // HTTP status; 0 when no response arrived
	Code       string // Graph error code, e.g. Request_ResourceNotFound
	Message    string
	RequestID  string
	RetryAfter time.Duration // from Retry-After; 0 when absent
	// Retryable says whether sending the same request again can help:
	// throttling (429), 503, 504 and transport failures.
	Retryable bool
	// Hint tells the user what to do, e.g. which permission is missing.
	Hint string
	Err  error // the transport error, when there was no response
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": ")
	switch {
	case e.Status == 0 && e.Err != nil:
		fmt.Fprintf(&b, "no response: %v", e.Err)
	default:
		fmt.Fprintf(&b, "%d", e.Status)
		if e.Code != "" {
			b.WriteString(" " + e.Code)
		}
		if e.Message != "" {
			b.WriteString(": " + e.Message)
		}
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request-id %s)", e.RequestID)
	}
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// IsNotFound reports whether err is a Graph 404.
func IsNotFound(err error) bool {
	var ge *Error
	return errors.As(err, &ge) && ge.Status == http.StatusNotFound
}
