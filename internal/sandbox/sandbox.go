// Package sandbox starts a stdio MCP server where the network it reaches is
// the gateway's choice rather than the server's.
//
// The server runs in a network namespace of its own, inside a user
// namespace (so no privilege is needed), where the loopback interface is
// all there is. With an egress proxy, that loopback holds one listening
// socket, created by a launcher inside the namespace and handed to the
// gateway, which serves its egress proxy on it; the server's HTTP_PROXY and
// HTTPS_PROXY point there. A server that ignores those variables, dials an
// address directly or resolves a name itself reaches nothing: every
// connection it makes is one the proxy has checked against its host rules
// when the connection was made. Without a proxy, the server has no network
// at all.
//
// The launcher is this program itself, started again with an environment
// variable that this package's init function recognises: it brings the
// namespace's loopback up, opens the proxy's socket, sends it over a
// control socket, drops every capability (the inheritable and ambient
// sets, the bounding set where it runs as user 0, and no new privileges),
// enters a Landlock domain of its own where the kernel has Landlock, and
// executes the server in its place.
//
// The server runs as the gateway's user (or, for a gateway run as root,
// as Spec.RunAs), with no capabilities and none of the descriptors the
// gateway inherited, in a mount namespace of its own where the gateway's
// own files (Spec.Hide) are covered and /proc is its own, and in a process
// ID namespace of its own, as its first process: it cannot name processes
// outside it, and whatever it starts ends with it. Covering a file keeps
// it from a server of another user twice over; from a server of the
// gateway's own user it is a cover only, since that user can move the
// folders above it. Being in another user namespace, it cannot trace the
// gateway or any other process of its user, or read their memory or
// environment (which could carry it out of its network namespace);
// Landlock (ABI 6, Linux 6.12) also keeps it from signalling them. It
// shares the gateway's file system: the sandbox confines the network and
// other processes, not files. A UNIX socket on the file system is
// reachable as a file is; run a server that must not reach one (or the
// gateway's own files) as another user (RunAs) or in a container.
package sandbox

import (
	"errors"
	"hash/fnv"
)

// Spec is the server to start.
type Spec struct {
	// Path is the program, resolved (as exec.LookPath resolves it); Name is
	// its argv[0] and Args the rest.
	Path string
	Name string
	Args []string
	// Dir is the working directory ("" for the gateway's).
	Dir string
	// Env is the server's whole environment, without proxy variables.
	Env []string
	// ProxyUser, when set, gives the server an egress proxy: a listening
	// socket in its namespace (see Sandbox.Listener) that HTTP_PROXY,
	// HTTPS_PROXY and ALL_PROXY name, with ProxyUser and ProxyPassword as
	// its credentials. Without it the server has no network.
	ProxyUser     string
	ProxyPassword string
	// Hide lists files and folders the server must not read or change
	// (the gateway's own state, keys and configuration): in the server's
	// mount namespace each is covered, a file by an empty one, a folder
	// by an empty read-only one. Paths that do not exist are skipped.
	Hide []string
	// RunAs, when set, is the user the server runs as, with no
	// supplementary groups. Only a gateway run as root can give it (and
	// one should: a server running as root owns root's files, a way out of
	// any namespace). Unset, the server runs as the gateway's user.
	RunAs *Identity
}

// Identity is a user and group ID.
type Identity struct {
	UID, GID uint32
}

// OwnIdentity is the user and group a server named name runs as by
// default under a gateway run as root: one of its own, so that servers
// cannot change each other's files, above 2^31 (where no account or
// subordinate ID range of the usual kind lies), from a hash of the name.
func OwnIdentity(name string) Identity {
	h := fnv.New32a()
	h.Write([]byte(name))
	id := 1<<31 | h.Sum32()&(1<<31-1)
	if id == 1<<32-1 { // (uid_t)-1 means "no change"
		id--
	}
	return Identity{UID: id, GID: id}
}

// LaunchError is a failure the launcher reported: it ran, and could not
// set the sandbox up or start the server.
type LaunchError struct{ Reason string }

func (e *LaunchError) Error() string { return "sandbox: " + e.Reason }

// ErrUnsupported is returned where the system cannot create the namespaces.
var ErrUnsupported = errors.New("network sandbox needs Linux network and user namespaces")

// launchEnv marks a process as the launcher; its value is the protocol
// version.
const launchEnv = "PARAPET_SANDBOX_LAUNCH"

// credentials is what the gateway sends the launcher.
type credentials struct {
	User     string   `json:"user,omitempty"`
	Password string   `json:"password,omitempty"`
	Hide     []string `json:"hide,omitempty"`
	Dir      string   `json:"dir,omitempty"`
}

// ready is what the launcher answers, with the proxy's socket attached
// when there is one.
type ready struct {
	Port     int    `json:"port,omitempty"`
	Confined bool   `json:"confined,omitempty"`
	Error    string `json:"error,omitempty"`
}
