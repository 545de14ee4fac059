package audit

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// GenerateKey creates an Ed25519 signing key for checkpoints of the log with
// the given origin, returning the private key in the signed-note format
// ("PRIVATE+KEY+<name>+<hash>+<key>") and the verifier key
// ("<name>+<hex key id>+<base64 key>").
func GenerateKey(origin string) (signerKey, verifierKey string, err error) {
	if err := checkOrigin(origin); err != nil {
		return "", "", err
	}
	return note.GenerateKey(rand.Reader, origin)
}

// WriteKeyFile writes a signing key to a new file readable by its owner
// alone (mode 0600). It never overwrites an existing file.
func WriteKeyFile(path, signerKey string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("signing key %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("signing key %s: %w", path, err)
	}
	if _, err := f.WriteString(signerKey + "\n"); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("signing key %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("signing key %s: %w", path, err)
	}
	return f.Close()
}

// LoadSigner reads a signing key file written by WriteKeyFile. It refuses a
// file that others than its owner can read or write: a leaked key lets
// anyone sign a forged history. A KMS or HSM signer can stand in for the
// result, since the log only needs a note.Signer.
func LoadSigner(path string) (note.Signer, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("signing key %s: mode %04o lets other users read it; run chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	s, err := note.NewSigner(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, errors.New("not a signed-note private key"))
	}
	return s, nil
}
