package plan

import (
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/crypto/ssh"
)

// PublicKey is an allowed approver's Ed25519 key.
type PublicKey struct {
	// Name is where the key came from (its file name), for messages.
	Name string
	// Comment is the OpenSSH key comment, if any (often user@host).
	Comment string
	Key     ed25519.PublicKey
}

// KeyID is the hex SHA-256 of the key's PKIX (SubjectPublicKeyInfo) DER
// encoding, the keyid written in DSSE signatures.
func KeyID(pub ed25519.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// ParsePrivateKey reads an Ed25519 private key in PEM PKCS#8 ("PRIVATE
// KEY", as `openssl genpkey -algorithm ed25519` writes) or OpenSSH format
// (`ssh-keygen -t ed25519`). Passphrase-protected keys are refused: decrypt
// them first. name is used in errors.
func ParsePrivateKey(name string, data []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%s: not a PEM or OpenSSH private key", name)
	}
	var key crypto.PrivateKey
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "OPENSSH PRIVATE KEY":
		key, err = ssh.ParseRawPrivateKey(data)
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			return nil, fmt.Errorf("%s: the key is protected by a passphrase; give a decrypted copy", name)
		}
	case "ENCRYPTED PRIVATE KEY":
		return nil, fmt.Errorf("%s: the key is encrypted; give a decrypted copy", name)
	default:
		return nil, fmt.Errorf("%s: PEM block %q is not an Ed25519 private key (want PRIVATE KEY or OPENSSH PRIVATE KEY)", name, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	switch k := key.(type) {
	case ed25519.PrivateKey:
		return k, nil
	case *ed25519.PrivateKey:
		return *k, nil
	}
	return nil, fmt.Errorf("%s: %T is not an Ed25519 key", name, key)
}

// ParsePublicKey reads an Ed25519 public key: an OpenSSH line
// ("ssh-ed25519 AAAA... comment", as in a .pub file) or PEM "PUBLIC KEY".
func ParsePublicKey(name string, data []byte) (PublicKey, error) {
	if block, _ := pem.Decode(data); block != nil {
		if block.Type != "PUBLIC KEY" {
			return PublicKey{}, fmt.Errorf("%s: PEM block %q is not a public key", name, block.Type)
		}
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return PublicKey{}, fmt.Errorf("%s: %w", name, err)
		}
		ed, ok := k.(ed25519.PublicKey)
		if !ok {
			return PublicKey{}, fmt.Errorf("%s: %T is not an Ed25519 key", name, k)
		}
		return PublicKey{Name: name, Key: ed}, nil
	}
	k, comment, _, _, err := ssh.ParseAuthorizedKey(data)
	if err != nil {
		return PublicKey{}, fmt.Errorf("%s: not an OpenSSH or PEM public key: %w", name, err)
	}
	ck, ok := k.(ssh.CryptoPublicKey)
	if !ok {
		return PublicKey{}, fmt.Errorf("%s: unsupported key type %s", name, k.Type())
	}
	ed, ok := ck.CryptoPublicKey().(ed25519.PublicKey)
	if !ok {
		return PublicKey{}, fmt.Errorf("%s: %s is not an Ed25519 key", name, k.Type())
	}
	return PublicKey{Name: name, Comment: comment, Key: ed}, nil
}

// LoadPublicKeys reads every allowed approver's key in dir: files ending in
// .pub or .pem. A file that does not parse is an error, so that a typo never
// silently drops an approver; an empty folder is an error too.
func LoadPublicKeys(dir string) ([]PublicKey, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	var keys []PublicKey
	for _, e := range entries {
		if e.IsDir() || !(strings.HasSuffix(e.Name(), ".pub") || strings.HasSuffix(e.Name(), ".pem")) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("keys: %w", err)
		}
		k, err := ParsePublicKey(path, data)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("keys: %s holds no .pub or .pem public keys", dir)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Name < keys[j].Name })
	return keys, nil
}
