package sources

import (
	"strings"
	"testing"
)

func FuzzAlertsJSON(f *testing.F) {
	f.Add(`{"version":"4","receiver":"r","alerts":[{"labels":{"alertname":"A"},"annotations":{"description":"d"}}]}`)
	f.Add(`{"MetricAlarms":[{"AlarmName":"a","AlarmDescription":"d"}]}`)
	f.Add(`{"Type":"Notification","Message":"{\"AlarmName\":\"x\"}"}`)
	f.Add(`[{"source":"aws.cloudwatch","detail":{"alarmName":"x","state":{"reason":"r"}}}]`)
	f.Fuzz(func(t *testing.T, data string) {
		units, err := AlertsJSON("fuzz.json", []byte(data))
		if err != nil && !strings.HasPrefix(err.Error(), "fuzz.json") {
			t.Fatalf("error %q does not name the file", err)
		}
		for _, u := range units {
			if u.ID == "" {
				t.Fatal("unit without an id")
			}
		}
	})
}

func FuzzIaCFile(f *testing.F) {
	f.Add("terraform", "# c\nresource \"a\" \"b\" {\n  description = \"d ${x}\"\n}\n/* block */\n")
	f.Add("yaml", "# head\na: b # line\nlist:\n  - description: |\n      text\n---\nx: 1\n")
	f.Add("dockerfile", "# c\nFROM x\nLABEL description=\"a b\" other=c\n")
	f.Fuzz(func(t *testing.T, kind, src string) {
		switch kind {
		case KindTerraform, KindYAML, KindDockerfile:
		default:
			return
		}
		units, err := IaCFile("fuzz", kind, []byte(src))
		if err != nil && !strings.HasPrefix(err.Error(), "fuzz") {
			t.Fatalf("error %q does not name the file", err)
		}
		for _, u := range units {
			if u.Location == nil || u.Location.Line < 1 {
				t.Fatalf("unit %s has no line", u.ID)
			}
		}
	})
}
