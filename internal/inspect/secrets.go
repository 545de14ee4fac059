package inspect

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
)

// Secret kinds reported by Secrets.
const (
	SecretAWSAccessKeyID     = "aws-access-key-id"
	SecretAWSSecretAccessKey = "aws-secret-access-key"
	SecretGCPServiceAccount  = "gcp-service-account-key"
	SecretAzureStorageKey    = "azure-storage-key"
	SecretAzureClientSecret  = "azure-client-secret"
	SecretAzureOpenAIKey     = "azure-openai-key"
	SecretGitHubToken        = "github-token"
	SecretGitLabToken        = "gitlab-token"
	SecretSlackToken         = "slack-token"
	SecretSlackWebhook       = "slack-webhook"
	SecretStripeKey          = "stripe-key"
	SecretPrivateKey         = "private-key"
	SecretJWT                = "jwt"
	SecretOpenAIKey          = "openai-api-key"
	SecretAnthropicKey       = "anthropic-api-key"
	SecretGoogleAPIKey       = "google-api-key"
	SecretHuggingFaceToken   = "huggingface-token"
	SecretGeneric            = "generic-secret"
)

// AIKinds are the secret kinds that are API keys of AI model providers; the
// AI inventory uses them to find model access in environment variables.
var AIKinds = map[string]bool{
	SecretOpenAIKey:        true,
	SecretAnthropicKey:     true,
	SecretGoogleAPIKey:     true,
	SecretAzureOpenAIKey:   true,
	SecretHuggingFaceToken: true,
}

// Secret is one credential found in a text. It never holds the credential
// itself: only its kind, where it is, and a fingerprint (the first 12 hex
// digits of the SHA-256 of the value) that lets two reports name the same
// key without revealing it.
type Secret struct {
	Kind        string `json:"kind"`
	Start       int    `json:"start"` // byte offset of the value in the text
	End         int    `json:"end"`   // byte offset just past the value
	Fingerprint string `json:"fingerprint"`
}

// String describes the secret without its value.
func (s Secret) String() string {
	return fmt.Sprintf("%s at %d-%d (sha256:%s)", s.Kind, s.Start, s.End, s.Fingerprint)
}

// Fingerprint returns the first 12 hex digits of the SHA-256 of value.
func Fingerprint(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:6])
}

// Secrets finds credentials in text by their format: cloud keys (AWS, GCP,
// Azure), source-forge tokens (GitHub, GitLab), Slack and Stripe keys,
// private keys (PEM and OpenSSH), JWTs and AI provider keys (OpenAI,
// Anthropic, Google, Azure OpenAI, Hugging Face). Loose formats (AWS secret
// keys, Azure keys, generic assignments) need a naming key beside them and
// enough entropy. Nothing is verified over the network. Results are ordered
// by position and never overlap.
func Secrets(text string) []Secret {
	var out []Secret
	n := len(text)
	for i := 0; i+1 < n; i++ {
		c := text[i]
		if !secretPair[c][text[i+1]] {
			continue
		}
		if c == '=' || c == ':' {
			start, e, k := assignment(text, i)
			if k != "" {
				if fk, _ := formatAt(text, start); fk == "" {
					out = appendSecret(out, text, k, start, e)
					i = e - 1
				}
			}
			continue
		}
		kind, end := formatAt(text, i)
		if kind == "" {
			continue
		}
		if kind == SecretPrivateKey && isServiceAccountJSON(text, i) {
			kind = SecretGCPServiceAccount
		}
		out = appendSecret(out, text, kind, i, end)
		i = end - 1
	}
	return out
}

