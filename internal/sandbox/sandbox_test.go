//go:build linux

package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestMain makes the test binary the sandboxed server too: with
// SANDBOX_TEST_PROBE set it reports, as JSON on stdout, what a server in
// the sandbox can reach and hold.
func TestMain(m *testing.M) {
	if os.Getenv("SANDBOX_TEST_PROBE") != "" {
		json.NewEncoder(os.Stdout).Encode(probe())
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type probeReport struct {
	UID        int      `json:"uid"`
	Status     []string `json:"status"` // CapEff, CapPrm, CapInh, CapAmb, CapBnd, NoNewPrivs
	Env        []string `json:"env"`
	Direct     string   `json:"direct"`  // dialling PROBE_DIRECT without the proxy
	Proxied    string   `json:"proxied"` // GET PROBE_URL through HTTP_PROXY
	Args       []string `json:"args"`
	WorkingDir string   `json:"dir"`
	// Parent is what reading the gateway's (the test's) environment
	// through /proc gave, and Signal what signalling it did.
	Parent string `json:"parent"`
	Signal string `json:"signal"`
	// Confined is what the sandbox reported.
	Confined bool `json:"-"`
	// InheritedFD is what using the descriptor PROBE_FD gave.
	InheritedFD string `json:"inherited_fd"`
	// Secret is what reading PROBE_SECRET gave (the probe then tries to
	// overwrite it), and Dir what listing PROBE_DIR and writing in it gave.
	Secret string `json:"secret"`
	Dir    string `json:"hidden_dir"`
}

func probe() probeReport {
	r := probeReport{UID: os.Getuid(), Env: os.Environ(), Args: os.Args}
	if n, err := strconv.Atoi(os.Getenv("PROBE_FD")); err == nil {
		if _, err := unix.GetsockoptInt(n, unix.SOL_SOCKET, unix.SO_TYPE); err != nil {
			r.InheritedFD = "error: " + err.Error()
		} else {
			r.InheritedFD = "a socket"
		}
	}
	if f := os.Getenv("PROBE_SECRET"); f != "" {
		if b, err := os.ReadFile(f); err != nil {
			r.Secret = "error: " + err.Error()
		} else {
			r.Secret = fmt.Sprintf("read %q", b)
		}
		os.WriteFile(f, []byte("overwritten"), 0o600)
	}
	if d := os.Getenv("PROBE_DIR"); d != "" {
		ents, err := os.ReadDir(d)
		r.Dir = fmt.Sprintf("%d entries, %v", len(ents), err)
		if err := os.WriteFile(filepath.Join(d, "new"), nil, 0o600); err != nil {
			r.Dir += "; write: " + err.Error()
		}
	}
	r.WorkingDir, _ = os.Getwd()
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "Cap") || strings.HasPrefix(l, "NoNewPrivs") || strings.HasPrefix(l, "Groups") {
				r.Status = append(r.Status, strings.Join(strings.Fields(l), " "))
			}
		}
	}
	if c, err := net.DialTimeout("tcp", os.Getenv("PROBE_DIRECT"), 2*time.Second); err != nil {
		r.Direct = "error: " + err.Error()
	} else {
		c.Close()
		r.Direct = "connected"
	}
	// The gateway's process ID as the host sees it: in the sandbox's own
	// process ID namespace the parent shows as 0.
	parent, _ := strconv.Atoi(os.Getenv("PROBE_PARENT"))
	if _, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", parent)); err != nil {
		r.Parent = "error: " + err.Error()
	} else {
		r.Parent = "read"
	}
	if err := syscall.Kill(parent, 0); err != nil {
		r.Signal = "error: " + err.Error()
	} else {
		r.Signal = "sent"
	}
	if u := os.Getenv("PROBE_URL"); u != "" {
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(u)
		if err != nil {
			r.Proxied = "error: " + err.Error()
		} else {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			r.Proxied = fmt.Sprintf("%d %s", resp.StatusCode, b)
		}
	}
	return r
}

