package model

import (
	"errors"
	"fmt"
)

// ErrorCode classifies an Error for callers that branch on it.
type ErrorCode string

// The error codes users can see.
const (
	ENotFound    ErrorCode = "not_found"
	EInvalid     ErrorCode = "invalid"
	EForbidden   ErrorCode = "forbidden"
	EConflict    ErrorCode = "conflict"
	EUnavailable ErrorCode = "unavailable"
	EInternal    ErrorCode = "internal"
)

// Error is the one user-facing error type: Message is a sentence safe to show
// a person in Slack or on the CLI; the wrapped Err carries operator detail.
type Error struct {
	Code    ErrorCode
	Message string
	Err     error
}

// Errorf builds a user-facing error with a formatted message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrorMessage returns the sentence to show a user for err: the Message of
// the first *Error in its chain, or a generic sentence for anything else so
// internals never leak into Slack.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Something went wrong on our side. Please try again in a minute."
}

// ErrorCodeOf returns the code of the first *Error in err's chain, EInternal
// otherwise.
func ErrorCodeOf(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}
