// Package limit holds what the configurable limits of oomguard share: a
// limit of zero (or less) in an options struct means its default.
package limit

// Or returns v if it is set (above zero), def otherwise.
func Or[T ~int | ~int64 | ~float64](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}
