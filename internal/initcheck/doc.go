// Package initcheck holds the check that keeps the module's own packages
// free of work at package initialisation.
//
// Go runs the initialiser of every package-level variable, and every init
// function, of every linked package before main starts, whatever the
// command: `oncall --version` pays for the compiled regular expressions of
// the postmortem linter and the word tables of the review. Values like
// these are built on first use instead (sync.OnceValue), and the check in
// this package's test reads every non-test Go file of the module (for every
// system; not those marked //go:build ignore, which no build includes) and
// fails on a package-level initialiser that would run code at init.
//
// The invariant it enforces, for every package of the module:
//   - no func init;
//   - a package-level variable's initialiser calls nothing but errors.New,
//     sync.OnceValue, sync.OnceValues and sync.OnceFunc, conversions to a
//     named type of the module or a predeclared type, and the builtins that
//     cost nothing (len, cap, new); function literals are not run at init
//     and are not looked into;
//   - no map literal (and no make) at package level: Go builds a map at run
//     time, entry by entry, even when every key and value is a constant.
//     Slices, arrays and structs of constants are laid out by the linker and
//     cost nothing.
//
// The check is syntactic, so it is strict where it cannot tell: a call whose
// callee it does not recognise counts as work. Exceptions are named one by
// one, package and variable, with the reason, in the test; an exception that
// no longer matches anything fails the test, so the list only shrinks.
package initcheck
