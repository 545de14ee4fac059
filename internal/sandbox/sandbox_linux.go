package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Sandbox is a server about to start in namespaces of its own.
type Sandbox struct {
	// Cmd starts the launcher, which becomes the server: start it once
	// (mcp.CommandTransport does), then call Started.
	Cmd   *exec.Cmd
	ctl   *net.UnixConn // the gateway's end of the control socket
	child *os.File      // the launcher's end, held until it has started
	// Confined reports, once Ready has returned, whether the server runs
	// in a Landlock domain of its own (see the package documentation).
	Confined bool
}

// New prepares spec's server to start in a sandbox: a user and a network
// namespace of its own, reached through the launcher.
func New(spec Spec) (*Sandbox, error) {
	if spec.Path == "" {
		return nil, errors.New("sandbox: no program")
	}
	if !filepath.IsAbs(spec.Path) {
		return nil, fmt.Errorf("sandbox: program %q: want an absolute path", spec.Path)
	}
	for _, h := range spec.Hide {
		if !filepath.IsAbs(h) {
			return nil, fmt.Errorf("sandbox: hide %q: want an absolute path", h)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("sandbox: the launcher: %w", err)
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("sandbox: control socket: %w", err)
	}
	parent := os.NewFile(uintptr(fds[0]), "sandbox-control")
	child := os.NewFile(uintptr(fds[1]), "sandbox-control")
	c, err := net.FileConn(parent)
	parent.Close()
	if err != nil {
		child.Close()
		return nil, fmt.Errorf("sandbox: control socket: %w", err)
	}
	s := &Sandbox{ctl: c.(*net.UnixConn), child: child}
	// The launcher reads its credentials when it starts; a message this
	// small waits in the socket until then.
	msg, _ := json.Marshal(credentials{User: spec.ProxyUser, Password: spec.ProxyPassword, Hide: spec.Hide, Dir: spec.Dir})
	if _, err := s.ctl.Write(msg); err != nil {
		s.Close()
		return nil, fmt.Errorf("sandbox: control socket: %w", err)
	}
	name := spec.Name
	if name == "" {
		name = spec.Path
	}
	uid, gid := os.Geteuid(), os.Getegid()
	attr := &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET | syscall.CLONE_NEWNS | syscall.CLONE_NEWPID,
		// The launcher alone needs these, to bring the namespace's
		// loopback up and to cover the gateway's files; it drops them
		// before the server starts.
		AmbientCaps: []uintptr{unix.CAP_NET_ADMIN, unix.CAP_SYS_ADMIN},
	}
	switch {
	case spec.RunAs != nil && uid != 0:
		s.Close()
		return nil, errors.New("sandbox: only a gateway run as root can run a server as another user")
	case spec.RunAs != nil:
		// The same IDs inside as outside; supplementary groups dropped
		// (allowed, since root writes the mappings).
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: int(spec.RunAs.UID), HostID: int(spec.RunAs.UID), Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: int(spec.RunAs.GID), HostID: int(spec.RunAs.GID), Size: 1}}
		attr.GidMappingsEnableSetgroups = true
		attr.Credential = &syscall.Credential{Uid: spec.RunAs.UID, Gid: spec.RunAs.GID, Groups: []uint32{}}
	default:
		// The same user and group inside as outside, so the server sees
		// its files as the gateway's user does.
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: uid, HostID: uid, Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: gid, HostID: gid, Size: 1}}
	}
	env := make([]string, 0, len(spec.Env)+1)
	for _, kv := range spec.Env {
		if !strings.HasPrefix(kv, launchEnv+"=") {
			env = append(env, kv)
		}
	}
	s.Cmd = &exec.Cmd{
		Path:        exe,
		Args:        append([]string{"parapet-sandbox", spec.Path, name}, spec.Args...),
		Env:         append(env, launchEnv+"=1"),
		ExtraFiles:  []*os.File{child}, // fd 3
		SysProcAttr: attr,
	}
	return s, nil
}

