package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Approval states. An approved approval becomes used when its call runs.
const (
	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
	ApprovalDenied   = "denied"
	ApprovalUsed     = "used"
)

// ErrDecided means an approval was already approved or denied, or has
// expired: a decision is made once.
var ErrDecided = errors.New("approval already decided or expired")

// ApprovalRecord is a request for a person to allow one exact tool call.
// CallHash binds it to the call (tool, arguments and agent); Arguments holds
// the redacted arguments for the approver to read.
type ApprovalRecord struct {
	ID        string
	CallHash  string
	Agent     string
	Tool      string
	Arguments []byte
	Reason    string
	Status    string
	Approver  string
	Note      string
	CreatedAt time.Time
	ExpiresAt time.Time
	DecidedAt time.Time
}

// Expired reports whether a pending approval is past its expiry at now.
func (r ApprovalRecord) Expired(now time.Time) bool {
	return r.Status == ApprovalPending && !r.ExpiresAt.IsZero() && !now.Before(r.ExpiresAt)
}

// GatewayState is what the MCP gateway persists besides the audit log:
// approvals, and the tool definitions it pinned on first sight. Several
// gateway replicas share it through PostgreSQL.
type GatewayState interface {
	CreateApproval(ctx context.Context, r ApprovalRecord) error
	Approval(ctx context.Context, id string) (ApprovalRecord, error)
	// ApprovalsForCall returns the approvals bound to a call hash, newest first.
	ApprovalsForCall(ctx context.Context, callHash string) ([]ApprovalRecord, error)
	// PendingApprovals counts an agent's requests that still wait for a
	// decision and have not expired at now.
	PendingApprovals(ctx context.Context, agent string, now time.Time) (int, error)
	// Approvals lists approvals with the given status ("" for all), newest first.
	Approvals(ctx context.Context, status string, limit int) ([]ApprovalRecord, error)
	// DecideApproval moves a pending, unexpired approval to approved or
	// denied; otherwise it fails with ErrDecided (or ErrNotFound).
	DecideApproval(ctx context.Context, id, status, approver, note string, at time.Time) error
	// UseApproval marks an approved approval used, once: it fails with
	// ErrDecided when the approval is not approved or was used already.
	UseApproval(ctx context.Context, id string, at time.Time) error
	// PinTool records hash as the definition of tool when none is pinned,
	// and returns the pinned hash (the one just stored, or the older one).
	PinTool(ctx context.Context, tool, hash string) (string, error)
	// RepinTool replaces the pinned definition of tool (after a person
	// approved the change).
	RepinTool(ctx context.Context, tool, hash string) error
	// TripAgent records that the circuit breaker blocked agent (the first
	// reason stays while it is blocked).
	TripAgent(ctx context.Context, agent, why string, at time.Time) error
	// ResetAgent unblocks agent; it reports whether the agent was blocked.
	ResetAgent(ctx context.Context, agent string) (bool, error)
	// TrippedAgents returns the blocked agents and why.
	TrippedAgents(ctx context.Context) (map[string]string, error)
	// ChargeSpend adds each charge's cost to what its budget has spent,
	// all of them or, when one would pass its maximum, none; it returns
	// the index of that one, or -1 when all were charged.
	ChargeSpend(ctx context.Context, charges []SpendCharge) (int, error)
	Close() error
}

// SpendCharge is a call's cost charged to one budget of one agent.
type SpendCharge struct {
	Budget string // the budget's identity, with its period where it has one
	Agent  string
	Cost   float64
	Max    float64
}

// OpenGatewayState opens gateway state at a store location (as Open takes).
func OpenGatewayState(ctx context.Context, location string) (GatewayState, error) {
	s, err := Open(ctx, location)
	if err != nil {
		return nil, err
	}
	switch st := s.(type) {
	case *SQLite:
		if _, err := st.db.ExecContext(ctx, gatewaySchemaSQLite); err != nil {
			st.Close()
			return nil, st.errf("create gateway schema: %w", err)
		}
		return &sqliteGateway{st}, nil
	case *Postgres:
		if _, err := st.pool.Exec(ctx, gatewaySchemaPostgres); err != nil {
			st.Close()
			return nil, st.errf("create gateway schema: %w", err)
		}
		return &postgresGateway{st}, nil
	}
	s.Close()
	return nil, fmt.Errorf("store %s: no gateway state for this store type", location)
}

