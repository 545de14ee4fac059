// Package aws reads AWS state into Parapet's models: exports (the JSON of
// `aws iam get-account-authorization-details`, AWS Organizations listings,
// and accounts collected in CloudMapper's account-data layout) and live APIs.
package aws

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// AccountData is one AWS account collected in CloudMapper's account-data
// layout: a folder per region holding the raw API responses as
// `<service>-<call>.json`, and for calls made once per resource a folder
// `<service>-<call>/` with one file per parameter value (URL-encoded).
// Global services (IAM, S3 listings) sit in the first region, as CloudMapper
// writes them.
type AccountData struct {
	Dir     string   // the account folder
	Account string   // the account ID, from sts-get-caller-identity.json
	Regions []string // region folders present, sorted
}

// OpenAccountData opens one account folder. A folder without region
// subfolders is an error; missing call files are not (they mean a smaller
// inventory).
func OpenAccountData(dir string) (*AccountData, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	a := &AccountData{Dir: dir}
	for _, e := range entries {
		if e.IsDir() && looksLikeRegion(e.Name()) {
			a.Regions = append(a.Regions, e.Name())
		}
	}
	if len(a.Regions) == 0 {
		return nil, fmt.Errorf("%s: no region folders (like us-east-1/) of CloudMapper's account-data layout", dir)
	}
	sort.Strings(a.Regions)
	for _, r := range a.Regions {
		var id struct{ Account string }
		ok, err := a.Read(r, "sts-get-caller-identity", &id)
		if err != nil {
			return nil, err
		}
		if ok && id.Account != "" {
			a.Account = id.Account
			break
		}
	}
	return a, nil
}

// DiscoverAccountData finds account folders at or under dir: dir itself when
// it holds region folders, else each subfolder that does (CloudMapper's
// account-data/<account-name>/ layout).
func DiscoverAccountData(dir string) ([]*AccountData, error) {
	if a, err := OpenAccountData(dir); err == nil {
		return []*AccountData{a}, nil
	} else if errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []*AccountData
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		a, err := OpenAccountData(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no account folders in CloudMapper's account-data layout (<account>/<region>/<service>-<call>.json)", dir)
	}
	return out, nil
}

func looksLikeRegion(name string) bool {
	// us-east-1, eu-central-2, ap-southeast-4, us-gov-west-1, cn-north-1
	parts := strings.Split(name, "-")
	if len(parts) < 3 {
		return false
	}
	last := parts[len(parts)-1]
	return len(parts[0]) == 2 && last != "" && strings.Trim(last, "0123456789") == ""
}

// Read decodes `<region>/<call>.json` into v. It reports false when the file
// does not exist; a malformed file is an error naming it, with line and
// column.
func (a *AccountData) Read(region, call string, v any) (bool, error) {
	path := filepath.Join(a.Dir, region, call+".json")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, DecodeJSON(path, data, v)
}

// ReadEach calls fn for every file in `<region>/<call>/`, in name order, with
// the parameter value (the URL-decoded file name) and the file's contents.
// A missing folder calls fn for nothing.
func (a *AccountData) ReadEach(region, call string, fn func(param, path string, data []byte) error) error {
	dir := filepath.Join(a.Dir, region, call)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		param, err := url.PathUnescape(e.Name())
		if err != nil {
			param = e.Name()
		}
		if err := fn(param, path, data); err != nil {
			return err
		}
	}
	return nil
}

// DecodeJSON unmarshals data into v; errors name the file and the line and
// column of the problem.
func DecodeJSON(name string, data []byte, v any) error {
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(v); err != nil {
		return inventory.JSONError(name, data, err)
	}
	return nil
}
