// Package audit is Parapet's tamper-evident decision log: an append-only
// RFC 6962 Merkle tree of decision records, with checkpoints in the C2SP
// tlog-checkpoint format signed as notes (Ed25519, golang.org/x/mod/sumdb/note),
// inclusion and consistency proofs, verification that recomputes the tree and
// names the first bad entry, and export in the C2SP tlog-tiles layout.
//
// Appends are group-committed: concurrent appends are batched into one store
// transaction and acknowledged only once it is durable. The log keeps no
// signing key; it checks every signature against the verifier key recorded
// when the log was created.
package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/parapet-sec/parapet/internal/store"
)

// Defaults of Config.
const (
	// DefaultMaxBatch is the most entries one commit carries.
	DefaultMaxBatch = 8192
	// DefaultQueueSize is how many appends may wait for a commit before
	// Enqueue refuses more.
	DefaultQueueSize = 1 << 16
	// DefaultCommitTimeout bounds one commit to the store.
	DefaultCommitTimeout = 30 * time.Second
)

// Errors of the append path. A caller that must not act without a record
// (the gateway) denies when it gets any of them.
var (
	// ErrQueueFull means the commit queue is full: the store cannot keep up.
	ErrQueueFull = errors.New("audit log: commit queue is full")
	// ErrClosed means the log was closed.
	ErrClosed = errors.New("audit log: closed")
	// ErrUnavailable means the store failed and the log cannot tell what
	// it holds; reopen the log once the store is back.
	ErrUnavailable = errors.New("audit log: store unavailable")
)

// Config tunes a log. The zero value gives the defaults.
type Config struct {
	MaxBatch      int           // entries per commit; DefaultMaxBatch if zero
	QueueSize     int           // appends waiting for a commit; DefaultQueueSize if zero
	CommitTimeout time.Duration // DefaultCommitTimeout if zero
	TileCache     int           // full tiles kept in memory; 1024 if zero
	// Linger is how long a commit waits, after its first entry, for more
	// to join it. Under a steady trickle of appends (a gateway's decisions)
	// each commit would otherwise carry one or two entries, and a commit's
	// fixed cost (the transaction, the rewritten tile, the sync) would be
	// paid for each; a few milliseconds of linger let one commit carry
	// them all, at that much more durability lag. Zero commits at once.
	Linger time.Duration
	// Now gives the time stamped on records that lack one; time.Now if nil.
	Now func() time.Time
	// Settled, when set, is called by the committer once for every record
	// queued with Enqueue or EnqueueJSON, when it has become durable (err
	// nil) or has failed to, with the time it was queued, before anyone
	// waiting on the record's batch hears. It runs on the committer's
	// path: keep it short.
	Settled func(queued time.Time, err error)
}

// Log is an open decision log. It is safe for concurrent use.
type Log struct {
	cfg      Config
	st       store.Store
	meta     store.Meta
	verifier note.Verifier
	cache    *tileCache

	qmu    sync.RWMutex // guards closed against sends on queue
	closed bool
	queue  chan *pending
	done   chan struct{}

	// prep admits as many record preparations at once as there are
	// processors: with hundreds of writers all runnable, the committer
	// would wait behind each of them every time it is scheduled.
	prep chan struct{}

	tmu    sync.RWMutex
	tr     *tree // durable state; replaced, never mutated, after a commit
	failed atomic.Pointer[error]

	batches, entries atomic.Uint64
}

type pending struct {
	data   []byte
	leaf   []byte
	index  uint64
	err    error
	done   chan struct{}
	queued time.Time // set for records queued without waiting, for Config.Settled
}

// Create records a new, empty log in a store: its origin (the first line of
// every checkpoint, conventionally a schema-less URL such as
// "audit.example.com/prod") and the verifier key its checkpoints will be
// signed for. It appends no entry.
func Create(ctx context.Context, st store.Store, origin, verifierKey string) error {
	if err := checkOrigin(origin); err != nil {
		return err
	}
	if _, err := note.NewVerifier(verifierKey); err != nil {
		return fmt.Errorf("audit log: verifier key: %w", err)
	}
	return st.Create(ctx, store.Meta{Origin: origin, VerifierKey: verifierKey})
}

