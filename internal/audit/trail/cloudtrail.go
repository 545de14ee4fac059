package trail

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// cloudTrailFile is a CloudTrail log file as delivered to S3.
type cloudTrailFile struct {
	Records []cloudTrailRecord `json:"Records"`
}

type cloudTrailRecord struct {
	EventTime    string `json:"eventTime"`
	EventSource  string `json:"eventSource"`
	EventName    string `json:"eventName"`
	EventID      string `json:"eventID"`
	AWSRegion    string `json:"awsRegion"`
	ErrorCode    string `json:"errorCode"`
	UserIdentity struct {
		Type           string `json:"type"`
		ARN            string `json:"arn"`
		UserName       string `json:"userName"`
		InvokedBy      string `json:"invokedBy"`
		SessionContext struct {
			SessionIssuer struct {
				Type string `json:"type"`
				ARN  string `json:"arn"`
			} `json:"sessionIssuer"`
		} `json:"sessionContext"`
	} `json:"userIdentity"`
	RequestParameters json.RawMessage `json:"requestParameters"`
	ResponseElements  json.RawMessage `json:"responseElements"`
	Resources         []struct {
		ARN string `json:"ARN"`
	} `json:"resources"`
}

// readMaybeGzip reads a file, inflating it when it is gzip-compressed.
func readMaybeGzip(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out, err := io.ReadAll(zr)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return out, nil
	}
	return b, nil
}

// CloudTrailFiles expands paths (files or folders, walked recursively)
// into CloudTrail log files and digest files, told apart by the
// "CloudTrail-Digest" in a digest file's name.
func CloudTrailFiles(paths []string) (logs, digests []string, err error) {
	for _, p := range paths {
		err := filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || strings.HasPrefix(d.Name(), ".") || strings.HasSuffix(d.Name(), ".sig") {
				return nil
			}
			if strings.Contains(d.Name(), "CloudTrail-Digest") {
				digests = append(digests, path)
			} else {
				logs = append(logs, path)
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("cloudtrail: %w", err)
		}
	}
	sort.Strings(logs)
	sort.Strings(digests)
	return logs, digests, nil
}

// ReadCloudTrail reads CloudTrail log files ({"Records":[...]}, gzip or
// not) into events. validated names the files whose hashes a verified
// digest lists (see VerifyDigests); their events are marked Validated.
func ReadCloudTrail(paths []string, validated map[string]bool) ([]Event, error) {
	var out []Event
	for _, path := range paths {
		data, err := readMaybeGzip(path)
		if err != nil {
			return nil, fmt.Errorf("cloudtrail: %w", err)
		}
		var f cloudTrailFile
		if err := json.Unmarshal(data, &f); err != nil {
			return nil, fmt.Errorf("cloudtrail: %w", inventory.JSONError(path, data, err))
		}
		if f.Records == nil {
			return nil, fmt.Errorf("cloudtrail: %s: no \"Records\" array: not a CloudTrail log file", path)
		}
		for i, r := range f.Records {
			e, err := cloudTrailEvent(r)
			if err != nil {
				return nil, fmt.Errorf("cloudtrail: %s: Records[%d]: %w", path, i, err)
			}
			e.Ref = path + "#" + r.EventID
			e.Validated = validated[path]
			out = append(out, e)
		}
	}
	return out, nil
}

func cloudTrailEvent(r cloudTrailRecord) (Event, error) {
	t, err := time.Parse(time.RFC3339, r.EventTime)
	if err != nil {
		return Event{}, fmt.Errorf("eventTime %q: %w", r.EventTime, err)
	}
	if r.EventName == "" || r.EventSource == "" {
		return Event{}, fmt.Errorf("eventSource and eventName are required")
	}
	id := r.UserIdentity
	e := Event{
		Time:    t.UTC(),
		Source:  SourceCloudTrail,
		Action:  r.EventSource + ":" + r.EventName,
		Outcome: "success",
	}
	if r.ErrorCode != "" {
		e.Outcome = r.ErrorCode
	}
	switch {
	case id.ARN != "":
		e.Principal = id.ARN
	case id.InvokedBy != "":
		e.Principal = id.InvokedBy
	default:
		e.Principal = id.Type
	}
	e.keys, e.Role = identityKeys(id.ARN)
	if id.SessionContext.SessionIssuer.Type == "Role" && id.SessionContext.SessionIssuer.ARN != "" {
		e.Role = id.SessionContext.SessionIssuer.ARN
	}
	if len(r.Resources) > 0 {
		e.Target = r.Resources[0].ARN
	}
	// An AssumeRole call creates a session: the timeline of that session
	// starts with it.
	if strings.HasPrefix(r.EventName, "AssumeRole") && len(r.ResponseElements) > 0 {
		var resp struct {
			AssumedRoleUser struct {
				ARN string `json:"arn"`
			} `json:"assumedRoleUser"`
		}
		if json.Unmarshal(r.ResponseElements, &resp) == nil && resp.AssumedRoleUser.ARN != "" {
			e.subjects = append(e.subjects, resp.AssumedRoleUser.ARN)
			e.Target = resp.AssumedRoleUser.ARN
		}
	}
	if e.Target == "" && len(r.RequestParameters) > 0 {
		e.Target = requestTarget(r.RequestParameters)
	}
	return e, nil
}

// requestTarget picks the resource a request names, for the common
// parameter names.
func requestTarget(raw json.RawMessage) string {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	for _, k := range []string{"bucketName", "roleArn", "roleName", "userName", "functionName", "instanceId", "name", "key", "secretId", "tableName", "clusterName"} {
		if s, ok := m[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}
