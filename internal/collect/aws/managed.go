package aws

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/parapet-sec/parapet/internal/iam"
)

// A managed-policies folder holds one AWS-managed policy per file, named by
// the policy name (the last element of its ARN), each file the JSON of
// `aws iam get-policy-version` for the default version:
//
//	{"PolicyVersion": {"Document": {...}, "VersionId": "v3",
//	  "IsDefaultVersion": true, "CreateDate": "..."}}
//
// Document may be the decoded object (as the AWS CLI prints it) or the
// URL-encoded string (as the API returns it).

// policyVersionFile is the `aws iam get-policy-version` response.
type policyVersionFile struct {
	PolicyVersion struct {
		Document         json.RawMessage `json:"Document"`
		VersionID        string          `json:"VersionId"`
		IsDefaultVersion bool            `json:"IsDefaultVersion"`
		CreateDate       string          `json:"CreateDate,omitempty"`
	} `json:"PolicyVersion"`
}

// managedPolicyName returns the file name for a managed policy ARN.
func managedPolicyName(arn string) string {
	if i := strings.LastIndexByte(arn, '/'); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// ReadManagedPolicy reads the document of the AWS-managed policy arn from a
// managed-policies folder. A missing file is an error wrapping
// os.ErrNotExist; a malformed one names the file and the JSON path.
func ReadManagedPolicy(dir, arn string) (*iam.Policy, error) {
	name := managedPolicyName(arn)
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return nil, fmt.Errorf("managed policy %s: no usable file name", arn)
	}
	path := filepath.Join(dir, name)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		path += ".json"
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	var f policyVersionFile
	if err := DecodeJSON(path, data, &f); err != nil {
		return nil, err
	}
	if len(f.PolicyVersion.Document) == 0 {
		return nil, fmt.Errorf("%s: PolicyVersion.Document missing (want the JSON of aws iam get-policy-version)", path)
	}
	pol, err := iam.ParsePolicy(f.PolicyVersion.Document)
	if err != nil {
		var pe *iam.PolicyError
		if errors.As(err, &pe) && pe.Path != "" {
			return nil, fmt.Errorf("%s: PolicyVersion.Document.%s: %s", path, pe.Path, pe.Msg)
		}
		return nil, fmt.Errorf("%s: PolicyVersion.Document: %v", path, err)
	}
	pol.Source = arn
	return pol, nil
}

// ManagedPolicyVersion is one policy version to write into a
// managed-policies folder.
type ManagedPolicyVersion struct {
	ARN       string
	VersionID string
	Created   time.Time
	// Document is the policy document as IAM returns it: URL-encoded JSON,
	// or plain JSON.
	Document string
}

// WriteManagedPolicy writes v into dir in the format ReadManagedPolicy
// reads, with the document decoded. The file is written under a temporary
// name and renamed, so a reader never sees half a file.
func WriteManagedPolicy(dir string, v ManagedPolicyVersion) (string, error) {
	doc := v.Document
	if strings.HasPrefix(strings.TrimSpace(doc), "%") {
		d, err := url.PathUnescape(doc)
		if err != nil {
			return "", fmt.Errorf("managed policy %s: URL-encoded document: %v", v.ARN, err)
		}
		doc = d
	}
	if _, err := iam.ParsePolicy([]byte(doc)); err != nil {
		return "", fmt.Errorf("managed policy %s version %s: %v", v.ARN, v.VersionID, err)
	}
	var f policyVersionFile
	f.PolicyVersion.Document = json.RawMessage(doc)
	f.PolicyVersion.VersionID = v.VersionID
	f.PolicyVersion.IsDefaultVersion = true
	if !v.Created.IsZero() {
		f.PolicyVersion.CreateDate = v.Created.UTC().Format(time.RFC3339)
	}
	out, err := json.MarshalIndent(f, "", "    ")
	if err != nil {
		return "", err
	}
	name := managedPolicyName(v.ARN)
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return "", fmt.Errorf("managed policy %s: no usable file name", v.ARN)
	}
	path := filepath.Join(dir, name)
	tmp, err := os.CreateTemp(dir, "."+name+".*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(out, '\n')); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", err
	}
	return path, os.Rename(tmp.Name(), path)
}
