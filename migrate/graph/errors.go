package graph

import (
	"context"
	"errors"
	"fmt"
	"github.com/pimmigrate/pimmigrate/migrate/wire"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
)

// convert turns an SDK or transport error into *wire.Error. It never calls the
// SDK's Error() methods, which panic on an error body without a message.
func convert(op string, err error) error {
	if err == nil {
		return nil
	}
	var ge *wire.Error
	if errors.As(err, &ge) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", op, err)
	}
	e := &wire.Error{Op: op}
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
