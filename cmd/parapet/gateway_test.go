package main

import "testing"

func TestGatewayStdioWithoutAnAuditLogExitsTwo(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", home+"/data")
	t.Setenv("XDG_CONFIG_HOME", home+"/config")
	if got := run([]string{"gateway", "stdio", "--", "true"}); got != exitUsage {
		t.Errorf("gateway stdio with no audit log exited %d, want %d", got, exitUsage)
	}
}