func checkOrigin(origin string) error {
	if origin == "" || strings.ContainsAny(origin, "\n\r") || strings.TrimSpace(origin) != origin {
		return fmt.Errorf("audit log: origin %q must be one line with no surrounding space", origin)
	}
	return nil
}

// Open opens the log in a store with the default Config. v is the verifier
// of the log's checkpoints as the caller knows it; Open fails when the store
// names another key. A nil v trusts the key recorded in the store, which is
// fine for appending but proves nothing to an auditor.
func Open(ctx context.Context, st store.Store, v note.Verifier) (*Log, error) {
	return Config{}.Open(ctx, st, v)
}

// Open opens the log in a store with this configuration; see Open.
func (c Config) Open(ctx context.Context, st store.Store, v note.Verifier) (*Log, error) {
	if c.MaxBatch <= 0 {
		c.MaxBatch = DefaultMaxBatch
	}
	if c.QueueSize <= 0 {
		c.QueueSize = DefaultQueueSize
	}
	if c.CommitTimeout <= 0 {
		c.CommitTimeout = DefaultCommitTimeout
	}
	if c.TileCache <= 0 {
		c.TileCache = 1024
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	meta, err := st.Meta(ctx)
	if err != nil {
		return nil, err
	}
	sv, err := note.NewVerifier(meta.VerifierKey)
	if err != nil {
		return nil, fmt.Errorf("audit log: the store's verifier key: %w", err)
	}
	if v == nil {
		v = sv
	} else if v.Name() != sv.Name() || v.KeyHash() != sv.KeyHash() {
		return nil, fmt.Errorf("audit log: the store's checkpoints are signed by key %s+%08x, not by the given %s+%08x", sv.Name(), sv.KeyHash(), v.Name(), v.KeyHash())
	}
	size, err := st.Size(ctx)
	if err != nil {
		return nil, err
	}
	tr, err := loadTree(ctx, st, size)
	if err != nil {
		return nil, err
	}
	l := &Log{
		cfg: c, st: st, meta: meta, verifier: v, cache: newTileCache(c.TileCache),
		queue: make(chan *pending, c.QueueSize), done: make(chan struct{}), tr: tr,
		prep: make(chan struct{}, runtime.GOMAXPROCS(0)),
	}
	go l.run()
	return l, nil
}

// Origin returns the log's origin line.
func (l *Log) Origin() string { return l.meta.Origin }

// Verifier returns the verifier of the log's checkpoints.
func (l *Log) Verifier() note.Verifier { return l.verifier }

// VerifierKey returns the verifier key recorded in the store.
func (l *Log) VerifierKey() string { return l.meta.VerifierKey }

// Size returns the number of durable entries this log has committed or
// loaded. Refresh picks up entries other writers committed.
func (l *Log) Size() uint64 { return l.current().size }

func (l *Log) current() *tree {
	l.tmu.RLock()
	defer l.tmu.RUnlock()
	return l.tr
}

// Refresh reloads the tree when other writers sharing the store have grown
// it, and returns the size.
func (l *Log) Refresh(ctx context.Context) (uint64, error) {
	size, err := l.st.Size(ctx)
	if err != nil {
		return 0, err
	}
	if size <= l.Size() {
		return l.Size(), nil
	}
	tr, err := loadTree(ctx, l.st, size)
	if err != nil {
		return 0, err
	}
	l.tmu.Lock()
	if tr.size > l.tr.size {
		l.tr = tr
	}
	l.tmu.Unlock()
	return l.Size(), nil
}

// Receipt stands for one enqueued append.
type Receipt struct{ p *pending }

// Done is closed once the append is durable or has failed.
func (r *Receipt) Done() <-chan struct{} { return r.p.done }

// Wait blocks until the append is durable and returns its index, or returns
// the error that kept it out of the log. A context that ends first only
// stops the waiting: the entry may still be committed.
func (r *Receipt) Wait(ctx context.Context) (uint64, error) {
	select {
	case <-r.p.done:
		return r.p.index, r.p.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Append logs a record and returns its index once it is durable.
func (l *Log) Append(ctx context.Context, r Record) (uint64, error) {
	p, err := l.prepareRecord(r)
	if err != nil {
		return 0, err
	}
	return l.appendPending(ctx, p)
}

// AppendJSON logs a record given as JSON (see Canonical) and returns its
// index once it is durable. It waits for room when the queue is full.
func (l *Log) AppendJSON(ctx context.Context, raw []byte) (uint64, error) {
	p, err := l.prepare(raw)
	if err != nil {
		return 0, err
	}
	return l.appendPending(ctx, p)
}

// appendPending queues a prepared record, waiting for room, and waits
// until it is durable.
func (l *Log) appendPending(ctx context.Context, p *pending) (uint64, error) {
	if err := l.send(ctx, p, true); err != nil {
		return 0, err
	}
	return (&Receipt{p}).Wait(ctx)
}

// Enqueue queues a record for the next commit without waiting, and returns
// a Receipt to wait on. It fails at once with ErrQueueFull, ErrClosed or
// ErrUnavailable, so a caller that may not act unrecorded can refuse.
func (l *Log) Enqueue(r Record) (*Receipt, error) {
	queued := time.Now()
	p, err := l.prepareRecord(r)
	if err != nil {
		return nil, err
	}
	p.queued = queued
	return l.enqueuePending(p)
}

// EnqueueJSON is Enqueue for a record given as JSON.
func (l *Log) EnqueueJSON(raw []byte) (*Receipt, error) {
	queued := time.Now()
	p, err := l.prepare(raw)
	if err != nil {
		return nil, err
	}
	p.queued = queued
	return l.enqueuePending(p)
}

// enqueuePending queues a prepared record without waiting.
func (l *Log) enqueuePending(p *pending) (*Receipt, error) {
	if err := l.send(context.Background(), p, false); err != nil {
		return nil, err
	}
	return &Receipt{p}, nil
}

// prepareRecord is prepare for a record, with time filled in when zero.
func (l *Log) prepareRecord(r Record) (*pending, error) {
	if r.Time.IsZero() {
		r.Time = l.cfg.Now()
	}
	l.prep <- struct{}{}
	defer func() { <-l.prep }()
	data, err := r.canonical(l.cfg.Now())
	if err != nil {
		return nil, err
	}
	return &pending{data: data, leaf: leafHash(data), done: make(chan struct{})}, nil
}

func (l *Log) prepare(raw []byte) (*pending, error) {
	l.prep <- struct{}{}
	defer func() { <-l.prep }()
	data, err := Canonical(raw, l.cfg.Now())
	if err != nil {
		return nil, err
	}
	return &pending{data: data, leaf: leafHash(data), done: make(chan struct{})}, nil
}

// enqueueData queues bytes that are already in their stored form.
func (l *Log) enqueueData(ctx context.Context, data []byte) (*Receipt, error) {
	p := &pending{data: data, leaf: leafHash(data), done: make(chan struct{})}
	if err := l.send(ctx, p, true); err != nil {
		return nil, err
	}
	return &Receipt{p}, nil
}

func (l *Log) send(ctx context.Context, p *pending, wait bool) error {
	if e := l.failed.Load(); e != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, *e)
	}
	l.qmu.RLock()
	defer l.qmu.RUnlock()
	if l.closed {
		return ErrClosed
	}
	if !wait {
		select {
		case l.queue <- p:
			return nil
		default:
			return ErrQueueFull
		}
	}
	select {
	case l.queue <- p:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close commits what is queued and stops the writer. It does not close the
// store.
func (l *Log) Close() error {
	l.qmu.Lock()
	if !l.closed {
		l.closed = true
		close(l.queue)
	}
	l.qmu.Unlock()
	<-l.done
	return nil
}

// run is the group-commit loop: it takes everything queued, up to
// MaxBatch, commits it in one transaction and acknowledges it.
func (l *Log) run() {
	defer close(l.done)
	batch := make([]*pending, 0, l.cfg.MaxBatch)
	var linger *time.Timer
	if l.cfg.Linger > 0 {
		linger = time.NewTimer(time.Hour)
		linger.Stop()
	}
	for {
		p, ok := <-l.queue
		if !ok {
			return
		}
		batch = append(batch[:0], p)
		open := true
		var deadline <-chan time.Time
		if linger != nil {
			linger.Reset(l.cfg.Linger)
			deadline = linger.C
		}
	fill:
		for len(batch) < l.cfg.MaxBatch {
			var p *pending
			var ok bool
			if deadline == nil {
				select {
				case p, ok = <-l.queue:
				default:
					break fill
				}
			} else {
				select {
				case p, ok = <-l.queue:
				case <-deadline:
					deadline = nil
					break fill
				}
			}
			if !ok {
				open = false
				break fill
			}
			batch = append(batch, p)
		}
		if deadline != nil {
			linger.Stop()
		}
		l.commit(batch)
		if !open {
			return
		}
	}
}

func (l *Log) commit(batch []*pending) {
	finish := func(err error) {
		l.settle(batch, err)
		for _, p := range batch {
			p.err = err
			close(p.done)
		}
	}
	if e := l.failed.Load(); e != nil {
		finish(fmt.Errorf("%w: %w", ErrUnavailable, *e))
		return
	}
	conflicts := 0
	for attempt := 0; ; attempt++ {
		tr := l.current().clone()
		start := tr.size
		touched := map[[2]uint64]*tile{}
		mark := func(t *tile) { touched[[2]uint64{t.level, t.index}] = t }
		b := store.Batch{Start: start, Entries: make([][]byte, len(batch))}
		for i, p := range batch {
			tr.append(p.leaf, mark)
			b.Entries[i] = p.data
		}
		for _, t := range touched {
			b.Tiles = append(b.Tiles, t.encode())
		}
		ctx, cancel := context.WithTimeout(context.Background(), l.cfg.CommitTimeout)
		err := l.st.Commit(ctx, b)
		cancel()
		if err == nil {
			for _, t := range touched {
				if t.width() == tileWidth {
					l.cache.put(t)
				}
			}
			l.tmu.Lock()
			l.tr = tr
			l.tmu.Unlock()
			l.batches.Add(1)
			l.entries.Add(uint64(len(batch)))
			l.settle(batch, nil)
			for i, p := range batch {
				p.index = start + uint64(i)
				close(p.done)
			}
			return
		}
		// Whatever happened, the tree in memory may now be stale: reload
		// it from what the store holds.
		ctx, cancel = context.WithTimeout(context.Background(), l.cfg.CommitTimeout)
		_, rerr := l.Refresh(ctx)
		cancel()
		if rerr != nil {
			l.failed.Store(&rerr)
			finish(fmt.Errorf("%w: %w", ErrUnavailable, err))
			return
		}
		if errors.Is(err, store.ErrConflict) && conflicts < 100 {
			conflicts++
			continue // another writer appended; retry on top of it
		}
		// A commit can succeed even though its acknowledgement was lost
		// (a connection dropped after COMMIT): then the entries are
		// durable and the callers must hear so.
		landed, lerr := l.landed(start, batch)
		if lerr != nil {
			// Whether the commit landed cannot be told: committing again
			// could put the entries in twice. They are reported lost.
			finish(fmt.Errorf("audit log: commit %d entries at %d: %w; whether it landed is unknown: %w", len(batch), start, err, lerr))
			return
		}
		if landed {
			l.batches.Add(1)
			l.entries.Add(uint64(len(batch)))
			l.settle(batch, nil)
			for i, p := range batch {
				p.index = start + uint64(i)
				close(p.done)
			}
			return
		}
		// A store that answers but failed this commit (a lock held too
		// long, a dropped connection) gets a few more tries before the
		// entries are given up on; meanwhile the queue fills, and a full
		// queue refuses new appends.
		if retries := attempt - conflicts; retries < len(commitRetryDelays) {
			time.Sleep(commitRetryDelays[retries])
			continue
		}
		finish(fmt.Errorf("audit log: commit %d entries at %d: %w", len(batch), start, err))
		return
	}
}

// commitRetryDelays are the pauses before retrying a failed commit.
var commitRetryDelays = []time.Duration{20 * time.Millisecond, 100 * time.Millisecond, 500 * time.Millisecond}

// settle tells Config.Settled how the batch's records ended.
func (l *Log) settle(batch []*pending, err error) {
	if l.cfg.Settled == nil {
		return
	}
	for _, p := range batch {
		if !p.queued.IsZero() {
			l.cfg.Settled(p.queued, err)
		}
	}
}

// landed reports whether a batch whose commit returned an error is in the
// store all the same, at the place it was meant for; an error means the
// store could not be read to tell.
func (l *Log) landed(start uint64, batch []*pending) (bool, error) {
	if l.Size() < start+uint64(len(batch)) {
		return false, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.cfg.CommitTimeout)
	defer cancel()
	i := 0
	err := l.st.Entries(ctx, start, start+uint64(len(batch)), func(idx uint64, data []byte) error {
		if idx != start+uint64(i) || !bytes.Equal(data, batch[i].data) {
			return errNotLanded
		}
		i++
		return nil
	})
	if errors.Is(err, errNotLanded) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return i == len(batch), nil
}

var errNotLanded = errors.New("batch not in the store")

// Stats counts the commits and entries this Log has written.
type Stats struct {
	Batches uint64 // commits
	Entries uint64 // entries in them
}

// Stats returns the counts so far.
func (l *Log) Stats() Stats {
	return Stats{Batches: l.batches.Load(), Entries: l.entries.Load()}
}

func (l *Log) reader(ctx context.Context, size uint64) (hashReader, error) {
	tr := l.current()
	if size > tr.size {
		if _, err := l.Refresh(ctx); err != nil {
			return hashReader{}, err
		}
		if tr = l.current(); size > tr.size {
			return hashReader{}, fmt.Errorf("audit log: size %d is beyond the log's %d entries", size, tr.size)
		}
	}
	return hashReader{st: l.st, tr: tr, cache: l.cache}, nil
}

// RootHash returns the root hash of the tree of the first size entries.
func (l *Log) RootHash(ctx context.Context, size uint64) ([]byte, error) {
	r, err := l.reader(ctx, size)
	if err != nil {
		return nil, err
	}
	return r.root(ctx, size)
}

// InclusionProof returns the proof that entry index is in the tree of the
// given size, as RFC 6962 defines it.
func (l *Log) InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	r, err := l.reader(ctx, size)
	if err != nil {
		return nil, err
	}
	return r.inclusion(ctx, index, size)
}

// ConsistencyProof returns the proof that the tree of size2 extends the tree
// of size1, as RFC 6962 defines it.
func (l *Log) ConsistencyProof(ctx context.Context, size1, size2 uint64) ([][]byte, error) {
	r, err := l.reader(ctx, size2)
	if err != nil {
		return nil, err
	}
	return r.consistency(ctx, size1, size2)
}

// Entry returns the stored bytes of one entry.
func (l *Log) Entry(ctx context.Context, index uint64) ([]byte, error) {
	var out []byte
	err := l.st.Entries(ctx, index, index+1, func(_ uint64, d []byte) error {
		out = d
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, fmt.Errorf("audit log: entry %d: %w", index, store.ErrNotFound)
	}
	return out, nil
}

// Entries calls fn for the stored entries with index in [start, end).
func (l *Log) Entries(ctx context.Context, start, end uint64, fn func(index uint64, data []byte) error) error {
	return l.st.Entries(ctx, start, end, fn)
}
