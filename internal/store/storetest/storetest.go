// Package storetest gives tests a fresh store of every kind, so one test
// runs against SQLite and PostgreSQL alike. PostgreSQL is used when the
// environment variable PARAPET_TEST_POSTGRES holds a URL that answers; each
// test gets a schema of its own, dropped when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parapet-sec/parapet/internal/store"
)

// PostgresEnv names the environment variable with the test database URL.
const PostgresEnv = "PARAPET_TEST_POSTGRES"

// Kind is one kind of store a test runs against.
type Kind struct {
	Name string
	// New returns the location (for store.Open) of a fresh, empty store.
	// Every call gives a new one; all are removed when the test ends.
	New func(t testing.TB) string
}

// SQLite is a store in a temporary SQLite file.
var SQLite = Kind{Name: "sqlite", New: func(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "audit.db")
}}

// Postgres is a store in a schema of its own in the database named by
// PARAPET_TEST_POSTGRES; New skips the test when that is unset or down.
var Postgres = Kind{Name: "postgres", New: newPostgres}

// Kinds returns every kind, PostgreSQL included: its New skips when the
// database is absent.
func Kinds() []Kind { return []Kind{SQLite, Postgres} }

// Run runs fn as a subtest once per kind of store.
func Run(t *testing.T, fn func(t *testing.T, k Kind)) {
	for _, k := range Kinds() {
		t.Run(k.Name, func(t *testing.T) { fn(t, k) })
	}
}

// Open opens the store at location and closes it when the test ends.
func Open(t testing.TB, location string) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), location)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newPostgres(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(PostgresEnv)
	if dsn == "" {
		t.Skipf("PostgreSQL tests skipped: set %s to a database URL (CI does)", PostgresEnv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Skipf("PostgreSQL tests skipped: %s does not answer: %v", PostgresEnv, err)
	}
	defer conn.Close(context.Background())
	var b [6]byte
	rand.Read(b[:])
	schema := "parapet_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Exec runs one SQL statement directly against the database behind a
// location, bypassing the store: tests use it to tamper with a log.
// Parameters are written $1, $2, ... for both databases.
func Exec(t testing.TB, location string, stmt string, args ...any) {
	t.Helper()
	ctx := context.Background()
	if strings.HasPrefix(location, "postgres") {
		conn, err := pgx.Connect(ctx, location)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, stmt, args...); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
		return
	}
	execSQLite(t, strings.TrimPrefix(location, "sqlite:"), stmt, args)
}

// QueryInt runs a query returning one integer (a count, say) directly
// against the database behind a location.
func QueryInt(t testing.TB, location string, query string, args ...any) int64 {
	t.Helper()
	ctx := context.Background()
	var n int64
	if strings.HasPrefix(location, "postgres") {
		conn, err := pgx.Connect(ctx, location)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		defer conn.Close(ctx)
		if err := conn.QueryRow(ctx, query, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	return querySQLite(t, strings.TrimPrefix(location, "sqlite:"), query, args)
}
