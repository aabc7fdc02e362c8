package promapi

import "fmt"

// Kind sorts failures by what the caller does about them.
type Kind int

// Kinds of failure. The first three make the server unusable; the others
// cost one answer each.
const (
	KindUnreachable  Kind = iota // no connection, a TLS failure, a credential file that cannot be read
	KindUnauthorized             // 401 or 403
	KindTimeout                  // the request or the query took longer than the timeout
	KindServer                   // a 5xx answer
	KindTooLarge                 // an answer over the size cap
	KindRejected                 // the API refused the request (a bad query, a limit of the server)
	KindBadAnswer                // not the Prometheus API's JSON
)

var kindNames = [...]string{"unreachable", "unauthorized", "timeout", "server error", "answer too large", "rejected", "bad answer"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind %d", int(k))
}

// Fatal says whether a failure of this kind makes the server unusable.
func (k Kind) Fatal() bool { return k == KindUnreachable || k == KindUnauthorized }

// Error is a failed request. It names the server, never its credentials.
type Error struct {
	Server string
	Kind   Kind
	// Status is the HTTP status, 0 when there was no answer.
	Status int
	Err    error
}

func (e *Error) Error() string {
	switch e.Kind {
	case KindUnreachable:
		return fmt.Sprintf("server %s cannot be reached: %v", e.Server, e.Err)
	case KindUnauthorized:
		return fmt.Sprintf("server %s refused the credentials: %v", e.Server, e.Err)
	}
	return fmt.Sprintf("server %s: %s: %v", e.Server, e.Kind, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Failure counts the failures of one kind, with the first of them.
type Failure struct {
	Kind  Kind
	Count int
	First *Error
}

// String is the one line a caller prints for all the failures of a kind.
func (f Failure) String() string {
	if f.Count == 1 {
		return f.First.Error()
	}
	return fmt.Sprintf("%v (and %d more %s failures)", f.First, f.Count-1, f.Kind)
}
