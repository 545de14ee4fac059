package sources

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/parapet-sec/parapet/internal/inspect"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// maxAlertFile bounds the size of an alerts file.
const maxAlertFile = 64 << 20

// Alerts reads a file of alerts and returns the text of each: an
// Alertmanager webhook payload (annotations of every alert and the common
// annotations), the output of `aws cloudwatch describe-alarms`, a
// CloudWatch alarm notification (alone or in its SNS envelope), or an
// EventBridge "CloudWatch Alarm State Change" event. A JSON array of any
// of these, or one per line, is read too.
func Alerts(path string) ([]inspect.Unit, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > maxAlertFile {
		return nil, fmt.Errorf("%s: more than %d bytes", path, maxAlertFile)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return AlertsJSON(path, data)
}

// AlertsJSON is Alerts on data already read; path names it in units and
// errors.
func AlertsJSON(path string, data []byte) ([]inspect.Unit, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var units []inspect.Unit
	for n := 0; ; n++ {
		var v any
		if err := dec.Decode(&v); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("%s: document %d: %w", path, n+1, err)
		}
		var docs []any
		if arr, ok := v.([]any); ok {
			docs = arr
		} else {
			docs = []any{v}
		}
		for i, d := range docs {
			obj, ok := d.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: document %d item %d: want a JSON object, got %T", path, n+1, i+1, d)
			}
			us, err := alertUnits(path, obj)
			if err != nil {
				return nil, fmt.Errorf("%s: document %d: %w", path, n+1, err)
			}
			units = append(units, us...)
		}
	}
	if len(units) == 0 {
		return nil, fmt.Errorf("%s: no alerts found (want an Alertmanager webhook payload or CloudWatch alarm JSON)", path)
	}
	return units, nil
}

func alertUnits(path string, obj map[string]any) ([]inspect.Unit, error) {
	loc := &inventory.Location{File: path}
	switch {
	case obj["alerts"] != nil && (obj["receiver"] != nil || obj["groupKey"] != nil || obj["version"] != nil):
		return alertmanagerUnits(path, obj, loc)
	case obj["MetricAlarms"] != nil || obj["CompositeAlarms"] != nil:
		var units []inspect.Unit
		for _, field := range []string{"MetricAlarms", "CompositeAlarms"} {
			list, ok := obj[field].([]any)
			if obj[field] != nil && !ok {
				return nil, fmt.Errorf("field %s: want a list", field)
			}
			for i, a := range list {
				am, ok := a.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("field %s[%d]: want an object", field, i)
				}
				units = append(units, cloudwatchUnit(am, loc, "AlarmName", "AlarmDescription", "StateReason"))
			}
		}
		return units, nil
	case obj["Type"] == "Notification" && obj["Message"] != nil:
		msg, ok := obj["Message"].(string)
		if !ok {
			return nil, fmt.Errorf("field Message: want a string")
		}
		var inner map[string]any
		if err := json.Unmarshal([]byte(msg), &inner); err != nil {
			// A plain-text SNS message is still text an agent reads.
			id := "sns:" + str(obj["MessageId"])
			return []inspect.Unit{{ID: id, Source: inspect.SourceAlert, Text: str(obj["Subject"]) + "\n" + msg, Location: loc}}, nil
		}
		return alertUnits(path, inner)
	case obj["AlarmName"] != nil:
		return []inspect.Unit{cloudwatchUnit(obj, loc, "AlarmName", "AlarmDescription", "NewStateReason")}, nil
	case obj["source"] == "aws.cloudwatch" && obj["detail"] != nil:
		d, ok := obj["detail"].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("field detail: want an object")
		}
		var parts []string
		if c, ok := d["configuration"].(map[string]any); ok {
			parts = append(parts, str(c["description"]))
		}
		if s, ok := d["state"].(map[string]any); ok {
			parts = append(parts, str(s["reason"]))
		}
		return []inspect.Unit{{ID: "cloudwatch:" + str(d["alarmName"]), Source: inspect.SourceAlert, Text: joinNonEmpty(parts), Location: loc}}, nil
	}
	return nil, fmt.Errorf("not an Alertmanager webhook payload or CloudWatch alarm (no alerts, MetricAlarms, AlarmName or detail field)")
}

func alertmanagerUnits(path string, obj map[string]any, loc *inventory.Location) ([]inspect.Unit, error) {
	var units []inspect.Unit
	if ca, ok := obj["commonAnnotations"].(map[string]any); ok && len(ca) > 0 {
		units = append(units, inspect.Unit{ID: "alertmanager:" + str(obj["groupKey"]) + " (common annotations)",
			Source: inspect.SourceAlert, Text: annotationsText(ca), Location: loc})
	}
	list, ok := obj["alerts"].([]any)
	if !ok {
		return nil, fmt.Errorf("field alerts: want a list")
	}
	for i, a := range list {
		am, ok := a.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("field alerts[%d]: want an object", i)
		}
		labels, _ := am["labels"].(map[string]any)
		ann, _ := am["annotations"].(map[string]any)
		if am["annotations"] != nil && ann == nil {
			return nil, fmt.Errorf("field alerts[%d].annotations: want an object", i)
		}
		name := str(labels["alertname"])
		id := "alertmanager:" + name
		if fp := str(am["fingerprint"]); fp != "" {
			id += "/" + fp
		} else {
			id += fmt.Sprintf("/%d", i)
		}
		units = append(units, inspect.Unit{ID: id, Source: inspect.SourceAlert, Text: annotationsText(ann), Location: loc})
	}
	return units, nil
}

// annotationsText joins annotation values, sorted by key, one per line.
func annotationsText(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, str(m[k]))
	}
	return joinNonEmpty(parts)
}

func cloudwatchUnit(m map[string]any, loc *inventory.Location, nameKey string, textKeys ...string) inspect.Unit {
	var parts []string
	for _, k := range textKeys {
		parts = append(parts, str(m[k]))
	}
	return inspect.Unit{ID: "cloudwatch:" + str(m[nameKey]), Source: inspect.SourceAlert, Text: joinNonEmpty(parts), Location: loc}
}

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		return fmt.Sprint(x)
	}
}

func joinNonEmpty(parts []string) string {
	var keep []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, "\n")
}