// proxy is a forward proxy for plain HTTP that sends backend.test to
// backend and records the credentials it was given.
type proxy struct {
	backend string
	mu      sync.Mutex
	users   []string
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, pass, _ := (&http.Request{Header: http.Header{"Authorization": r.Header.Values("Proxy-Authorization")}}).BasicAuth()
	p.mu.Lock()
	p.users = append(p.users, user+":"+pass)
	p.mu.Unlock()
	if r.URL.Host != "backend.test" {
		http.Error(w, "unknown host "+r.URL.Host, http.StatusForbidden)
		return
	}
	resp, err := http.Get("http://" + p.backend + r.URL.Path)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

// run starts spec in a sandbox, serves p on its proxy socket, and returns
// what the probe reported.
func run(t *testing.T, spec Spec, p *proxy) probeReport {
	t.Helper()
	skipUnlessAvailable(t)
	sb, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	var out bytes.Buffer
	sb.Cmd.Stdout, sb.Cmd.Stderr = &out, &out
	err = sb.Cmd.Start()
	sb.Started()
	if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.ENOSPC) {
		t.Skipf("user namespaces are not available here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ln, err := sb.Ready(ctx)
	if err != nil {
		sb.Cmd.Wait()
		t.Fatalf("%v (output: %s)", err, out.String())
	}
	if (ln != nil) != (spec.ProxyUser != "") {
		t.Fatalf("proxy socket %v, want one only with a proxy user", ln)
	}
	if ln != nil {
		srv := &http.Server{Handler: p}
		go srv.Serve(ln)
		defer srv.Close()
	}
	if err := sb.Cmd.Wait(); err != nil {
		t.Fatalf("server: %v (output: %s)", err, out.String())
	}
	var r probeReport
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("probe output %q: %v", out.String(), err)
	}
	r.Confined = sb.Confined
	return r
}

func backend(t *testing.T) *httptest.Server {
	b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello from the host") }))
	t.Cleanup(b.Close)
	return b
}

func TestProxyIsTheOnlyWayOut(t *testing.T) {
	b := backend(t)
	host := strings.TrimPrefix(b.URL, "http://")
	p := &proxy{backend: host}
	dir := t.TempDir()
	r := run(t, Spec{Path: os.Args[0], Name: "probe-server", Args: []string{"one", "two"}, Dir: dir,
		Env:       []string{"SANDBOX_TEST_PROBE=1", "PROBE_DIRECT=" + host, "PROBE_URL=http://backend.test/x", launchEnv + "=1", "PROBE_PARENT=" + strconv.Itoa(os.Getpid())},
		ProxyUser: "box", ProxyPassword: "s3cret"}, p)

	if !strings.HasPrefix(r.Direct, "error:") {
		t.Errorf("a direct connection to the host's loopback got through: %s", r.Direct)
	}
	if r.Proxied != "200 hello from the host" {
		t.Errorf("through the proxy: %q", r.Proxied)
	}
	p.mu.Lock()
	if len(p.users) != 1 || p.users[0] != "box:s3cret" {
		t.Errorf("proxy credentials %q", p.users)
	}
	p.mu.Unlock()
	if r.UID != os.Geteuid() {
		t.Errorf("uid %d inside, want the gateway's %d", r.UID, os.Geteuid())
	}
	for _, want := range []string{"CapInh: 0000000000000000", "CapPrm: 0000000000000000", "CapEff: 0000000000000000", "CapAmb: 0000000000000000", "NoNewPrivs: 1"} {
		if !slices.Contains(r.Status, want) {
			t.Errorf("want %q in %q", want, r.Status)
		}
	}
	if os.Geteuid() == 0 && !slices.Contains(r.Status, "CapBnd: 0000000000000000") {
		t.Errorf("run as root, the bounding set is not empty: %q", r.Status)
	}
	// Its own /proc does not list the gateway; and under the host's (where
	// that mount is refused), another user namespace makes tracing it, or
	// reading its memory or environment, need CAP_SYS_PTRACE in the
	// gateway's.
	if !strings.Contains(r.Parent, "no such file or directory") && !strings.Contains(r.Parent, "permission denied") {
		t.Errorf("reading the gateway's environment through /proc gave %q", r.Parent)
	}
	if abi := landlockABI(); abi >= 1 && !r.Confined {
		t.Errorf("Landlock ABI %d is available, yet the server is not in a domain of its own", abi)
	}
	// In its own process ID namespace the server cannot even name the
	// gateway to signal it.
	if !strings.Contains(r.Signal, "no such process") {
		t.Errorf("signalling the gateway gave %q", r.Signal)
	}
	if len(r.Args) != 3 || r.Args[0] != "probe-server" || r.Args[1] != "one" || r.Args[2] != "two" {
		t.Errorf("args %q", r.Args)
	}
	if got, _ := filepath.EvalSymlinks(r.WorkingDir); got != mustEval(t, dir) {
		t.Errorf("working directory %q, want %q", r.WorkingDir, dir)
	}
	var proxyVar string
	for _, kv := range r.Env {
		if strings.HasPrefix(kv, launchEnv) {
			t.Errorf("the launcher's marker reached the server: %s", kv)
		}
		if v, ok := strings.CutPrefix(kv, "HTTPS_PROXY="); ok {
			proxyVar = v
		}
	}
	if !strings.HasPrefix(proxyVar, "http://box:s3cret@127.0.0.1:") {
		t.Errorf("HTTPS_PROXY=%q", proxyVar)
	}
}

// landlockABI is the kernel's Landlock ABI version (0 without Landlock).
func landlockABI() int {
	abi, _, e := syscall.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if e != 0 {
		return 0
	}
	return int(abi)
}

func mustEval(t *testing.T, p string) string {
	s, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNoProxyNoNetwork(t *testing.T) {
	b := backend(t)
	host := strings.TrimPrefix(b.URL, "http://")
	r := run(t, Spec{Path: os.Args[0], Env: []string{"SANDBOX_TEST_PROBE=1", "PROBE_DIRECT=" + host}}, nil)
	if !strings.HasPrefix(r.Direct, "error:") {
		t.Errorf("a server without a proxy reached the host: %s", r.Direct)
	}
	for _, kv := range r.Env {
		if strings.Contains(strings.ToUpper(kv), "PROXY=") {
			t.Errorf("proxy variable without a proxy: %s", kv)
		}
	}
}

func TestLauncherFailureIsReported(t *testing.T) {
	notExec := filepath.Join(t.TempDir(), "server")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sb := start(t, Spec{Path: notExec, ProxyUser: "box"})
	defer sb.Cmd.Wait()
	_, err := sb.Ready(context.Background())
	if err == nil || !strings.Contains(err.Error(), notExec) || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("got %v, want an error naming %s", err, notExec)
	}
}

func TestLauncherThatDiesIsSeen(t *testing.T) {
	sb, err := New(Spec{Path: "/bin/true"})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	sb.Cmd.Env = append(sb.Cmd.Env, launchEnv+"=2") // a protocol it does not speak
	if err := sb.Cmd.Start(); err != nil {
		t.Skipf("user namespaces are not available here: %v", err)
	}
	sb.Started()
	defer sb.Cmd.Wait()
	if _, err := sb.Ready(context.Background()); err == nil || !strings.Contains(err.Error(), "protocol") {
		t.Fatalf("got %v", err)
	}
}

// TestUnprivileged runs the tests above again as an ordinary user, when
// these run as root and setpriv is at hand: a gateway is usually not root,
// and then the launcher holds CAP_NET_ADMIN only through the ambient set.
func TestUnprivileged(t *testing.T) {
	if os.Geteuid() != 0 || os.Getenv("SANDBOX_TEST_UNPRIVILEGED") != "" {
		t.Skip("runs only as root, to run the other tests as another user")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv is not installed")
	}
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} { // the test's folder and its own
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "sandbox.test")
	b, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", bin, "-test.count=1", "-test.v", "-test.run=^Test(ProxyIsTheOnlyWayOut|NoProxyNoNetwork|LauncherFailureIsReported|TheGatewaysFilesAreHidden)$")
	cmd.Dir = dir
	cmd.Env = []string{"SANDBOX_TEST_UNPRIVILEGED=1", "PATH=/usr/bin:/bin"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("as user 65534: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "--- PASS") + strings.Count(string(out), "--- SKIP"); n != 4 {
		t.Fatalf("as user 65534, %d tests passed or skipped, want 4:\n%s", n, out)
	}
}

func TestDescriptorsTheGatewayInheritedStayOut(t *testing.T) {
	b := backend(t)
	c, err := net.Dial("tcp", strings.TrimPrefix(b.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f, err := c.(*net.TCPConn).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// As a shell or a socket-activating service would hand it down: a
	// connection on the host's network, not close-on-exec.
	const fd = 200
	if err := unix.Dup3(int(f.Fd()), fd, 0); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	r := run(t, Spec{Path: os.Args[0], Env: []string{"SANDBOX_TEST_PROBE=1", "PROBE_FD=200"}}, nil)
	if !strings.Contains(r.InheritedFD, "bad file descriptor") {
		t.Fatalf("descriptor %d in the server: %s", fd, r.InheritedFD)
	}
}

func TestARootGatewaysServerRunsAsAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		if _, err := New(Spec{Path: os.Args[0], RunAs: &Nobody}); err == nil {
			t.Fatal("a gateway not run as root ran a server as another user")
		}
		t.Skip("the rest needs root")
	}
	skipUnlessAvailable(t)
	if os.Getenv("SANDBOX_TEST_IN_COPY") == "" {
		// The launcher is this binary, which must be one the other user
		// can run: run the test again from a copy that is.
		cmd := exec.Command(copyTo(t, os.Args[0]), "-test.count=1", "-test.v", "-test.run=^TestARootGatewaysServerRunsAsAnotherUser$")
		cmd.Env = append(os.Environ(), "SANDBOX_TEST_IN_COPY=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS") {
			t.Fatalf("%v\n%s", err, out)
		}
		return
	}
	secret, err := os.CreateTemp("", "gateway-key")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(secret.Name())
	secret.Close()
	os.Chmod(secret.Name(), 0o600)
	r := run(t, Spec{Path: os.Args[0], Env: []string{"SANDBOX_TEST_PROBE=1", "PROBE_SECRET=" + secret.Name()}, RunAs: &Nobody}, nil)
	if r.UID != int(Nobody.UID) || !slices.Contains(r.Status, "Groups:") {
		t.Fatalf("uid %d, %q; want %d and no groups", r.UID, r.Status, Nobody.UID)
	}
	if !strings.Contains(r.Secret, "permission denied") {
		t.Fatalf("the server read the gateway's 0600 file: %s", r.Secret)
	}
	for _, want := range []string{"CapEff: 0000000000000000", "CapPrm: 0000000000000000", "NoNewPrivs: 1"} {
		if !slices.Contains(r.Status, want) {
			t.Errorf("want %q in %q", want, r.Status)
		}
	}
}

// copyTo copies the test binary where any user can run it.
func copyTo(t *testing.T, bin string) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "sandbox.test")
	if err := os.WriteFile(out, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTheMarkerAloneMakesNoLauncher(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), launchEnv+"=1")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 126 || !strings.Contains(string(out), "not started as a sandbox launcher") {
		t.Fatalf("exit %v, output %q", err, out)
	}
}

