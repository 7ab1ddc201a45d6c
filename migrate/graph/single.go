package graph

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

// WriteOne sends one write as a plain request, not in a batch: the way a
// one-at-a-time script (a PowerShell foreach) calls Graph. The apply
// benchmark uses it as its baseline. Like Write, it does not retry; a
// failed write comes back as a wire.Result with its status, code and
// Retry-After, and only a failure that is not Graph's (a bad op, a
// cancelled context) as an error.
func (c *Client) WriteOne(ctx context.Context, o wire.Op) (wire.Result, error) {
	ri, err := c.requestInfo(ctx, o)
	if err != nil {
		return wire.Result{}, err
	}
	res, err := c.adapter.SendPrimitive(ctx, ri, "[]byte", errorMapping)
	if err != nil {
		var ge *wire.Error
		if errors.As(convert("write", err), &ge) {
			return wire.Result{Status: ge.Status, Code: ge.Code, Message: ge.Message, RequestID: ge.RequestID, RetryAfter: ge.RetryAfter, Retryable: ge.Retryable}, nil
		}
		return wire.Result{}, err
	}
	r := wire.Result{Status: 201}
	if o.Kind == wire.OpDeleteAssignment {
		r.Status = 204
	}
	if b, _ := res.([]byte); len(b) > 0 {
		var body struct {
			ID               string `json:"id"`
			TargetScheduleID string `json:"targetScheduleId"`
			Status           string `json:"status"`
		}
		if json.Unmarshal(b, &body) == nil {
			r.ObjectID, r.TargetScheduleID, r.RequestStatus = body.ID, body.TargetScheduleID, body.Status
		}
	}
	return r, nil
}
