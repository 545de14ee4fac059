package audit

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parapet-sec/parapet/internal/store"
	"github.com/parapet-sec/parapet/internal/store/storetest"
)

// faultyStore wraps a real store and injects the failures a network or a
// disk can cause.
type faultyStore struct {
	store.Store
	mode     atomic.Value // "", "lost-ack", "fail", "down", "flaky", "lost-ack-unreadable"
	failures atomic.Int64 // "flaky": commits to fail before the next succeeds
	reads    atomic.Int64 // "lost-ack-unreadable": entry reads to fail
}

func (f *faultyStore) Entries(ctx context.Context, start, end uint64, fn func(uint64, []byte) error) error {
	if f.mode.Load() == "lost-ack-unreadable" && f.reads.Add(-1) >= 0 {
		return errInjected
	}
	return f.Store.Entries(ctx, start, end, fn)
}

var errInjected = errors.New("injected fault")

func (f *faultyStore) Commit(ctx context.Context, b store.Batch) error {
	switch f.mode.Load() {
	case "lost-ack", "lost-ack-unreadable":
		if err := f.Store.Commit(ctx, b); err != nil {
			return err
		}
		return errInjected // committed, but the caller never hears
	case "fail", "down":
		return errInjected
	case "flaky":
		if f.failures.Add(-1) >= 0 {
			return errInjected
		}
	}
	return f.Store.Commit(ctx, b)
}

func (f *faultyStore) Size(ctx context.Context) (uint64, error) {
	if f.mode.Load() == "down" {
		return 0, errInjected
	}
	return f.Store.Size(ctx)
}

func TestAppendReportsTheTruthWhenTheStoreFails(t *testing.T) {
	ctx := context.Background()
	l, _, loc := newTestLog(t, storetest.SQLite)
	l.Close()
	fs := &faultyStore{Store: storetest.Open(t, loc)}
	fs.mode.Store("")
	l, err := Open(ctx, fs, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	t.Run("a commit whose acknowledgement is lost is still acknowledged", func(t *testing.T) {
		fs.mode.Store("lost-ack")
		idx, err := l.Append(ctx, testRecord(1))
		if err != nil || idx != 0 {
			t.Fatalf("Append = %d, %v; want entry 0, durable", idx, err)
		}
	})
	t.Run("a commit that fails is reported, and the log goes on", func(t *testing.T) {
		fs.mode.Store("fail")
		if _, err := l.Append(ctx, testRecord(2)); !errors.Is(err, errInjected) {
			t.Fatalf("Append = %v, want the store's error", err)
		}
		fs.mode.Store("")
		if idx, err := l.Append(ctx, testRecord(3)); err != nil || idx != 1 {
			t.Fatalf("Append after recovery = %d, %v; want entry 1", idx, err)
		}
	})
	t.Run("a store that cannot even say its size makes the log refuse appends", func(t *testing.T) {
		fs.mode.Store("down")
		if _, err := l.Append(ctx, testRecord(4)); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Append = %v, want ErrUnavailable", err)
		}
		if _, err := l.Enqueue(testRecord(5)); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Enqueue = %v, want ErrUnavailable at once", err)
		}
	})
	fs.mode.Store("")
	if _, err := reopen(t, loc).Verify(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

func TestQueuedRecordsSettleOnceEach(t *testing.T) {
	ctx := context.Background()
	l, _, loc := newTestLog(t, storetest.SQLite)
	l.Close()
	fs := &faultyStore{Store: storetest.Open(t, loc)}
	fs.mode.Store("")
	type settled struct {
		queued time.Time
		err    error
	}
	got := make(chan settled, 16)
	l, err := Config{Settled: func(q time.Time, err error) { got <- settled{q, err} }}.Open(ctx, fs, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	enqueue := func(n int) (settled, error) {
		before := time.Now()
		r, err := l.Enqueue(testRecord(n))
		if err != nil {
			t.Fatal(err)
		}
		_, werr := r.Wait(ctx)
		s := <-got
		if s.queued.Before(before) || s.queued.After(time.Now()) {
			t.Errorf("queued at %v, enqueued at %v", s.queued, before)
		}
		return s, werr
	}

	t.Run("a commit that fails twice is retried and lands", func(t *testing.T) {
		fs.mode.Store("flaky")
		fs.failures.Store(2)
		s, werr := enqueue(1)
		if werr != nil || s.err != nil {
			t.Fatalf("wait %v, settled %v; want durable after retries", werr, s.err)
		}
	})
	t.Run("a commit that keeps failing settles with its error", func(t *testing.T) {
		fs.mode.Store("fail")
		s, werr := enqueue(2)
		if !errors.Is(werr, errInjected) || !errors.Is(s.err, errInjected) {
			t.Fatalf("wait %v, settled %v; want the store's error", werr, s.err)
		}
	})
	t.Run("a commit that may have landed is not made twice", func(t *testing.T) {
		fs.mode.Store("lost-ack-unreadable")
		fs.reads.Store(1)
		if _, werr := enqueue(3); werr == nil {
			t.Fatal("a commit whose landing could not be checked was reported durable")
		}
		fs.mode.Store("")
	})
	t.Run("records appended and waited for are not reported", func(t *testing.T) {
		fs.mode.Store("")
		if _, err := l.Append(ctx, testRecord(4)); err != nil {
			t.Fatal(err)
		}
		select {
		case s := <-got:
			t.Fatalf("Append settled %+v through the hook", s)
		case <-time.After(50 * time.Millisecond):
		}
	})
	// Records 1 and 3 (committed once, though reported lost) and 4.
	if rep, err := reopen(t, loc).Verify(ctx, nil); err != nil || rep.Size != 3 {
		t.Fatalf("Verify = %+v, %v; want 3 entries", rep, err)
	}
}

// countingStore counts the commits reaching a real store.
type countingStore struct {
	store.Store
	commits atomic.Int64
	entries atomic.Int64
}

func (c *countingStore) Commit(ctx context.Context, b store.Batch) error {
	c.commits.Add(1)
	c.entries.Add(int64(len(b.Entries)))
	return c.Store.Commit(ctx, b)
}

func TestLingerGathersAppendsIntoOneCommit(t *testing.T) {
	ctx := context.Background()
	l, _, loc := newTestLog(t, storetest.SQLite)
	l.Close()
	cs := &countingStore{Store: storetest.Open(t, loc)}
	// A linger far longer than the test: the batch commits when it is
	// full, and the rest when the log closes, never on a timer.
	l, err := Config{MaxBatch: 16, Linger: time.Hour}.Open(ctx, cs, nil)
	if err != nil {
		t.Fatal(err)
	}
	var rs []*Receipt
	for i := range 20 {
		r, err := l.Enqueue(testRecord(i))
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	for _, r := range rs[:16] {
		<-r.Done()
	}
	if n := cs.commits.Load(); n != 1 {
		t.Fatalf("the first 16 appends took %d commits, want 1", n)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		<-r.Done()
		if _, err := r.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n, e := cs.commits.Load(), cs.entries.Load(); n != 2 || e != 20 {
		t.Fatalf("%d commits of %d entries, want 2 of 20 (the rest flushed on close)", n, e)
	}
}
