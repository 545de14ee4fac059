package gateway

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestStartFailureReturnsAnErrorNotAPanic(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		cfg  *Config
		want string
	}{
		{
			name: "a store with no audit log says how to create one",
			cfg:  &Config{Store: "sqlite:" + filepath.Join(dir, "gateway.db")},
			want: "parapet audit init",
		},
		{
			name: "a missing policy folder is named",
			cfg: &Config{
				Store:    "sqlite:" + filepath.Join(dir, "other.db"),
				Audit:    AuditConfig{Disabled: true},
				Policies: []string{filepath.Join(dir, "no-such-policies")},
			},
			want: "no-such-policies",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, err := Start(context.Background(), tt.cfg, Hooks{})
			if err == nil {
				rt.Close()
				t.Fatal("Start succeeded; want an error")
			}
			if rt != nil {
				t.Errorf("Start returned a runtime with its error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}