// formatAt matches a credential of a known format starting at byte i.
func formatAt(text string, i int) (kind string, end int) {
	n := len(text)
	if i >= n {
		return "", -1
	}
	c := text[i]
	end = -1
	switch c {
	case 'A':
		if !boundaryBefore(text, i) {
			return "", -1
		}
		if hasPrefixAt(text, i, "AKIA") || hasPrefixAt(text, i, "ASIA") || hasPrefixAt(text, i, "AGPA") ||
			hasPrefixAt(text, i, "AIDA") || hasPrefixAt(text, i, "AROA") || hasPrefixAt(text, i, "ANPA") {
			if e := i + 4 + runLen(text, i+4, isUpperDigit); e-i == 20 && boundaryAfter(text, e) {
				kind, end = SecretAWSAccessKeyID, e
			}
		} else if hasPrefixAt(text, i, "AIza") {
			if e := i + 4 + runLen(text, i+4, isB64URL); e-i == 39 {
				kind, end = SecretGoogleAPIKey, e
			}
		}
	case 'g':
		if !boundaryBefore(text, i) {
			return "", -1
		}
		if i+4 <= n && text[i+1] == 'h' && text[i+3] == '_' && strings.IndexByte("pousr", text[i+2]) >= 0 {
			if e := i + 4 + runLen(text, i+4, isAlnum); e-i >= 40 && e-i <= 255 {
				kind, end = SecretGitHubToken, e
			}
		} else if hasPrefixAt(text, i, "github_pat_") {
			if e := i + 11 + runLen(text, i+11, isWordByte); e-i >= 40 {
				kind, end = SecretGitHubToken, e
			}
		} else if hasPrefixAt(text, i, "glpat-") || hasPrefixAt(text, i, "gldt-") || hasPrefixAt(text, i, "glrt-") {
			p := strings.IndexByte(text[i:], '-') + 1
			if e := i + p + runLen(text, i+p, isB64URL); e-i-p >= 20 {
				kind, end = SecretGitLabToken, e
			}
		}
	case 'x':
		if !boundaryBefore(text, i) {
			return "", -1
		}
		if hasPrefixAt(text, i, "xox") && i+4 < n && strings.IndexByte("bpaorsec", text[i+3]) >= 0 && text[i+4] == '-' {
			if e := i + 5 + runLen(text, i+5, isTokenByte); e-i >= 20 {
				kind, end = SecretSlackToken, e
			}
		} else if hasPrefixAt(text, i, "xapp-") {
			if e := i + 5 + runLen(text, i+5, isTokenByte); e-i >= 20 {
				kind, end = SecretSlackToken, e
			}
		}
	case 'h':
		if hasPrefixAt(text, i, "hooks.slack.com/services/") {
			p := i + len("hooks.slack.com/services/")
			if e := p + runLen(text, p, func(b byte) bool { return isAlnum(b) || b == '/' }); e-p >= 20 {
				kind, end = SecretSlackWebhook, e
			}
		} else if hasPrefixAt(text, i, "hf_") && boundaryBefore(text, i) {
			if e := i + 3 + runLen(text, i+3, isAlnum); e-i >= 37 && e-i <= 45 && mixedCase(text[i+3:e]) {
				kind, end = SecretHuggingFaceToken, e
			}
		}
	case 's', 'r':
		if !boundaryBefore(text, i) {
			return "", -1
		}
		if hasPrefixAt(text[i+1:], 0, "k_live_") || hasPrefixAt(text[i+1:], 0, "k_test_") {
			if e := i + 8 + runLen(text, i+8, isAlnum); e-i >= 24 {
				kind, end = SecretStripeKey, e
			}
		} else if c == 's' && hasPrefixAt(text, i, "sk-") {
			e := i + 3 + runLen(text, i+3, isB64URL)
			v := text[i:e]
			switch {
			case strings.HasPrefix(v, "sk-ant-") && len(v) >= 40:
				kind, end = SecretAnthropicKey, e
			case (strings.HasPrefix(v, "sk-proj-") || strings.HasPrefix(v, "sk-svcacct-") || strings.HasPrefix(v, "sk-admin-")) && len(v) >= 40:
				kind, end = SecretOpenAIKey, e
			case len(v) >= 40 && entropy(v[3:]) >= 3.5 && mixedCase(v[3:]):
				kind, end = SecretOpenAIKey, e
			}
		}
	case '-':
		if hasPrefixAt(text, i, "-----BEGIN ") {
			kind, end = privateKeyBlock(text, i)
		}
	case 'e':
		if hasPrefixAt(text, i, "eyJ") && boundaryBefore(text, i) {
			end = jwtEnd(text, i)
			if end > 0 {
				kind = SecretJWT
			}
		}
	}
	if kind == "" {
		return "", -1
	}
	return kind, end
}

func appendSecret(out []Secret, text, kind string, start, end int) []Secret {
	if len(out) > 0 && start < out[len(out)-1].End {
		return out
	}
	return append(out, Secret{Kind: kind, Start: start, End: end, Fingerprint: Fingerprint(text[start:end])})
}

