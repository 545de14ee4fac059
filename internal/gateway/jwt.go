package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// allowedAlgs are the JWS algorithms accepted; "none" and HMAC never are.
var allowedAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512, jose.ES256, jose.ES384, jose.ES512, jose.EdDSA}

// JWTVerifier checks agents' JWT bearer tokens against an issuer's keys and
// the gateway's audience (the resource it is: tokens minted for another
// resource are refused, and never passed on).
type JWTVerifier struct {
	Issuer   string
	Audience string
	// JWKSURL is fetched (and re-fetched, at most once a minute, when a
	// token names an unknown key); JWKSFile is read once.
	JWKSURL  string
	JWKSFile string
	Client   *http.Client

	mu      sync.Mutex
	keys    *jose.JSONWebKeySet
	fetched time.Time
}

// NewJWTVerifier builds a verifier from the auth configuration, discovering
// the JWKS from the OIDC issuer when no JWKS is given.
func NewJWTVerifier(ctx context.Context, c *AuthConfig, publicURL string) (*JWTVerifier, error) {
	v := &JWTVerifier{Issuer: c.Issuer, Audience: c.Audience, JWKSURL: c.JWKSURL, JWKSFile: c.JWKSFile, Client: &http.Client{Timeout: 10 * time.Second}}
	if v.Audience == "" {
		v.Audience = publicURL
	}
	if v.Audience == "" {
		return nil, errors.New("auth: an audience (auth.audience or public_url) is required, so tokens for other resources are refused")
	}
	if v.JWKSFile == "" && v.JWKSURL == "" {
		if c.Issuer == "" {
			return nil, errors.New("auth: give issuer, jwks_url or jwks_file")
		}
		u, err := v.discover(ctx)
		if err != nil {
			return nil, err
		}
		v.JWKSURL = u
	}
	if err := v.load(ctx); err != nil {
		return nil, err
	}
	return v, nil
}

func (v *JWTVerifier) discover(ctx context.Context) (string, error) {
	u := strings.TrimSuffix(v.Issuer, "/") + "/.well-known/openid-configuration"
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := v.getJSON(ctx, u, &doc); err != nil {
		return "", fmt.Errorf("auth: OIDC discovery: %w", err)
	}
	if doc.Issuer != v.Issuer {
		return "", fmt.Errorf("auth: OIDC discovery at %s names issuer %q, not %q", u, doc.Issuer, v.Issuer)
	}
	if doc.JWKSURI == "" {
		return "", fmt.Errorf("auth: OIDC discovery at %s gives no jwks_uri", u)
	}
	return doc.JWKSURI, nil
}

func (v *JWTVerifier) getJSON(ctx context.Context, u string, dst any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := v.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: HTTP %d", u, resp.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(dst)
}

func (v *JWTVerifier) load(ctx context.Context) error {
	var set jose.JSONWebKeySet
	if v.JWKSFile != "" {
		b, err := os.ReadFile(v.JWKSFile)
		if err != nil {
			return fmt.Errorf("auth: %w", err)
		}
		if err := json.Unmarshal(b, &set); err != nil {
			return fmt.Errorf("auth: %s: %w", v.JWKSFile, err)
		}
	} else if err := v.getJSON(ctx, v.JWKSURL, &set); err != nil {
		return fmt.Errorf("auth: JWKS: %w", err)
	}
	v.mu.Lock()
	v.keys, v.fetched = &set, time.Now()
	v.mu.Unlock()
	return nil
}

// Verify checks a token's signature, issuer, audience and times, and
// returns its claims and expiry.
func (v *JWTVerifier) Verify(ctx context.Context, token string) (map[string]any, time.Time, error) {
	tok, err := jwt.ParseSigned(token, allowedAlgs)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("token: %w", err)
	}
	if len(tok.Headers) != 1 {
		return nil, time.Time{}, errors.New("token: want one signature")
	}
	kid := tok.Headers[0].KeyID
	key := v.key(kid)
	if key == nil && v.JWKSURL != "" {
		v.mu.Lock()
		stale := time.Since(v.fetched) > time.Minute
		v.mu.Unlock()
		if stale {
			if err := v.load(ctx); err == nil {
				key = v.key(kid)
			}
		}
	}
	if key == nil {
		return nil, time.Time{}, fmt.Errorf("token: unknown key id %q", kid)
	}
	var std jwt.Claims
	var all map[string]any
	if err := tok.Claims(key.Key, &std, &all); err != nil {
		return nil, time.Time{}, fmt.Errorf("token: %w", err)
	}
	if std.Expiry == nil {
		return nil, time.Time{}, errors.New("token: no expiry")
	}
	exp := jwt.Expected{AnyAudience: jwt.Audience{v.Audience}, Time: time.Now()}
	if v.Issuer != "" {
		exp.Issuer = v.Issuer
	}
	if err := std.ValidateWithLeeway(exp, 30*time.Second); err != nil {
		return nil, time.Time{}, fmt.Errorf("token: %w", err)
	}
	return all, std.Expiry.Time(), nil
}

func (v *JWTVerifier) key(kid string) *jose.JSONWebKey {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.keys == nil {
		return nil
	}
	if kid == "" {
		if len(v.keys.Keys) == 1 {
			return &v.keys.Keys[0]
		}
		return nil
	}
	if ks := v.keys.Key(kid); len(ks) > 0 {
		return &ks[0]
	}
	return nil
}
