//go:build !linux

package sandbox

import (
	"context"
	"net"
	"os/exec"
)

// Sandbox is a server about to start in namespaces of its own; on this
// system there are none.
type Sandbox struct {
	Cmd *exec.Cmd
}

// New returns ErrUnsupported: only Linux has the namespaces.
func New(Spec) (*Sandbox, error) { return nil, ErrUnsupported }

// Started does nothing here.
func (s *Sandbox) Started() {}

// Ready returns ErrUnsupported.
func (s *Sandbox) Ready(context.Context) (net.Listener, error) { return nil, ErrUnsupported }

// Close does nothing here.
func (s *Sandbox) Close() error { return nil }

// Available returns ErrUnsupported.
func Available() error { return ErrUnsupported }
