package audit

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parapet-sec/parapet/internal/store/storetest"
)

// Environment of the writer subprocess of the crash test.
const (
	crashStoreEnv = "PARAPET_AUDIT_CRASH_STORE"
	crashKeyEnv   = "PARAPET_AUDIT_CRASH_KEY"
)

// TestCrashWriter is not a test of its own: the crash test runs the test
// binary with this test selected to get a writer it can kill. The writer
// appends from many goroutines, prints "INDEX TAG" for every acknowledged
// append and signs a checkpoint now and then, until it is killed.
func TestCrashWriter(t *testing.T) {
	loc := os.Getenv(crashStoreEnv)
	if loc == "" {
		t.Skip("runs only as the crash test's writer subprocess")
	}
	ctx := context.Background()
	st := storetest.Open(t, loc)
	l, err := Config{MaxBatch: 512}.Open(ctx, st, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "writer:", err)
		os.Exit(3)
	}
	signer, err := LoadSigner(os.Getenv(crashKeyEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, "writer:", err)
		os.Exit(3)
	}
	var out sync.Mutex
	for g := range 16 {
		go func() {
			for n := 0; ; n++ {
				tag := fmt.Sprintf("p%d-g%d-n%d", os.Getpid(), g, n)
				r := testRecord(n)
				r.Reason = tag
				idx, err := l.Append(ctx, r)
				if err != nil {
					fmt.Fprintln(os.Stderr, "writer:", err)
					os.Exit(3)
				}
				out.Lock()
				fmt.Fprintf(os.Stdout, "%d %s\n", idx, tag)
				out.Unlock()
			}
		}()
	}
	for {
		time.Sleep(20 * time.Millisecond)
		if _, err := l.Checkpoint(ctx, signer); err != nil {
			fmt.Fprintln(os.Stderr, "writer:", err)
			os.Exit(3)
		}
	}
}

// TestKilledWriterLosesNoAcknowledgedEntry kills a writer process with
// SIGKILL in the middle of appending, again and again, and checks after each
// kill that every entry it acknowledged is there with its content and that
// the whole log verifies, also against the checkpoint of the run before.
func TestKilledWriterLosesNoAcknowledgedEntry(t *testing.T) {
	storetest.Run(t, func(t *testing.T, k storetest.Kind) {
		runs := 16
		if k.Name != "sqlite" {
			runs = 6
		}
		killWriter(t, k, runs)
	})
}

func killWriter(t *testing.T, k storetest.Kind, runs int) {
	if testing.Short() {
		runs = min(runs, 4)
	}
	if s := os.Getenv("PARAPET_AUDIT_CRASH_RUNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("PARAPET_AUDIT_CRASH_RUNS=%q is not a positive count", s)
		}
		runs = n
	}
	ctx := context.Background()
	l, skey, loc := newTestLogKey(t, k)
	l.Close()
	keyPath := filepath.Join(t.TempDir(), "log.key")
	if err := WriteKeyFile(keyPath, skey); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	acked := map[uint64]string{}
	var trusted []byte
	for run := range runs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWriter$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashStoreEnv+"="+loc, crashKeyEnv+"="+keyPath)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1<<16)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Kill only once the writer is acknowledging appends, at a
		// random point after that.
		first := <-lines
		time.Sleep(time.Duration(20+rng.IntN(150)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		n := 0
		for _, line := range append([]string{first}, drain(lines)...) {
			if line == "" {
				continue
			}
			f := strings.Fields(line)
			if len(f) != 2 {
				continue // the test framework's own output
			}
			idx, err := strconv.ParseUint(f[0], 10, 64)
			if err != nil {
				continue
			}
			if old, dup := acked[idx]; dup {
				t.Fatalf("run %d: index %d acknowledged twice (%s and %s)", run, idx, old, f[1])
			}
			acked[idx] = f[1]
			n++
		}
		if first == "" || n == 0 {
			t.Fatalf("run %d: the writer acknowledged nothing; stderr:\n%s", run, stderr.String())
		}

		lg := reopen(t, loc)
		for idx, tag := range acked {
			e, err := lg.Entry(ctx, idx)
			if err != nil {
				t.Fatalf("run %d: acknowledged entry %d (%s) lost: %v", run, idx, tag, err)
			}
			if !bytes.Contains(e, []byte(`"reason":"`+tag+`"`)) {
				t.Fatalf("run %d: entry %d holds %s, want the record tagged %s", run, idx, e, tag)
			}
		}
		rep, err := lg.Verify(ctx, trusted)
		if err != nil {
			t.Fatalf("run %d: after the kill: %v", run, err)
		}
		if rep.Checkpoint != nil {
			trusted = rep.Checkpoint
		}
		t.Logf("run %d: killed after %d acknowledged appends; log holds %d entries, all verified", run, n, rep.Size)
		lg.Close()
	}
}

func drain(ch chan string) []string {
	var out []string
	for s := range ch {
		out = append(out, s)
	}
	return out
}
