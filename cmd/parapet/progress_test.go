package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for the bar's goroutine and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestProgressWritesNothingIntoAPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p := newProgress(w, []string{"collect", "graph"})
	if p.active {
		t.Fatal("a pipe is taken for a terminal")
	}
	p.Stage("collect")
	p.Stage("graph")
	p.Done()
	w.Close()
	out, _ := io.ReadAll(r)
	if len(out) != 0 {
		t.Errorf("the bar wrote %q into a pipe", out)
	}
}

func TestProgressDrawsOnATerminalAndClearsItsLine(t *testing.T) {
	var buf lockedBuffer
	p := newProgressAfter(&buf, true, []string{"collect", "iam", "graph"}, 0)
	p.Stage("iam")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(buf.String(), "2/3 iam") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	p.Done()
	out := buf.String()
	if !strings.Contains(out, "2/3 iam") || !strings.Contains(out, "[") {
		t.Fatalf("no bar drawn: %q", out)
	}
	if !strings.HasSuffix(out, "\r\033[K") {
		t.Errorf("the bar's line is not cleared at the end: %q", out)
	}
}

func TestProgressStaysQuietForQuickWork(t *testing.T) {
	var buf lockedBuffer
	p := newProgressAfter(&buf, true, []string{"collect"}, time.Hour)
	p.Stage("collect")
	p.Done()
	if buf.String() != "" {
		t.Errorf("a quick run drew %q", buf.String())
	}
}