const gatewaySchemaSQLite = `
CREATE TABLE IF NOT EXISTS gateway_approvals (
	id TEXT PRIMARY KEY,
	call_hash TEXT NOT NULL,
	agent TEXT NOT NULL,
	tool TEXT NOT NULL,
	arguments BLOB,
	reason TEXT NOT NULL,
	status TEXT NOT NULL,
	approver TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	decided_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS gateway_approvals_call ON gateway_approvals (call_hash);
CREATE INDEX IF NOT EXISTS gateway_approvals_agent ON gateway_approvals (agent, status);
CREATE TABLE IF NOT EXISTS gateway_tool_pins (
	tool TEXT PRIMARY KEY,
	hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS gateway_breaker (
	agent TEXT PRIMARY KEY,
	why TEXT NOT NULL,
	tripped_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS gateway_spend (
	budget TEXT NOT NULL,
	agent TEXT NOT NULL,
	spent REAL NOT NULL,
	PRIMARY KEY (budget, agent)
);
`

const gatewaySchemaPostgres = `
CREATE TABLE IF NOT EXISTS gateway_approvals (
	id TEXT PRIMARY KEY,
	call_hash TEXT NOT NULL,
	agent TEXT NOT NULL,
	tool TEXT NOT NULL,
	arguments BYTEA,
	reason TEXT NOT NULL,
	status TEXT NOT NULL,
	approver TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	decided_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS gateway_approvals_call ON gateway_approvals (call_hash);
CREATE INDEX IF NOT EXISTS gateway_approvals_agent ON gateway_approvals (agent, status);
CREATE TABLE IF NOT EXISTS gateway_tool_pins (
	tool TEXT PRIMARY KEY,
	hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS gateway_breaker (
	agent TEXT PRIMARY KEY,
	why TEXT NOT NULL,
	tripped_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS gateway_spend (
	budget TEXT NOT NULL,
	agent TEXT NOT NULL,
	spent DOUBLE PRECISION NOT NULL,
	PRIMARY KEY (budget, agent)
);
`

const approvalColumns = `id, call_hash, agent, tool, arguments, reason, status, approver, note, created_at, expires_at, decided_at`

func toNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

type scanner interface{ Scan(dest ...any) error }

func scanApproval(row scanner) (ApprovalRecord, error) {
	var r ApprovalRecord
	var created, expires, decided int64
	err := row.Scan(&r.ID, &r.CallHash, &r.Agent, &r.Tool, &r.Arguments, &r.Reason, &r.Status, &r.Approver, &r.Note, &created, &expires, &decided)
	r.CreatedAt, r.ExpiresAt, r.DecidedAt = fromNanos(created), fromNanos(expires), fromNanos(decided)
	return r, err
}

type sqliteGateway struct{ *SQLite }

func (s *sqliteGateway) CreateApproval(ctx context.Context, r ApprovalRecord) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO gateway_approvals (`+approvalColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
		r.ID, r.CallHash, r.Agent, r.Tool, r.Arguments, r.Reason, r.Status, r.Approver, r.Note, toNanos(r.CreatedAt), toNanos(r.ExpiresAt), toNanos(r.DecidedAt))
	if err != nil {
		return s.errf("create approval: %w", err)
	}
	return nil
}

func (s *sqliteGateway) Approval(ctx context.Context, id string) (ApprovalRecord, error) {
	r, err := scanApproval(s.db.QueryRowContext(ctx, `SELECT `+approvalColumns+` FROM gateway_approvals WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, s.errf("approval %s: %w", id, ErrNotFound)
	}
	return r, err
}

