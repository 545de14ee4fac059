package audit

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
)

// LineError says which input line a record failed on. The records before
// it were appended; nothing from it on was.
type LineError struct {
	Line int
	Err  error
}

// Error describes the line and what was wrong with it.
func (e *LineError) Error() string {
	return fmt.Sprintf("line %d: %v (records before this line are appended, none from it on)", e.Line, e.Err)
}

// Unwrap returns the record's error.
func (e *LineError) Unwrap() error { return e.Err }

// AppendLines appends the decision records in r, one JSON object a line
// (blank lines are skipped), in order, and waits until all are durable. It
// stops at the first line that is not a valid record: the records before it
// are appended and it returns a *LineError naming the line. n is the number
// of records appended and first the index of the first of them.
func (l *Log) AppendLines(ctx context.Context, r io.Reader) (first uint64, n int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var receipts []*Receipt
	wait := func() error {
		for _, rc := range receipts {
			idx, err := rc.Wait(ctx)
			if err != nil {
				return err
			}
			if n == 0 {
				first = idx
			}
			n++
		}
		receipts = receipts[:0]
		return nil
	}
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		p, perr := l.prepare(text)
		if perr != nil {
			if err := wait(); err != nil {
				return first, n, err
			}
			return first, n, &LineError{Line: line, Err: perr}
		}
		err := l.send(ctx, p, false)
		if errors.Is(err, ErrQueueFull) {
			if err := wait(); err != nil {
				return first, n, err
			}
			err = l.send(ctx, p, true)
		}
		if err != nil {
			if werr := wait(); werr != nil {
				return first, n, werr
			}
			return first, n, err
		}
		receipts = append(receipts, &Receipt{p})
	}
	if err := sc.Err(); err != nil {
		if werr := wait(); werr != nil {
			return first, n, werr
		}
		return first, n, &LineError{Line: line + 1, Err: err}
	}
	return first, n, wait()
}
