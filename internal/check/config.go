package check

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// ConfigFile is the name of the settings file `parapet check` reads from
// the working directory when --config is not given.
const ConfigFile = ".parapet.yaml"

// Config is the content of .parapet.yaml: settings that flags override,
// and suppressions.
type Config struct {
	// Policy lists extra policy folders, relative to the config file.
	Policy []string `yaml:"policy"`
	// Select and Skip choose checks by id, glob or prefix.
	Select []string `yaml:"select"`
	Skip   []string `yaml:"skip"`
	// NoBuiltin runs only the user's policies.
	NoBuiltin bool `yaml:"no_builtin"`
	// PSS is the Pod Security level and version, as --pss takes it.
	PSS string `yaml:"pss"`
	// FailOn is the lowest severity that fails the run.
	FailOn string `yaml:"fail_on"`
	// Agent configures the agent workload rules.
	Agent AgentConfig `yaml:"agent"`
	// Suppressions accept findings, with a reason, an owner and an expiry.
	Suppressions []Suppression `yaml:"suppressions"`

	// File is the path the config was read from.
	File string `yaml:"-"`
}

// AgentConfig configures the built-in agent workload rules.
type AgentConfig struct {
	// AllowedRegistries are the image registries (host, or host/path
	// prefix) agent workloads may pull from; empty allows any registry.
	AllowedRegistries []string `yaml:"allowed_registries"`
}

// Suppression accepts the findings of one check (id or glob) on the
// resources it names, for a reason, until it expires.
type Suppression struct {
	Check string `yaml:"check"`
	// Resource is a resource id or a file path, with * matching any run of
	// characters; empty matches every resource.
	Resource string `yaml:"resource"`
	Reason   string `yaml:"reason"`
	Owner    string `yaml:"owner"`
	// Expires is a date (2026-12-31, the suppression holds through that
	// day, UTC) or an RFC 3339 time.
	Expires string `yaml:"expires"`

	// Line is the line of the suppression in File.
	Line int    `yaml:"-"`
	File string `yaml:"-"`

	expires time.Time
}

// String names the suppression for messages.
func (s Suppression) String() string {
	where := s.File
	if s.Line > 0 {
		where = fmt.Sprintf("%s:%d", s.File, s.Line)
	}
	res := s.Resource
	if res == "" {
		res = "*"
	}
	return fmt.Sprintf("suppression of %s on %s at %s (owner %s, reason %q)", s.Check, res, where, orNone(s.Owner), s.Reason)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Expired reports whether the suppression has expired at now.
func (s Suppression) Expired(now time.Time) bool {
	return !s.expires.IsZero() && now.After(s.expires)
}

// LoadConfig reads a .parapet.yaml file. Unknown fields, malformed values
// and suppressions without a check or a reason are errors naming the line.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseConfig(path, data)
}

// ParseConfig reads .parapet.yaml content; name is used in errors.
func ParseConfig(name string, data []byte) (*Config, error) {
	c := &Config{File: name}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		if errors.Is(err, io.EOF) {
			return c, nil
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	lines := suppressionLines(&root)
	for i := range c.Suppressions {
		s := &c.Suppressions[i]
		s.File = name
		if i < len(lines) {
			s.Line = lines[i]
		}
		if err := s.validate(); err != nil {
			return nil, fmt.Errorf("%s:%d: suppression %d: %w", name, s.Line, i+1, err)
		}
	}
	if c.PSS != "" {
		if _, _, err := ParsePSS(c.PSS); err != nil {
			return nil, fmt.Errorf("%s: pss: %w", name, err)
		}
	}
	if c.FailOn != "" {
		if _, err := inventory.ParseSeverity(c.FailOn); err != nil {
			return nil, fmt.Errorf("%s: fail_on: %w", name, err)
		}
	}
	return c, nil
}

// suppressionLines returns the line of each item of the suppressions list.
func suppressionLines(root *yaml.Node) []int {
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value == "suppressions" {
			var out []int
			for _, it := range doc.Content[i+1].Content {
				out = append(out, it.Line)
			}
			return out
		}
	}
	return nil
}

func (s *Suppression) validate() error {
	s.Check = strings.TrimSpace(s.Check)
	if s.Check == "" {
		return errors.New("check is required")
	}
	if strings.TrimSpace(s.Reason) == "" {
		return fmt.Errorf("reason is required (why is %s accepted?)", s.Check)
	}
	if s.Expires != "" {
		t, err := parseExpiry(s.Expires)
		if err != nil {
			return err
		}
		s.expires = t
	}
	return nil
}

// parseExpiry reads a date (valid through its last second, UTC) or an RFC
// 3339 time.
func parseExpiry(v string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t.Add(24*time.Hour - time.Nanosecond), nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("expires %q is not a date (2026-12-31) or an RFC 3339 time", v)
}

var pssVersion = regexp.MustCompile(`^v1\.(0|[1-9][0-9]?)$`)

// ParsePSS reads a Pod Security selection as --pss takes it:
// "baseline", "restricted", "privileged", each optionally with ":v1.NN" or
// ":latest", like a namespace's pod-security.kubernetes.io/enforce and
// enforce-version labels. Empty means restricted at the latest version.
func ParsePSS(s string) (level, version string, err error) {
	if s == "" {
		return "restricted", "latest", nil
	}
	level, version, _ = strings.Cut(s, ":")
	switch level {
	case "privileged", "baseline", "restricted":
	default:
		return "", "", fmt.Errorf("pod security level %q: want privileged, baseline or restricted (optionally :v1.NN)", level)
	}
	if version == "" {
		version = "latest"
	}
	if version != "latest" && !pssVersion.MatchString(version) {
		return "", "", fmt.Errorf("pod security version %q: want v1.NN or latest", version)
	}
	return level, version, nil
}