// Redact replaces every secret in text with a marker naming its kind and
// fingerprint, for example "[REDACTED:aws-access-key-id:1a2b3c4d5e6f]". It
// is the one redaction every part of Parapet uses before text is logged,
// stored or shown.
func Redact(text string) string {
	ss := Secrets(text)
	if len(ss) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, s := range ss {
		b.WriteString(text[last:s.Start])
		b.WriteString("[REDACTED:")
		b.WriteString(s.Kind)
		b.WriteByte(':')
		b.WriteString(s.Fingerprint)
		b.WriteByte(']')
		last = s.End
	}
	b.WriteString(text[last:])
	return b.String()
}

// privateKeyBlock matches a PEM or OpenSSH private key from "-----BEGIN"
// to its END line. A block cut short still counts: half a key is a leak.
func privateKeyBlock(text string, i int) (string, int) {
	line := text[i:min(len(text), i+100)]
	nl := strings.IndexAny(line, "\r\n\\")
	if nl < 0 {
		nl = len(line)
	}
	if !strings.Contains(line[:nl], "PRIVATE KEY-----") {
		return "", -1
	}
	// The body: base64 lines (headers such as Proc-Type included), then
	// the END line. Scanning only the body keeps the pass linear.
	e := i + nl
	e += runLen(text, e, func(b byte) bool {
		return isB64(b) || b == '\n' || b == '\r' || b == '\\' || b == '=' || b == ' ' || b == ':' || b == ','
	})
	if hasPrefixAt(text, e, "-----END ") {
		end := e + 9
		end += runLen(text[:min(len(text), end+40)], end, func(b byte) bool { return b != '-' })
		if hasPrefixAt(text, end, "-----") {
			return SecretPrivateKey, end + 5
		}
	}
	if e-i-nl < 16 {
		return "", -1
	}
	// No END line: a key cut short is still a leak.
	return SecretPrivateKey, e
}

func isServiceAccountJSON(text string, i int) bool {
	lo := i - 2048
	if lo < 0 {
		lo = 0
	}
	hi := i + 8192
	if hi > len(text) {
		hi = len(text)
	}
	w := text[lo:hi]
	return strings.Contains(w, "service_account") || strings.Contains(w, "private_key_id")
}

// jwtEnd returns the end of a JWT (three base64url parts, the first two
// decoding to JSON objects) starting at i, or -1.
func jwtEnd(text string, i int) int {
	e1 := i + runLen(text, i, isB64URLNoDash)
	if e1-i < 10 || e1 >= len(text) || text[e1] != '.' || !hasPrefixAt(text, e1+1, "eyJ") {
		return -1
	}
	e2 := e1 + 1 + runLen(text, e1+1, isB64URLNoDash)
	if e2-e1 < 10 || e2 >= len(text) || text[e2] != '.' {
		return -1
	}
	e3 := e2 + 1 + runLen(text, e2+1, isB64URL)
	if e3-e2 < 8 {
		return -1
	}
	return e3
}

// secretNames are the key names that make a loose value a secret. The
// value must still look random.
var secretNames = []string{
	"secret", "password", "passwd", "pwd", "token", "api_key", "apikey", "api-key",
	"access_key", "accesskey", "private_key", "auth", "credential", "accountkey",
}

