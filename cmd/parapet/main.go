// Command parapet sees, stops and proves what AI agents can do in the cloud:
// posture and attack paths (iam, scan), guardrails (check, admission,
// gateway) and a verifiable decision log (audit).
//
// This package only parses flags and prints; logic lives in internal/.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes, as DESIGN.md defines them.
const (
	exitClean    = 0 // no findings at or above --fail-on
	exitFindings = 1 // findings at or above --fail-on
	exitUsage    = 2 // usage or input error
)

// exitError carries an exit code out of a command. A nil Err means the
// command already printed what it had to say.
type exitError struct {
	Code int
	Err  error
}

func (e *exitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *exitError) Unwrap() error { return e.Err }

// withCode wraps err so that the process exits with code.
func withCode(code int, err error) error { return &exitError{Code: code, Err: err} }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "parapet",
		Short:         "Guardrails for AI agents in the cloud: see, stop, prove",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return withCode(exitUsage, fmt.Errorf("%w (see %s --help)", err, c.CommandPath()))
	})
	root.AddCommand(commandGroups()...)
	return root
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	root := newRootCmd()
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitClean
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			fmt.Fprintln(os.Stderr, "parapet:", ee.Err)
		}
		return ee.Code
	}
	// Anything else is a usage or input error: cobra's own argument errors
	// and the packages' errors, which name the file and field.
	fmt.Fprintln(os.Stderr, "parapet:", err)
	return exitUsage
}
