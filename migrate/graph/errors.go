package graph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
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

// convert turns an SDK or transport error into *Error. It never calls the
// SDK's Error() methods, which panic on an error body without a message.
func convert(op string, err error) error {
	if err == nil {
		return nil
	}
	var ge *Error
	if errors.As(err, &ge) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", op, err)
	}
	e := &Error{Op: op}
	var odata *odataerrors.ODataError
	var api *abs.ApiError
	switch {
	case errors.As(err, &odata):
		e.Status = odata.ResponseStatusCode
		e.RetryAfter = retryAfter(odata.ResponseHeaders)
		if me := odata.GetErrorEscaped(); me != nil {
			e.Code = deref(me.GetCode())
			e.Message = deref(me.GetMessage())
			if ie := me.GetInnerError(); ie != nil {
				e.RequestID = deref(ie.GetRequestId())
			}
		}
		if e.RequestID == "" {
			e.RequestID = header(odata.ResponseHeaders, "request-id")
		}
	case errors.As(err, &api):
		e.Status = api.ResponseStatusCode
		e.RetryAfter = retryAfter(api.ResponseHeaders)
		e.RequestID = header(api.ResponseHeaders, "request-id")
		e.Message = api.Message
	default:
		e.Err = err
	}
	if e.Message == "" && e.Status != 0 {
		e.Message = http.StatusText(e.Status)
	}
	e.Retryable = retryableStatus(e.Status) || e.Status == 0 && transportError(err)
	e.Hint = hint(e.Status, e.Code)
	if e.Status == 0 && signInError(err) {
		e.Retryable = false
		e.Hint = "could not sign in: pick an --auth that works here (device, browser, azcli after `az login`, env with AZURE_* variables, msi in Azure, or token with PIMMIGRATE_TOKEN)"
	}
	return e
}

func retryableStatus(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

// transportError reports whether err is a connection-level failure (reset,
// closed, refused, timeout) rather than a programming error.
func transportError(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "connection reset") || strings.Contains(s, "connection refused") ||
		strings.Contains(s, "EOF") || strings.Contains(s, "broken pipe")
}

// signInError reports whether err came from getting a token rather than
// from Graph (azidentity names its credential in its errors).
func signInError(err error) bool {
	s := err.Error()
	return strings.Contains(s, "Credential") || strings.Contains(s, "credential")
}

func hint(status int, code string) string {
	switch {
	case status == http.StatusUnauthorized:
		return "sign in again, or check --auth, --tenant-id and the token in PIMMIGRATE_TOKEN"
	case status == http.StatusForbidden && code == "Authorization_RequestDenied":
		return "the signed-in account or app lacks a permission this step needs (see the README for each step's permissions)"
	}
	return ""
}

// retryAfter reads Retry-After in seconds, fractional values included
// (Graph sends e.g. 2.128).
func retryAfter(h *abs.ResponseHeaders) time.Duration {
	return parseRetryAfter(header(h, "Retry-After"))
}

func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	s, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || s < 0 || s > 3600 {
		return 0
	}
	return time.Duration(s * float64(time.Second))
}

func header(h *abs.ResponseHeaders, name string) string {
	if h == nil {
		return ""
	}
	if v := h.Get(name); len(v) > 0 {
		return v[0]
	}
	return ""
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