func (s *sqliteGateway) query(ctx context.Context, q string, args ...any) ([]ApprovalRecord, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.errf("approvals: %w", err)
	}
	defer rows.Close()
	var out []ApprovalRecord
	for rows.Next() {
		r, err := scanApproval(rows)
		if err != nil {
			return nil, s.errf("approvals: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *sqliteGateway) ApprovalsForCall(ctx context.Context, callHash string) ([]ApprovalRecord, error) {
	return s.query(ctx, `SELECT `+approvalColumns+` FROM gateway_approvals WHERE call_hash = ? ORDER BY created_at DESC`, callHash)
}

func (s *sqliteGateway) PendingApprovals(ctx context.Context, agent string, now time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM gateway_approvals WHERE agent = ? AND status = 'pending' AND expires_at > ?`, agent, toNanos(now)).Scan(&n)
	if err != nil {
		return 0, s.errf("pending approvals: %w", err)
	}
	return n, nil
}

func (s *sqliteGateway) Approvals(ctx context.Context, status string, limit int) ([]ApprovalRecord, error) {
	if limit <= 0 {
		limit = 1000
	}
	return s.query(ctx, `SELECT `+approvalColumns+` FROM gateway_approvals WHERE (? = '' OR status = ?) ORDER BY created_at DESC LIMIT ?`, status, status, limit)
}

func (s *sqliteGateway) DecideApproval(ctx context.Context, id, status, approver, note string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE gateway_approvals SET status = ?, approver = ?, note = ?, decided_at = ?
		WHERE id = ? AND status = 'pending' AND expires_at > ?`, status, approver, note, toNanos(at), id, toNanos(at))
	if err != nil {
		return s.errf("decide approval %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.Approval(ctx, id); err != nil {
			return err
		}
		return s.errf("approval %s: %w", id, ErrDecided)
	}
	return nil
}

func (s *sqliteGateway) UseApproval(ctx context.Context, id string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE gateway_approvals SET status = 'used' WHERE id = ? AND status = 'approved'`, id)
	if err != nil {
		return s.errf("use approval %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return s.errf("approval %s: %w", id, ErrDecided)
	}
	return nil
}

func (s *sqliteGateway) PinTool(ctx context.Context, tool, hash string) (string, error) {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO gateway_tool_pins (tool, hash) VALUES (?, ?) ON CONFLICT (tool) DO NOTHING`, tool, hash); err != nil {
		return "", s.errf("pin tool %s: %w", tool, err)
	}
	var pinned string
	if err := s.db.QueryRowContext(ctx, `SELECT hash FROM gateway_tool_pins WHERE tool = ?`, tool).Scan(&pinned); err != nil {
		return "", s.errf("pin tool %s: %w", tool, err)
	}
	return pinned, nil
}

func (s *sqliteGateway) RepinTool(ctx context.Context, tool, hash string) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO gateway_tool_pins (tool, hash) VALUES (?, ?) ON CONFLICT (tool) DO UPDATE SET hash = excluded.hash`, tool, hash); err != nil {
		return s.errf("repin tool %s: %w", tool, err)
	}
	return nil
}

func (s *sqliteGateway) TripAgent(ctx context.Context, agent, why string, at time.Time) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO gateway_breaker (agent, why, tripped_at) VALUES (?, ?, ?) ON CONFLICT (agent) DO NOTHING`, agent, why, toNanos(at)); err != nil {
		return s.errf("trip agent %s: %w", agent, err)
	}
	return nil
}

func (s *sqliteGateway) ResetAgent(ctx context.Context, agent string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM gateway_breaker WHERE agent = ?`, agent)
	if err != nil {
		return false, s.errf("reset agent %s: %w", agent, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (s *sqliteGateway) TrippedAgents(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT agent, why FROM gateway_breaker`)
	if err != nil {
		return nil, s.errf("tripped agents: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var agent, why string
		if err := rows.Scan(&agent, &why); err != nil {
			return nil, s.errf("tripped agents: %w", err)
		}
		out[agent] = why
	}
	return out, rows.Err()
}

