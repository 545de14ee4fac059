package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// progressDelay is how long work runs before a progress bar appears: quick
// scans print nothing extra.
const progressDelay = time.Second

// progress draws a one-line progress bar on stderr while a long command
// runs. It draws only when its writer is a terminal, and only once the
// work has taken longer than progressDelay; in pipes and files it writes
// nothing at all.
type progress struct {
	w      io.Writer
	active bool // the writer is a terminal
	stages []string
	start  time.Time
	delay  time.Duration // progressDelay, shorter in tests

	mu      sync.Mutex
	current int
	drawn   bool
	stop    chan struct{}
	done    chan struct{}
}

// newProgress returns a progress bar over the named stages, drawing on f
// when f is a terminal.
func newProgress(f *os.File, stages []string) *progress {
	return newProgressOn(f, isTerminal(f), stages)
}

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool {
	return f != nil && term.IsTerminal(int(f.Fd()))
}

func newProgressOn(w io.Writer, active bool, stages []string) *progress {
	return newProgressAfter(w, active, stages, progressDelay)
}

// newProgressAfter is newProgressOn with a chosen delay before the bar shows.
func newProgressAfter(w io.Writer, active bool, stages []string, delay time.Duration) *progress {
	p := &progress{w: w, active: active, stages: stages, start: time.Now(), delay: delay, current: -1}
	if active {
		p.stop, p.done = make(chan struct{}), make(chan struct{})
		go p.loop()
	}
	return p
}

// Stage marks the start of the named stage.
func (p *progress) Stage(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, s := range p.stages {
		if s == name {
			p.current = i
		}
	}
}

func (p *progress) loop() {
	defer close(p.done)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			if time.Since(p.start) >= p.delay {
				p.draw()
			}
		}
	}
}

func (p *progress) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	const width = 24
	n := len(p.stages)
	filled := 0
	name := "starting"
	if p.current >= 0 && n > 0 {
		filled = width * p.current / n
		name = p.stages[p.current]
	}
	bar := strings.Repeat("=", filled) + ">" + strings.Repeat(" ", width-filled)
	fmt.Fprintf(p.w, "\r\033[K[%s] %d/%d %-14s %5.1fs", bar, max(p.current+1, 0), n, name, time.Since(p.start).Seconds())
	p.drawn = true
}

// Done stops the bar and clears its line, if it drew one.
func (p *progress) Done() {
	if !p.active {
		return
	}
	close(p.stop)
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