// Started releases this process's copy of the launcher's end of the
// control socket, so that Ready sees a launcher that dies. Call it once
// Cmd has started (or failed to).
func (s *Sandbox) Started() {
	if s.child != nil {
		s.child.Close()
		s.child = nil
	}
}

// Ready waits for the launcher to set the namespace up and returns the
// egress proxy's listening socket in it (nil when the server has no
// proxy). The caller serves the proxy on it and closes it.
func (s *Sandbox) Ready(ctx context.Context) (net.Listener, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(30 * time.Second)
	}
	s.ctl.SetReadDeadline(deadline)
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := s.ctl.ReadMsgUnix(buf, oob)
	if err != nil {
		return nil, fmt.Errorf("sandbox: waiting for the launcher: %w", err)
	}
	if n == 0 {
		return nil, errors.New("sandbox: the launcher exited before setting up the namespace")
	}
	var fds []int
	if oobn > 0 {
		msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
		if err != nil {
			return nil, fmt.Errorf("sandbox: launcher's answer: %w", err)
		}
		for i := range msgs {
			got, err := unix.ParseUnixRights(&msgs[i])
			if err != nil {
				return nil, fmt.Errorf("sandbox: launcher's answer: %w", err)
			}
			fds = append(fds, got...)
		}
	}
	files := make([]*os.File, len(fds))
	for i, fd := range fds {
		files[i] = os.NewFile(uintptr(fd), "sandbox-proxy")
	}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	var r ready
	if err := json.Unmarshal(buf[:n], &r); err != nil {
		return nil, fmt.Errorf("sandbox: launcher's answer: %w", err)
	}
	if r.Error != "" {
		return nil, &LaunchError{Reason: r.Error}
	}
	s.Confined = r.Confined
	if r.Port == 0 {
		if len(files) != 0 {
			return nil, errors.New("sandbox: launcher sent a socket it was not asked for")
		}
		return nil, nil
	}
	if len(files) != 1 {
		return nil, fmt.Errorf("sandbox: launcher sent %d sockets, want 1", len(files))
	}
	ln, err := net.FileListener(files[0])
	if err != nil {
		return nil, fmt.Errorf("sandbox: the proxy's socket: %w", err)
	}
	return ln, nil
}

// Close releases the control socket.
func (s *Sandbox) Close() error {
	s.Started()
	return s.ctl.Close()
}

func init() {
	if v, ok := os.LookupEnv(launchEnv); ok {
		launch(v)
	}
}

// isLaunch checks that this process was started as New starts the
// launcher, not merely with its environment variable set: its argv[0],
// an absolute program path, and a control socket of the right kind on
// fd 3.
func isLaunch() error {
	if len(os.Args) < 3 || os.Args[0] != "parapet-sandbox" || !filepath.IsAbs(os.Args[1]) {
		return errors.New("not started as a sandbox launcher")
	}
	domain, err := unix.GetsockoptInt(3, unix.SOL_SOCKET, unix.SO_DOMAIN)
	if err != nil || domain != unix.AF_UNIX {
		return errors.New("fd 3 is not the control socket")
	}
	if typ, err := unix.GetsockoptInt(3, unix.SOL_SOCKET, unix.SO_TYPE); err != nil || typ != unix.SOCK_SEQPACKET {
		return errors.New("fd 3 is not the control socket")
	}
	return nil
}

// closeInherited marks every descriptor above the control socket
// close-on-exec: whatever the gateway inherited and did not mark (a socket
// on the host's network, above all) must not reach the server.
func closeInherited() error {
	if err := unix.CloseRange(4, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err == nil {
		return nil
	}
	// Kernels before 5.11: walk the descriptors.
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return err
	}
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 3 {
			unix.CloseOnExec(fd)
		}
	}
	return nil
}

