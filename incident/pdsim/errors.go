package pdsim

import (
	"fmt"
	"net/http"
	"strings"
)

// PagerDuty error codes the simulator answers with. They follow PagerDuty's
// published table of REST API error codes; the HTTP status travels with each.
const (
	codeInternal       = 2000 // 5xx: an unexpected error
	codeInvalidInput   = 2001 // 400: Invalid Input Provided
	codeArgumentsErr   = 2002 // 400: Arguments Caused Error (e.g. offset+limit > 10000)
	codeAuthFailed     = 2006 // 401: Authentication failed
	codeAccessDenied   = 2010 // 403: Access Denied
	codeFromRequired   = 2016 // 400: the From header is required
	codeRateLimited    = 2020 // 429: Rate Limit Exceeded
	codeNotFound       = 2100 // 404: Not Found
	maxOffsetPlusLimit = 10000
)

// apiError is an error answer: an HTTP status and PagerDuty's error object,
// serialized as {"error":{"message":...,"code":...,"errors":[...]}}.
type apiError struct {
	status  int
	code    int
	message string
	errors  []string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s (code %d): %s", e.status, e.message, e.code, strings.Join(e.errors, "; "))
}

// body is the JSON document PagerDuty sends with an error.
func (e *apiError) body() any {
	errs := e.errors
	if errs == nil {
		errs = []string{}
	}
	return struct {
		Error wireError `json:"error"`
	}{wireError{Message: e.message, Code: e.code, Errors: errs}}
}

type wireError struct {
	Message string   `json:"message"`
	Code    int      `json:"code"`
	Errors  []string `json:"errors"`
}

func errInvalid(details ...string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: codeInvalidInput, message: "Invalid Input Provided", errors: details}
}

func errArguments(details ...string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: codeArgumentsErr, message: "Arguments Caused Error", errors: details}
}

func errNotFound(details ...string) *apiError {
	return &apiError{status: http.StatusNotFound, code: codeNotFound, message: "Not Found", errors: details}
}

func errAuth() *apiError {
	return &apiError{status: http.StatusUnauthorized, code: codeAuthFailed, message: "Authentication failed",
		errors: []string{`Provide a valid API token in the Authorization header: "Token token=<token>"`}}
}

func errFromMissing() *apiError {
	return &apiError{status: http.StatusBadRequest, code: codeFromRequired,
		message: `You must specify a user's email address in the "From" header to perform this action`}
}

func errFromUnknown() *apiError {
	return errInvalid("Requester User Not Found")
}

func errOffsetTooLarge() *apiError {
	return errArguments("Offset+limit exceeds maximum allowed value of 10000. Please try to refine your search to reduce the returned set of records below this number, like adding a date range.")
}

func errAlreadyResolved() *apiError {
	return errInvalid("Incident Already Resolved")
}

// errInjected is the answer FailFor forces for status.
func errInjected(status int) *apiError {
	e := &apiError{status: status, message: http.StatusText(status)}
	switch {
	case status == http.StatusTooManyRequests:
		e.code, e.message = codeRateLimited, "Rate Limit Exceeded"
	case status == http.StatusUnauthorized:
		return errAuth()
	case status == http.StatusForbidden:
		e.code, e.message = codeAccessDenied, "Access Denied"
	case status == http.StatusNotFound:
		e.code = codeNotFound
	case status >= 500:
		e.code = codeInternal
		e.errors = []string{"The service is temporarily unavailable; retry later."}
	default:
		e.code = codeInvalidInput
	}
	if e.message == "" {
		e.message = "Error"
	}
	return e
}
