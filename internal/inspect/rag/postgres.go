package rag

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Columns name the columns of a vector-store table. Embedding and Metadata
// may be empty when the table has none.
type Columns struct {
	ID, Text, Embedding, Metadata string
}

// DefaultColumns are the usual names: id, text, embedding, metadata.
var DefaultColumns = Columns{ID: "id", Text: "text", Embedding: "embedding", Metadata: "metadata"}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// ident quotes a column or a (schema-qualified) table name after checking
// that each part is a plain identifier.
func ident(name string) (string, error) {
	parts := strings.Split(name, ".")
	if len(parts) > 2 {
		return "", fmt.Errorf("%q: want table or schema.table", name)
	}
	for _, p := range parts {
		if !identRE.MatchString(p) {
			return "", fmt.Errorf("%q: not a plain SQL identifier", name)
		}
	}
	return pgx.Identifier(parts).Sanitize(), nil
}

// maxRows bounds the rows read from one table.
const maxRows = 5_000_000

// ReadPostgres reads the chunks of a table: pgvector's vector columns and
// real[] or float8[] arrays are read through their text form, so the
// pgvector extension need not be installed where Parapet runs. It only
// selects; it never writes.
func ReadPostgres(ctx context.Context, dsn, table string, cols Columns) ([]Chunk, error) {
	tbl, err := ident(table)
	if err != nil {
		return nil, fmt.Errorf("--table: %w", err)
	}
	sel := []string{}
	for _, c := range []struct{ name, flag string }{{cols.ID, "id"}, {cols.Text, "text"}} {
		if c.name == "" {
			return nil, fmt.Errorf("the %s column must be named", c.flag)
		}
		q, err := ident(c.name)
		if err != nil {
			return nil, fmt.Errorf("%s column: %w", c.flag, err)
		}
		sel = append(sel, q+"::text")
	}
	for _, c := range []struct{ name, flag string }{{cols.Embedding, "embedding"}, {cols.Metadata, "metadata"}} {
		if c.name == "" {
			sel = append(sel, "NULL::text")
			continue
		}
		q, err := ident(c.name)
		if err != nil {
			return nil, fmt.Errorf("%s column: %w", c.flag, err)
		}
		sel = append(sel, q+"::text")
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	defer conn.Close(ctx)
	q := "SELECT " + strings.Join(sel, ", ") + " FROM " + tbl + " ORDER BY 1 LIMIT " + fmt.Sprint(maxRows+1)
	rows, err := conn.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("postgres table %s: %w", table, err)
	}
	defer rows.Close()
	var out []Chunk
	for rows.Next() {
		var id, text, emb, meta *string
		if err := rows.Scan(&id, &text, &emb, &meta); err != nil {
			return nil, fmt.Errorf("postgres table %s: %w", table, err)
		}
		if id == nil {
			return nil, fmt.Errorf("postgres table %s: row %d: id is NULL", table, len(out)+1)
		}
		c := Chunk{ID: *id}
		if text != nil {
			c.Text = *text
		}
		if emb != nil {
			v, err := ParseVector(*emb)
			if err != nil {
				return nil, fmt.Errorf("postgres table %s: id %s: %w", table, c.ID, err)
			}
			c.Embedding = v
		}
		if meta != nil && *meta != "" {
			if err := json.Unmarshal([]byte(*meta), &c.Metadata); err != nil {
				c.Metadata = map[string]any{"raw": *meta}
			}
		}
		out = append(out, c)
		if len(out) > maxRows {
			return nil, fmt.Errorf("postgres table %s: more than %d rows", table, maxRows)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres table %s: %w", table, err)
	}
	return out, nil
}