// launch is the launcher: it runs in the new namespaces, as the gateway's
// user with CAP_NET_ADMIN there, with the control socket on fd 3 and
// os.Args = [name, path, argv...]. It does not return.
func launch(version string) {
	os.Unsetenv(launchEnv)
	if err := isLaunch(); err != nil {
		fmt.Fprintf(os.Stderr, "parapet: %s is set, but %v: unset it\n", launchEnv, err)
		os.Exit(126)
	}
	runtime.LockOSThread() // capability and no-new-privileges settings are per thread
	const ctl = 3
	unix.CloseOnExec(ctl)
	fail := func(err error) {
		b, _ := json.Marshal(ready{Error: err.Error()})
		unix.Write(ctl, b)
		fmt.Fprintln(os.Stderr, "parapet sandbox:", err)
		os.Exit(126)
	}
	if version != "1" {
		fail(fmt.Errorf("launcher protocol %q, want 1", version))
	}
	if err := closeInherited(); err != nil {
		fail(fmt.Errorf("closing inherited descriptors: %w", err))
	}
	if len(os.Args) < 3 {
		fail(errors.New("no program to run"))
	}
	buf := make([]byte, 4096)
	n, err := unix.Read(ctl, buf)
	var cred credentials
	if err == nil {
		err = json.Unmarshal(buf[:n], &cred)
	}
	if err != nil {
		fail(fmt.Errorf("reading the gateway's message: %w", err))
	}
	if err := loopbackUp(); err != nil {
		fail(fmt.Errorf("bringing the loopback interface up: %w", err))
	}
	if err := hide(cred.Hide); err != nil {
		fail(err)
	}
	if err := ownProc(); err != nil {
		fail(err)
	}
	if cred.Dir != "" { // after the covers: a folder inside a covered one is covered too
		if err := os.Chdir(cred.Dir); err != nil {
			fail(fmt.Errorf("working directory: %w", err))
		}
	}
	env := make([]string, 0, len(os.Environ())+8)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, launchEnv+"=") {
			env = append(env, kv)
		}
	}
	var answer ready
	var rights []byte
	lfd := -1
	if cred.User != "" {
		if lfd, answer.Port, err = listenLoopback(); err != nil {
			fail(fmt.Errorf("the proxy's socket: %w", err))
		}
		rights = unix.UnixRights(lfd)
		proxy := (&url.URL{Scheme: "http", User: url.UserPassword(cred.User, cred.Password),
			Host: fmt.Sprintf("127.0.0.1:%d", answer.Port)}).String()
		for _, k := range []string{"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"} {
			env = append(env, k+"="+proxy)
		}
		env = append(env, "NO_PROXY=", "no_proxy=")
	}
	path, argv := os.Args[1], os.Args[2:]
	if err := unix.Access(path, unix.X_OK); err != nil {
		fail(fmt.Errorf("%s: %w", path, err))
	}
	if err := dropPrivileges(); err != nil {
		fail(fmt.Errorf("dropping capabilities: %w", err))
	}
	if answer.Confined, err = confineProcesses(); err != nil {
		fail(fmt.Errorf("Landlock: %w", err))
	}
	b, _ := json.Marshal(answer)
	if err := unix.Sendmsg(ctl, b, rights, nil, 0); err != nil {
		fail(fmt.Errorf("answering the gateway: %w", err))
	}
	if lfd >= 0 {
		unix.Close(lfd)
	}
	unix.Close(ctl)
	err = unix.Exec(path, argv, env)
	fmt.Fprintf(os.Stderr, "parapet sandbox: %s: %v\n", path, err)
	os.Exit(127)
}

// hide covers paths in the launcher's mount namespace: a file by
// /dev/null, a folder by an empty read-only tmpfs. Mounts made here do not
// reach the gateway's namespace.
func hide(paths []string) error {
	if len(paths) == 0 {
		return nil
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making the mounts private: %w", err)
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			continue // nothing to hide, or hidden from this user already
		}
		if err != nil {
			return fmt.Errorf("hiding %s: %w", p, err)
		}
		switch {
		case st.IsDir():
			err = unix.Mount("tmpfs", p, "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "size=4k,mode=0555")
		case st.Mode().IsRegular():
			err = unix.Mount("/dev/null", p, "", unix.MS_BIND, "")
		default:
			continue // a pipe or a device (a configuration read from <(...)): nothing kept there
		}
		if err != nil {
			return fmt.Errorf("hiding %s: %w", p, err)
		}
	}
	return nil
}

