package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const cloudMapperDemo = "../../../shared/data/aws-account-demo/account-data"

func needDemoAccount(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(cloudMapperDemo); err != nil {
		t.Skipf("CloudMapper demo account not found at %s (../shared/data is absent): %v", cloudMapperDemo, err)
	}
}

func TestScanExitCodesFollowFailOn(t *testing.T) {
	needDemoAccount(t)
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"findings at or above --fail-on exit 1", []string{"scan", "--aws", cloudMapperDemo, "--fail-on", "high", "-o", filepath.Join(dir, "a.txt")}, exitFindings},
		{"--fail-on none exits 0", []string{"scan", "--aws", cloudMapperDemo, "-o", filepath.Join(dir, "b.txt")}, exitClean},
		{"an unknown format is a usage error", []string{"scan", "--aws", cloudMapperDemo, "--format", "yaml"}, exitUsage},
		{"a missing folder is an input error", []string{"scan", "--aws", filepath.Join(dir, "nope")}, exitUsage},
		{"no input is a usage error", []string{"scan"}, exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(tt.args); got != tt.want {
				t.Errorf("exit %d, want %d", got, tt.want)
			}
		})
	}
}

func TestScanWritesEveryFormatAndADeterministicSnapshot(t *testing.T) {
	needDemoAccount(t)
	dir := t.TempDir()
	for _, f := range scanFormats {
		out := filepath.Join(dir, "out."+f)
		if code := run([]string{"scan", "--aws", cloudMapperDemo, "--format", f, "-o", out}); code != exitClean {
			t.Fatalf("--format %s: exit %d", f, code)
		}
		data, err := os.ReadFile(out)
		if err != nil || len(data) == 0 {
			t.Fatalf("--format %s wrote nothing: %v", f, err)
		}
		switch f {
		case "json", "sarif", "cyclonedx":
			var v map[string]any
			if err := json.Unmarshal(data, &v); err != nil {
				t.Errorf("--format %s is not JSON: %v", f, err)
			}
		case "html":
			if !bytes.HasPrefix(data, []byte("<!DOCTYPE html>")) || !strings.Contains(string(data), "cloudmapper_demo") {
				t.Errorf("--format html does not look like the report")
			}
		}
	}
	var snaps [2][]byte
	for i := range snaps {
		p := filepath.Join(dir, "snap.json")
		if code := run([]string{"scan", "--aws", cloudMapperDemo, "--snapshot", p, "-o", filepath.Join(dir, "t.txt")}); code != exitClean {
			t.Fatalf("exit %d", code)
		}
		snaps[i], _ = os.ReadFile(p)
	}
	if len(snaps[0]) == 0 || !bytes.Equal(snaps[0], snaps[1]) {
		t.Error("two runs wrote different snapshots")
	}
}
