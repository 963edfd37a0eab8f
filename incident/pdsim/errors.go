package pdsim

import (
	"fmt"
	"net/http"
	"strings"
)

// PagerDuty error codes the simulator answers with. They follow PagerDuty's
// published table of REST API error codes (developer.pagerduty.com,
// "Errors"; the OpenAPI document has the error body but not the table);
// the HTTP status travels with each. docs/pdsim.md lists the codes whose
// use here is inferred rather than documented per endpoint.
const (
	codeAlreadyResolved = 1001 // 400: Incident Already Resolved
	codeRequesterGone   = 1008 // 400: Requester User Not Found (the From header names no user)
	codeNotAcknowledged = 1012 // 400: the incident must be acknowledged (snooze)
	codeFromMalformed   = 1028 // 400: the From header is not a valid email address
	codeInternal        = 2000 // 5xx: an unexpected error
	codeInvalidInput    = 2001 // 400: Invalid Input Provided
	codeArgumentsErr    = 2002 // 400: Arguments Caused Error (e.g. offset+limit > 10000)
	codeAuthFailed      = 2006 // 401: Authentication failed
	codeAccessDenied    = 2010 // 403: Access Denied
	codeFromRequired    = 2016 // 400: the From header is required
	codeRateLimited     = 2020 // 429: Rate Limit Exceeded
	codeNotFound        = 2100 // 404: Not Found
	maxOffsetPlusLimit  = 10000
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
// The documented 429 (components/responses/TooManyRequests, whose example
// is {"error":{"message":...,"code":2020}}) has no errors array; every
// other error carries one, empty when there are no details.
func (e *apiError) body() any {
	if e.status == http.StatusTooManyRequests {
		return struct {
			Error wireErrorNoDetails `json:"error"`
		}{wireErrorNoDetails{Message: e.message, Code: e.code}}
	}
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

type wireErrorNoDetails struct {
	Message string `json:"message"`
	Code    int    `json:"code"`
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
	return &apiError{status: http.StatusBadRequest, code: codeRequesterGone, message: "Requester User Not Found",
		errors: []string{"The From header must be the email address of a user in this account"}}
}

func errFromMalformed() *apiError {
	return &apiError{status: http.StatusBadRequest, code: codeFromMalformed, message: "Invalid From Header",
		errors: []string{"The From header must be an email address"}}
}

func errNotAcknowledged() *apiError {
	return &apiError{status: http.StatusBadRequest, code: codeNotAcknowledged, message: "Incident Not Acknowledged",
		errors: []string{"An incident must be acknowledged before it can be snoozed"}}
}

// errTooMany is the 413 PUT /incidents answers for more than 250 incidents.
func errTooMany(n int) *apiError {
	return &apiError{status: http.StatusRequestEntityTooLarge, code: codeInvalidInput, message: "Request Entity Too Large",
		errors: []string{fmt.Sprintf("At most %d incidents can be updated at a time; got %d", maxManage, n)}}
}

func errOffsetTooLarge() *apiError {
	return errArguments("Offset+limit exceeds maximum allowed value of 10000. Please try to refine your search to reduce the returned set of records below this number, like adding a date range.")
}

func errAlreadyResolved() *apiError {
	return &apiError{status: http.StatusBadRequest, code: codeAlreadyResolved, message: "Incident Already Resolved",
		errors: []string{"The incident is resolved"}}
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