// ownProc mounts a /proc of the server's own process ID namespace, so
// that it sees its own processes only, under the IDs it knows them by.
// Where the mount is refused (a container that forbids it), the host's
// /proc stays: the server still cannot signal or trace what it lists.
func ownProc() error {
	err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "")
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("mounting /proc: %w", err)
	}
	return nil
}

// loopbackUp brings up the namespace's loopback interface, which a new
// network namespace starts with down.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// listenLoopback opens a listening TCP socket on 127.0.0.1 and returns it
// with its port.
func listenLoopback() (int, int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, 0, err
	}
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		unix.Close(fd)
		return -1, 0, err
	}
	if err := unix.Listen(fd, 128); err != nil {
		unix.Close(fd)
		return -1, 0, err
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return -1, 0, err
	}
	return fd, sa.(*unix.SockaddrInet4).Port, nil
}

// confineProcesses puts the launcher, and so the server, in a Landlock
// domain of its own, where the kernel has Landlock (Linux 5.13 and later,
// when enabled): from Landlock ABI 6 on, a process in it cannot signal
// processes outside it (kill the gateway, or anything else of the same
// user), and at every ABI it cannot trace them, a second wall behind the
// user namespace, across which tracing already needs a capability the
// server does not have. It reports whether the domain is in place. The
// one file-system right the domain handles, creating block devices, is one
// a server never needs.
func confineProcesses() (bool, error) {
	abi, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if e == unix.ENOSYS || e == unix.EOPNOTSUPP {
		return false, nil // not built in, or not enabled
	}
	if e != 0 {
		return false, e
	}
	attr := unix.LandlockRulesetAttr{Handled_access_fs: unix.LANDLOCK_ACCESS_FS_MAKE_BLOCK}
	size := unsafe.Offsetof(attr.Scoped) // the fields ABI 1 knows
	if abi >= 6 {
		attr.Scoped = unix.LANDLOCK_SCOPE_SIGNAL | unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
		size = unsafe.Offsetof(attr.Quiet_access_fs)
	}
	fd, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(&attr)), size, 0)
	if e != 0 {
		return false, fmt.Errorf("create ruleset: %w", e)
	}
	defer unix.Close(int(fd))
	if _, _, e := unix.Syscall(unix.SYS_LANDLOCK_RESTRICT_SELF, fd, 0, 0); e != 0 {
		return false, fmt.Errorf("restrict: %w", e)
	}
	return true, nil
}

// dropPrivileges leaves the server no capability: it clears the ambient
// and inheritable sets and sets no-new-privileges, so that executing the
// server (or anything it runs, set-user-ID or with file capabilities)
// grants none; where the launcher runs as user 0 (a gateway run as root),
// whom executing a program would give every capability left in the
// bounding set, it empties that set too.
func dropPrivileges() error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil {
		return err
	}
	if os.Geteuid() == 0 {
		for c := 0; c < 64; c++ {
			if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err != nil {
				if errors.Is(err, unix.EINVAL) {
					break // past the last capability this kernel knows
				}
				return err
			}
		}
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return err
	}
	for i := range data {
		data[i].Inheritable = 0
	}
	return unix.Capset(&hdr, &data[0])
}

var (
	availableOnce sync.Once
	availableErr  error
)

// Available reports whether this system can start sandboxed servers: it
// starts one (the `true` program) once, and keeps the answer. Where user
// namespaces are disabled, or allowed without capabilities in them (as
// some AppArmor policies do), it says why.
func Available() error {
	availableOnce.Do(func() {
		path, err := exec.LookPath("true")
		if err == nil {
			path, err = filepath.Abs(path)
		}
		if err != nil {
			availableErr = fmt.Errorf("no program to try a sandbox with: %w", err)
			return
		}
		sb, err := New(Spec{Path: path})
		if err != nil {
			availableErr = err
			return
		}
		defer sb.Close()
		err = sb.Cmd.Start()
		sb.Started()
		if err != nil {
			availableErr = err
			return
		}
		defer sb.Cmd.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, availableErr = sb.Ready(ctx)
	})
	return availableErr
}
