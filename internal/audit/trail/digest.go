package trail

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// PublicKey is one CloudTrail public key as `aws cloudtrail
// list-public-keys` prints it: Value is the DER PKCS#1 RSA public key.
type PublicKey struct {
	Fingerprint       string  `json:"Fingerprint"`
	Value             []byte  `json:"Value"`
	ValidityStartTime float64 `json:"ValidityStartTime"`
	ValidityEndTime   float64 `json:"ValidityEndTime"`
}

// ParsePublicKeys reads the JSON output of `aws cloudtrail list-public-keys`
// ({"PublicKeyList":[...]}); keys of several regions may be concatenated in
// one list.
func ParsePublicKeys(name string, data []byte) ([]PublicKey, error) {
	var doc struct {
		PublicKeyList []PublicKey `json:"PublicKeyList"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("cloudtrail public keys: %w", inventory.JSONError(name, data, err))
	}
	if len(doc.PublicKeyList) == 0 {
		return nil, fmt.Errorf("cloudtrail public keys: %s: empty PublicKeyList", name)
	}
	for i, k := range doc.PublicKeyList {
		if k.Fingerprint == "" {
			return nil, fmt.Errorf("cloudtrail public keys: %s: PublicKeyList[%d]: no Fingerprint", name, i)
		}
		if _, err := x509.ParsePKCS1PublicKey(k.Value); err != nil {
			return nil, fmt.Errorf("cloudtrail public keys: %s: PublicKeyList[%d] (%s): Value is not a DER PKCS#1 RSA key: %w", name, i, k.Fingerprint, err)
		}
	}
	return doc.PublicKeyList, nil
}

// digestFile is a CloudTrail digest file. The previous-digest fields are
// null in the first digest of a chain.
type digestFile struct {
	AWSAccountID               string  `json:"awsAccountId"`
	DigestStartTime            string  `json:"digestStartTime"`
	DigestEndTime              string  `json:"digestEndTime"`
	DigestS3Bucket             string  `json:"digestS3Bucket"`
	DigestS3Object             string  `json:"digestS3Object"`
	DigestPublicKeyFingerprint string  `json:"digestPublicKeyFingerprint"`
	DigestSignatureAlgorithm   string  `json:"digestSignatureAlgorithm"`
	PreviousDigestS3Bucket     *string `json:"previousDigestS3Bucket"`
	PreviousDigestS3Object     *string `json:"previousDigestS3Object"`
	PreviousDigestHashValue    *string `json:"previousDigestHashValue"`
	PreviousDigestSignature    *string `json:"previousDigestSignature"`
	LogFiles                   []struct {
		S3Bucket      string `json:"s3Bucket"`
		S3Object      string `json:"s3Object"`
		HashValue     string `json:"hashValue"`
		HashAlgorithm string `json:"hashAlgorithm"`
	} `json:"logFiles"`
}

type digest struct {
	path    string
	content []byte // inflated
	d       digestFile
	sig     string // hex, "" when not available
}

// DigestReport says what digest validation established.
type DigestReport struct {
	Digests  int `json:"digests"`
	Verified int `json:"verified"`
	// Validated holds the log files whose hashes a verified digest lists.
	Validated map[string]bool `json:"-"`
	// Unsigned lists digests whose signature was not available: the
	// newest of a chain, unless its signature was saved beside it.
	Unsigned []string `json:"unsigned,omitempty"`
	// Gaps lists previous digests a digest names that are not among the
	// files given.
	Gaps []string `json:"gaps,omitempty"`
}

// VerifyDigests validates CloudTrail digest files the way CloudTrail
// defines it: each digest is signed (SHA256withRSA, the key chosen by its
// fingerprint among keys) over the string
//
//	digestEndTime \n digestS3Bucket/digestS3Object \n hex(SHA-256(digest)) \n previousDigestSignature
//
// (with "null" for the first digest of a chain); each names the hash and
// signature of the one before; and each lists the SHA-256 of the log files
// it covers. A digest's own signature lives in its S3 object metadata: it is
// read from the next digest of the chain, or from a file beside the digest
// with ".sig" appended to its name holding the hex signature (save it with
// `aws s3api head-object ... --query Metadata.signature --output text`).
// Any bad signature, broken chain link or changed log file is an error
// naming the file.
func VerifyDigests(digestPaths, logPaths []string, keys []PublicKey) (*DigestReport, error) {
	rep := &DigestReport{Validated: map[string]bool{}}
	byKey := map[string]*digest{}
	var ds []*digest
	for _, p := range digestPaths {
		content, err := readMaybeGzip(p)
		if err != nil {
			return nil, fmt.Errorf("cloudtrail digest: %w", err)
		}
		d := &digest{path: p, content: content}
		if err := json.Unmarshal(content, &d.d); err != nil {
			return nil, fmt.Errorf("cloudtrail digest: %w", inventory.JSONError(p, content, err))
		}
		if d.d.DigestS3Object == "" || d.d.DigestEndTime == "" {
			return nil, fmt.Errorf("cloudtrail digest: %s: no digestS3Object or digestEndTime: not a digest file", p)
		}
		if sig, err := os.ReadFile(p + ".sig"); err == nil {
			d.sig = strings.TrimSpace(string(sig))
		}
		byKey[d.d.DigestS3Bucket+"/"+d.d.DigestS3Object] = d
		ds = append(ds, d)
	}
	rep.Digests = len(ds)
	sort.Slice(ds, func(i, j int) bool { return ds[i].d.DigestEndTime < ds[j].d.DigestEndTime })
	// Each digest carries the signature of the one before it.
	for _, d := range ds {
		if d.d.PreviousDigestS3Object == nil {
			continue
		}
		key := deref(d.d.PreviousDigestS3Bucket) + "/" + *d.d.PreviousDigestS3Object
		prev, ok := byKey[key]
		if !ok {
			rep.Gaps = append(rep.Gaps, key)
			continue
		}
		sum := sha256.Sum256(prev.content)
		if d.d.PreviousDigestHashValue == nil || !strings.EqualFold(*d.d.PreviousDigestHashValue, hex.EncodeToString(sum[:])) {
			return nil, fmt.Errorf("cloudtrail digest: %s: the previous digest %s has changed: its SHA-256 is %x, the chain says %s", d.path, prev.path, sum, deref(d.d.PreviousDigestHashValue))
		}
		if d.d.PreviousDigestSignature != nil {
			if prev.sig != "" && !strings.EqualFold(prev.sig, *d.d.PreviousDigestSignature) {
				return nil, fmt.Errorf("cloudtrail digest: %s: its saved signature differs from the one the next digest %s records", prev.path, d.path)
			}
			prev.sig = *d.d.PreviousDigestSignature
		}
	}
	logsByName := map[string][]string{}
	for _, p := range logPaths {
		name := path.Base(strings.ReplaceAll(p, "\\", "/"))
		logsByName[name] = append(logsByName[name], p)
	}
	for _, d := range ds {
		if d.sig == "" {
			rep.Unsigned = append(rep.Unsigned, d.path)
			continue
		}
		if err := verifyDigestSignature(d, keys); err != nil {
			return nil, fmt.Errorf("cloudtrail digest: %s: %w", d.path, err)
		}
		rep.Verified++
		for _, lf := range d.d.LogFiles {
			for _, p := range logsByName[path.Base(lf.S3Object)] {
				content, err := readMaybeGzip(p)
				if err != nil {
					return nil, fmt.Errorf("cloudtrail: %w", err)
				}
				sum := sha256.Sum256(content)
				if !strings.EqualFold(lf.HashValue, hex.EncodeToString(sum[:])) {
					return nil, fmt.Errorf("cloudtrail: %s has changed since delivery: its SHA-256 is %x, digest %s says %s", p, sum, d.path, lf.HashValue)
				}
				rep.Validated[p] = true
			}
		}
	}
	return rep, nil
}

func verifyDigestSignature(d *digest, keys []PublicKey) error {
	if d.d.DigestSignatureAlgorithm != "SHA256withRSA" {
		return fmt.Errorf("signature algorithm %q, want SHA256withRSA", d.d.DigestSignatureAlgorithm)
	}
	var key *PublicKey
	for i := range keys {
		if strings.EqualFold(keys[i].Fingerprint, d.d.DigestPublicKeyFingerprint) {
			key = &keys[i]
			break
		}
	}
	if key == nil {
		return fmt.Errorf("signed by key %s, which is not among the public keys given (run `aws cloudtrail list-public-keys` for the digest's region and time)", d.d.DigestPublicKeyFingerprint)
	}
	end, err := time.Parse(time.RFC3339, d.d.DigestEndTime)
	if err != nil {
		return fmt.Errorf("digestEndTime %q: %w", d.d.DigestEndTime, err)
	}
	if key.ValidityStartTime > 0 && key.ValidityEndTime > 0 {
		from, to := epoch(key.ValidityStartTime), epoch(key.ValidityEndTime)
		if end.Before(from) || end.After(to) {
			return fmt.Errorf("digest ends at %s, outside the validity of key %s (%s to %s)", end.Format(time.RFC3339), key.Fingerprint, from.Format(time.RFC3339), to.Format(time.RFC3339))
		}
	}
	pub, err := x509.ParsePKCS1PublicKey(key.Value)
	if err != nil {
		return fmt.Errorf("key %s: %w", key.Fingerprint, err)
	}
	sig, err := hex.DecodeString(d.sig)
	if err != nil {
		return fmt.Errorf("signature is not hex: %w", err)
	}
	sum := sha256.Sum256([]byte(DigestSigningString(d.d.DigestEndTime, d.d.DigestS3Bucket, d.d.DigestS3Object, d.content, d.d.PreviousDigestSignature)))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		return errors.New("signature does not verify: the digest was changed or not signed by CloudTrail")
	}
	return nil
}

// DigestSigningString is the string CloudTrail signs for a digest file.
func DigestSigningString(endTime, bucket, object string, content []byte, previousSignature *string) string {
	prev := "null"
	if previousSignature != nil {
		prev = *previousSignature
	}
	sum := sha256.Sum256(content)
	return endTime + "\n" + bucket + "/" + object + "\n" + hex.EncodeToString(sum[:]) + "\n" + prev
}

func epoch(s float64) time.Time {
	sec := int64(s)
	return time.Unix(sec, int64((s-float64(sec))*1e9)).UTC()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