func TestTheGatewaysFilesAreHidden(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "audit.key")
	state := filepath.Join(dir, "state")
	if err := os.WriteFile(key, []byte("PRIVATE KEY"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(state, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(state, "gateway.db"), []byte("approvals"), 0o600)
	r := run(t, Spec{Path: os.Args[0], Env: []string{"SANDBOX_TEST_PROBE=1", "PROBE_SECRET=" + key, "PROBE_DIR=" + state},
		Hide: []string{key, state, filepath.Join(dir, "absent")}}, nil)
	if r.Secret != `read ""` {
		t.Errorf("the server read the hidden key: %s", r.Secret)
	}
	if !strings.HasPrefix(r.Dir, "0 entries, <nil>; write: ") {
		t.Errorf("the hidden folder: %s", r.Dir)
	}
	if b, _ := os.ReadFile(key); string(b) != "PRIVATE KEY" {
		t.Errorf("the server changed the hidden key: %q", b)
	}
	if ents, _ := os.ReadDir(state); len(ents) != 1 {
		t.Errorf("the hidden folder holds %d entries after the server ran", len(ents))
	}
}

func TestTheServersChildrenEndWithIt(t *testing.T) {
	marker := fmt.Sprintf("sleep 300.%d", os.Getpid()) // a command line no other process has
	sb := start(t, Spec{Path: "/bin/sh", Args: []string{"-c", "setsid " + marker + " </dev/null >/dev/null 2>&1 & sleep 0.2"}})
	if _, err := sb.Ready(context.Background()); err != nil {
		t.Fatal(err)
	}
	sb.Cmd.Wait()
	time.Sleep(100 * time.Millisecond)
	out, _ := exec.Command("pgrep", "-f", marker).Output()
	if len(strings.TrimSpace(string(out))) > 0 {
		exec.Command("pkill", "-f", marker).Run()
		t.Fatalf("a process the server left behind outlived it: %s", out)
	}
}

// start starts spec's sandbox (closed when the test ends), or skips the
// test where namespaces cannot be made.
func start(t *testing.T, spec Spec) *Sandbox { return start2(t, spec, nil) }

// start2 is start with the server's standard output and error to out.
func start2(t *testing.T, spec Spec, out *os.File) *Sandbox {
	t.Helper()
	skipUnlessAvailable(t)
	sb, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	if out != nil {
		sb.Cmd.Stdout, sb.Cmd.Stderr = out, out
	}
	if err := sb.Cmd.Start(); err != nil {
		t.Skipf("user namespaces are not available here: %v", err)
	}
	sb.Started()
	return sb
}

func TestTheServerSeesItsOwnProcessesInItsWorkingDirectory(t *testing.T) {
	dir := t.TempDir()
	hidden := filepath.Join(dir, "keys")
	os.Mkdir(hidden, 0o700)
	os.WriteFile(filepath.Join(hidden, "k"), []byte("TOPSECRET"), 0o600)
	out := filepath.Join(t.TempDir(), "out")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sb := start2(t, Spec{Path: "/bin/sh", Args: []string{"-c", "ls /proc | grep -c '^[0-9]'; cat k 2>&1; pwd"}, Dir: hidden, Hide: []string{hidden}}, f)
	if _, err := sb.Ready(context.Background()); err != nil {
		t.Fatal(err)
	}
	sb.Cmd.Wait()
	b, _ := os.ReadFile(out)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 3 {
		t.Fatalf("output %q", b)
	}
	if n, _ := strconv.Atoi(lines[0]); n < 1 || n > 3 {
		t.Errorf("the server's /proc lists %s processes, want its own (1-3)", lines[0])
	}
	if strings.Contains(lines[1], "TOPSECRET") {
		t.Errorf("a working directory inside a hidden folder showed its contents: %q", lines[1])
	}
}

func TestOwnIdentity(t *testing.T) {
	a, b := OwnIdentity("fs"), OwnIdentity("web")
	if a == b || a.UID < 1<<31 || b.UID < 1<<31 || a.UID == 1<<32-1 || a.GID != a.UID {
		t.Fatalf("OwnIdentity: fs %+v, web %+v", a, b)
	}
	if OwnIdentity("fs") != a {
		t.Fatal("OwnIdentity is not stable")
	}
}

// skipUnlessAvailable skips a test where this system cannot make
// sandboxes (user namespaces disabled, or without capabilities in them).
func skipUnlessAvailable(t *testing.T) {
	t.Helper()
	if err := Available(); err != nil {
		t.Skipf("this system cannot make sandboxes: %v", err)
	}
}

func TestAvailable(t *testing.T) {
	if err := Available(); err != nil {
		t.Logf("not here: %v", err) // what a gateway would say when a sandboxed upstream starts
	}
	if err1, err2 := Available(), Available(); (err1 == nil) != (err2 == nil) {
		t.Fatal("Available changed its answer")
	}
}

// Nobody is the conventional unprivileged user.
var Nobody = Identity{UID: 65534, GID: 65534}