// assignment matches NAME = VALUE, NAME: VALUE and "NAME": "VALUE" at the
// separator sep, where NAME names a secret and VALUE is long and random.
func assignment(text string, sep int) (start, end int, kind string) {
	// The value first: most separators are followed by short values.
	v := sep + 1
	if v < len(text) && text[v] == '=' { // "==" is a comparison, not a value
		return 0, 0, ""
	}
	for v < len(text) && (text[v] == ' ' || text[v] == '\t') && v-sep < 6 {
		v++
	}
	var ve int
	if v < len(text) && (text[v] == '"' || text[v] == '\'') {
		// A quoted value runs to its closing quote, whatever it holds.
		q := text[v]
		v++
		ve = v
		for ve < len(text) && ve-v <= 512 && text[ve] != q && text[ve] > ' ' && text[ve] != '\\' {
			ve++
		}
		if ve >= len(text) || text[ve] != q {
			return 0, 0, ""
		}
	} else {
		ve = v
		for ve < len(text) && ve-v <= 512 && valueByte[text[ve]] {
			ve++
		}
	}
	val := text[v:ve]
	if len(val) < 16 || len(val) > 512 {
		return 0, 0, ""
	}
	// The name: identifier bytes (and an optional closing quote) before sep.
	j := sep
	for j > 0 && (text[j-1] == ' ' || text[j-1] == '\t') && sep-j < 4 {
		j--
	}
	if j > 0 && (text[j-1] == '"' || text[j-1] == '\'') {
		j--
	}
	ne := j
	for j > 0 && ne-j < 64 && (isWordByte(text[j-1]) || text[j-1] == '-' || text[j-1] == '.') {
		j--
	}
	if ne-j < 3 {
		return 0, 0, ""
	}
	name := strings.ToLower(text[j:ne])
	named := false
	for _, s := range secretNames {
		if strings.Contains(name, s) {
			named = true
			break
		}
	}
	if !named {
		return 0, 0, ""
	}
	switch {
	case strings.Contains(name, "aws") && strings.Contains(name, "secret") && len(val) == 40 && entropy(val) >= 4.0:
		return v, ve, SecretAWSSecretAccessKey
	case (name == "secretaccesskey" || name == "secret_access_key") && len(val) == 40 && entropy(val) >= 4.0:
		return v, ve, SecretAWSSecretAccessKey
	case strings.Contains(name, "azure") && strings.Contains(name, "openai") && len(val) >= 32 && entropy(val) >= 3.5:
		return v, ve, SecretAzureOpenAIKey
	case strings.Contains(name, "accountkey") || strings.Contains(name, "sharedaccesskey"):
		if len(val) >= 40 && entropy(val) >= 4.0 {
			return v, ve, SecretAzureStorageKey
		}
	case strings.Contains(name, "azure") && strings.Contains(name, "secret") && strings.Contains(val, "Q~"):
		return v, ve, SecretAzureClientSecret
	}
	if strings.ContainsAny(val[:1], ".-") || !hasDigitAndLetter(val) || entropy(val) < 3.8 {
		return 0, 0, ""
	}
	return v, ve, SecretGeneric
}

var valueByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		t[c] = isB64(b) || b == '-' || b == '_' || b == '=' || b == '~' || b == '.'
	}
	return t
}()

// secretPair says which two-byte starts can begin a credential or an
// assignment, so the scan skips every other byte with one lookup.
var secretPair = func() (t [256][256]bool) {
	for d := 0; d < 256; d++ {
		t['='][d], t[':'][d] = true, true
	}
	for _, p := range []string{"AK", "AS", "AG", "AI", "AR", "AN", "gh", "gi", "gl", "xo", "xa", "ho", "hf",
		"sk", "rk", "--", "ey"} {
		t[p[0]][p[1]] = true
	}
	return t
}()

// entropy is the Shannon entropy of s in bits per byte.
func entropy(s string) float64 {
	if s == "" {
		return 0
	}
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	h := 0.0
	n := float64(len(s))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

func hasDigitAndLetter(s string) bool {
	d, l := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		d = d || (c >= '0' && c <= '9')
		l = l || (c|0x20 >= 'a' && c|0x20 <= 'z')
	}
	return d && l
}

func mixedCase(s string) bool {
	up, lo := false, false
	for i := 0; i < len(s); i++ {
		up = up || (s[i] >= 'A' && s[i] <= 'Z')
		lo = lo || (s[i] >= 'a' && s[i] <= 'z')
	}
	return up && lo
}

func hasPrefixAt(s string, i int, p string) bool {
	return i >= 0 && i+len(p) <= len(s) && s[i:i+len(p)] == p
}

func runLen(s string, i int, ok func(byte) bool) int {
	j := i
	for j < len(s) && ok(s[j]) {
		j++
	}
	return j - i
}

func boundaryBefore(s string, i int) bool { return i == 0 || !isWordByte(s[i-1]) }
func boundaryAfter(s string, i int) bool  { return i >= len(s) || !isWordByte(s[i]) }

func isAlnum(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}
func isUpperDigit(b byte) bool   { return b >= '0' && b <= '9' || b >= 'A' && b <= 'Z' }
func isWordByte(b byte) bool     { return isAlnum(b) || b == '_' }
func isB64(b byte) bool          { return isAlnum(b) || b == '+' || b == '/' }
func isB64URL(b byte) bool       { return isAlnum(b) || b == '-' || b == '_' }
func isB64URLNoDash(b byte) bool { return isAlnum(b) || b == '_' || b == '-' }
func isTokenByte(b byte) bool    { return isAlnum(b) || b == '-' }