func (s *sqliteGateway) ChargeSpend(ctx context.Context, charges []SpendCharge) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: charges from several processes queue here
	if err != nil {
		return -1, s.errf("charge spend: %w", err)
	}
	defer tx.Rollback()
	for i, c := range charges {
		var spent float64
		err := tx.QueryRowContext(ctx, `INSERT INTO gateway_spend (budget, agent, spent) VALUES (?, ?, 0)
			ON CONFLICT (budget, agent) DO UPDATE SET spent = spent RETURNING spent`, c.Budget, c.Agent).Scan(&spent)
		if err != nil {
			return -1, s.errf("charge spend: %w", err)
		}
		if spent+c.Cost > c.Max {
			return i, nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE gateway_spend SET spent = spent + ? WHERE budget = ? AND agent = ?`, c.Cost, c.Budget, c.Agent); err != nil {
			return -1, s.errf("charge spend: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return -1, s.errf("charge spend: %w", err)
	}
	return -1, nil
}

type postgresGateway struct{ *Postgres }

func (p *postgresGateway) ChargeSpend(ctx context.Context, charges []SpendCharge) (int, error) {
	// Rows are locked in one order, so that two calls charging the same
	// budgets cannot deadlock.
	order := make([]int, len(charges))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool {
		ca, cb := charges[order[a]], charges[order[b]]
		return ca.Budget < cb.Budget || (ca.Budget == cb.Budget && ca.Agent < cb.Agent)
	})
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return -1, p.errf("charge spend: %w", err)
	}
	defer tx.Rollback(ctx)
	for _, i := range order {
		c := charges[i]
		var spent float64
		err := tx.QueryRow(ctx, `INSERT INTO gateway_spend (budget, agent, spent) VALUES ($1, $2, 0)
			ON CONFLICT (budget, agent) DO UPDATE SET spent = gateway_spend.spent RETURNING spent`, c.Budget, c.Agent).Scan(&spent)
		if err != nil {
			return -1, p.errf("charge spend: %w", err)
		}
		if spent+c.Cost > c.Max {
			return i, nil
		}
		if _, err := tx.Exec(ctx, `UPDATE gateway_spend SET spent = spent + $1 WHERE budget = $2 AND agent = $3`, c.Cost, c.Budget, c.Agent); err != nil {
			return -1, p.errf("charge spend: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return -1, p.errf("charge spend: %w", err)
	}
	return -1, nil
}

func (p *postgresGateway) CreateApproval(ctx context.Context, r ApprovalRecord) error {
	_, err := p.pool.Exec(ctx, `INSERT INTO gateway_approvals (`+approvalColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
		r.ID, r.CallHash, r.Agent, r.Tool, r.Arguments, r.Reason, r.Status, r.Approver, r.Note, toNanos(r.CreatedAt), toNanos(r.ExpiresAt), toNanos(r.DecidedAt))
	if err != nil {
		return p.errf("create approval: %w", err)
	}
	return nil
}

func (p *postgresGateway) Approval(ctx context.Context, id string) (ApprovalRecord, error) {
	r, err := scanApproval(p.pool.QueryRow(ctx, `SELECT `+approvalColumns+` FROM gateway_approvals WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, p.errf("approval %s: %w", id, ErrNotFound)
	}
	return r, err
}

func queryPG(ctx context.Context, pool *pgxpool.Pool, q string, args ...any) ([]ApprovalRecord, error) {
	rows, err := pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ApprovalRecord
	for rows.Next() {
		r, err := scanApproval(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (p *postgresGateway) ApprovalsForCall(ctx context.Context, callHash string) ([]ApprovalRecord, error) {
	out, err := queryPG(ctx, p.pool, `SELECT `+approvalColumns+` FROM gateway_approvals WHERE call_hash = $1 ORDER BY created_at DESC`, callHash)
	if err != nil {
		return nil, p.errf("approvals: %w", err)
	}
	return out, nil
}

func (p *postgresGateway) PendingApprovals(ctx context.Context, agent string, now time.Time) (int, error) {
	var n int
	err := p.pool.QueryRow(ctx, `SELECT count(*) FROM gateway_approvals WHERE agent = $1 AND status = 'pending' AND expires_at > $2`, agent, toNanos(now)).Scan(&n)
	if err != nil {
		return 0, p.errf("pending approvals: %w", err)
	}
	return n, nil
}

func (p *postgresGateway) Approvals(ctx context.Context, status string, limit int) ([]ApprovalRecord, error) {
	if limit <= 0 {
		limit = 1000
	}
	out, err := queryPG(ctx, p.pool, `SELECT `+approvalColumns+` FROM gateway_approvals WHERE ($1 = '' OR status = $1) ORDER BY created_at DESC LIMIT $2`, status, limit)
	if err != nil {
		return nil, p.errf("approvals: %w", err)
	}
	return out, nil
}

func (p *postgresGateway) DecideApproval(ctx context.Context, id, status, approver, note string, at time.Time) error {
	tag, err := p.pool.Exec(ctx, `UPDATE gateway_approvals SET status = $1, approver = $2, note = $3, decided_at = $4
		WHERE id = $5 AND status = 'pending' AND expires_at > $4`, status, approver, note, toNanos(at), id)
	if err != nil {
		return p.errf("decide approval %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		if _, err := p.Approval(ctx, id); err != nil {
			return err
		}
		return p.errf("approval %s: %w", id, ErrDecided)
	}
	return nil
}

func (p *postgresGateway) UseApproval(ctx context.Context, id string, at time.Time) error {
	tag, err := p.pool.Exec(ctx, `UPDATE gateway_approvals SET status = 'used' WHERE id = $1 AND status = 'approved'`, id)
	if err != nil {
		return p.errf("use approval %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return p.errf("approval %s: %w", id, ErrDecided)
	}
	return nil
}

func (p *postgresGateway) PinTool(ctx context.Context, tool, hash string) (string, error) {
	if _, err := p.pool.Exec(ctx, `INSERT INTO gateway_tool_pins (tool, hash) VALUES ($1, $2) ON CONFLICT (tool) DO NOTHING`, tool, hash); err != nil {
		return "", p.errf("pin tool %s: %w", tool, err)
	}
	var pinned string
	if err := p.pool.QueryRow(ctx, `SELECT hash FROM gateway_tool_pins WHERE tool = $1`, tool).Scan(&pinned); err != nil {
		return "", p.errf("pin tool %s: %w", tool, err)
	}
	return pinned, nil
}

func (p *postgresGateway) RepinTool(ctx context.Context, tool, hash string) error {
	if _, err := p.pool.Exec(ctx, `INSERT INTO gateway_tool_pins (tool, hash) VALUES ($1, $2) ON CONFLICT (tool) DO UPDATE SET hash = excluded.hash`, tool, hash); err != nil {
		return p.errf("repin tool %s: %w", tool, err)
	}
	return nil
}

func (p *postgresGateway) TripAgent(ctx context.Context, agent, why string, at time.Time) error {
	if _, err := p.pool.Exec(ctx, `INSERT INTO gateway_breaker (agent, why, tripped_at) VALUES ($1, $2, $3) ON CONFLICT (agent) DO NOTHING`, agent, why, toNanos(at)); err != nil {
		return p.errf("trip agent %s: %w", agent, err)
	}
	return nil
}

func (p *postgresGateway) ResetAgent(ctx context.Context, agent string) (bool, error) {
	tag, err := p.pool.Exec(ctx, `DELETE FROM gateway_breaker WHERE agent = $1`, agent)
	if err != nil {
		return false, p.errf("reset agent %s: %w", agent, err)
	}
	return tag.RowsAffected() > 0, nil
}

func (p *postgresGateway) TrippedAgents(ctx context.Context) (map[string]string, error) {
	rows, err := p.pool.Query(ctx, `SELECT agent, why FROM gateway_breaker`)
	if err != nil {
		return nil, p.errf("tripped agents: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var agent, why string
		if err := rows.Scan(&agent, &why); err != nil {
			return nil, p.errf("tripped agents: %w", err)
		}
		out[agent] = why
	}
	return out, rows.Err()
}
