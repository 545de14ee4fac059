package trail

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parapet-sec/parapet/internal/audit"
	"github.com/parapet-sec/parapet/internal/store"
)

const (
	ctFixture  = "testdata/cloudtrail/111122223333_CloudTrail_us-east-1_20261127T1005Z_Hc2mQ4vTg2YkXqZp.json"
	agent      = "deploy-agent-7"
	agentARN   = "arn:aws:sts::111122223333:assumed-role/agent-deployer/deploy-agent-7"
	deployRole = "arn:aws:iam::111122223333:role/agent-deployer"
)

// parapetLog appends the Parapet fixture records to a real audit log.
func parapetLog(t *testing.T) *audit.Log {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "audit.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	_, vkey, _ := audit.GenerateKey("audit.example.com/trail-test")
	if err := audit.Create(ctx, st, "audit.example.com/trail-test", vkey); err != nil {
		t.Fatal(err)
	}
	l, err := audit.Open(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	f, err := os.Open("testdata/parapet.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if _, err := l.AppendJSON(ctx, sc.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func allEvents(t *testing.T, ctPaths []string) []Event {
	t.Helper()
	ct, err := ReadCloudTrail(ctPaths, nil)
	if err != nil {
		t.Fatal(err)
	}
	k8s, err := ReadK8sAudit("testdata/k8s-audit.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	pp, err := FromLog(context.Background(), parapetLog(t))
	if err != nil {
		t.Fatal(err)
	}
	return append(append(ct, k8s...), pp...)
}

func summary(es []Event) string {
	var b strings.Builder
	for _, e := range es {
		fmt.Fprintf(&b, "%s %s %s %s\n", e.Time.Format("15:04:05"), e.Source, e.Action, e.Outcome)
	}
	return b.String()
}

func TestTimelineJoinsOneAgentAcrossCloudTrailKubernetesAndParapet(t *testing.T) {
	events := allEvents(t, []string{ctFixture})
	want := `10:00:00 cloudtrail sts.amazonaws.com:AssumeRole success
10:00:05 parapet tools/call aws/s3_delete_bucket allow
10:00:07 cloudtrail s3.amazonaws.com:DeleteBucket success
10:01:58 parapet tools/call kubectl/delete allow
10:02:00 k8s-audit delete deployments success
10:03:29 parapet tools/call aws/iam_attach_role_policy deny
10:03:30 cloudtrail iam.amazonaws.com:AttachRolePolicy AccessDenied
`
	for _, principal := range []string{agent, agentARN, "agent-deployer:deploy-agent-7"} {
		t.Run("asked as "+principal, func(t *testing.T) {
			got := summary(Timeline(events, principal))
			if got != want {
				t.Fatalf("timeline of %s:\n%s\nwant:\n%s", principal, got, want)
			}
		})
	}
	t.Run("the role shows all of its sessions, and no one else", func(t *testing.T) {
		got := Timeline(events, deployRole)
		var sessions = map[string]bool{}
		for _, e := range got {
			if strings.Contains(e.Principal, "serviceaccount") || strings.HasPrefix(e.Principal, "arn:aws:sts::111122223333:assumed-role/agent-platform/") && e.Action != "sts.amazonaws.com:AssumeRole" {
				t.Fatalf("the role's timeline holds %+v", e)
			}
			sessions[e.Principal] = true
		}
		for _, p := range []string{agentARN, "arn:aws:sts::111122223333:assumed-role/agent-deployer/report-agent-2", "report-agent-2", "agent-deployer:report-agent-2"} {
			if !sessions[p] {
				t.Errorf("the role's timeline lacks %s:\n%s", p, summary(got))
			}
		}
	})
	t.Run("the person an agent worked for sees the decisions made on their behalf", func(t *testing.T) {
		got := Timeline(events, "alice@example.com")
		if len(got) != 3 || got[0].Source != SourceParapet {
			t.Fatalf("timeline of alice:\n%s", summary(got))
		}
	})
	t.Run("Parapet events come from a verified log", func(t *testing.T) {
		for _, e := range Timeline(events, agent) {
			if e.Source == SourceParapet && !e.Validated {
				t.Fatalf("%+v not marked validated", e)
			}
		}
	})
}

func TestReadCloudTrailRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"not-json.json":   `{"Records": [`,
		"no-records.json": `{"something": []}`,
		"bad-time.json":   `{"Records":[{"eventTime":"yesterday","eventSource":"s3.amazonaws.com","eventName":"GetObject"}]}`,
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		if _, err := ReadCloudTrail([]string{p}, nil); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v does not name the file", name, err)
		}
	}
}

// cloudTrailBucket lays out a CloudTrail bucket in dir: two hourly log
// files (gzip, as delivered) and two digest files signed with key in the
// real format. The newest digest's signature is saved beside it when
// saveSig is set.
func cloudTrailBucket(t *testing.T, dir string, key *rsa.PrivateKey, saveSig bool) (logs, digests []string, keysJSON []byte) {
	t.Helper()
	fixture, err := os.ReadFile(ctFixture)
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Records []json.RawMessage `json:"Records"`
	}
	json.Unmarshal(fixture, &raw)
	const bucket = "org-cloudtrail-logs"
	logDir := filepath.Join(dir, "AWSLogs", "111122223333", "CloudTrail", "us-east-1", "2026", "11", "27")
	digDir := filepath.Join(dir, "AWSLogs", "111122223333", "CloudTrail-Digest", "us-east-1", "2026", "11", "27")
	os.MkdirAll(logDir, 0o755)
	os.MkdirAll(digDir, 0o755)
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	}
	der := x509.MarshalPKCS1PublicKey(&key.PublicKey)
	fp := md5.Sum(der)
	fingerprint := hex.EncodeToString(fp[:])
	keysJSON, _ = json.Marshal(map[string]any{"PublicKeyList": []map[string]any{{
		"Fingerprint":       fingerprint,
		"Value":             base64.StdEncoding.EncodeToString(der),
		"ValidityStartTime": float64(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Unix()),
		"ValidityEndTime":   float64(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).Unix()),
	}}})
	var prevSig, prevKey *string
	var prevHash string
	for h, recs := range [][]json.RawMessage{raw.Records[:2], raw.Records[2:]} {
		content, _ := json.Marshal(map[string]any{"Records": recs})
		name := fmt.Sprintf("111122223333_CloudTrail_us-east-1_20261127T10%d5Z_k%dXqZp.json.gz", h, h)
		logPath := filepath.Join(logDir, name)
		os.WriteFile(logPath, gz(content), 0o644)
		logs = append(logs, logPath)
		sum := sha256.Sum256(content)
		end := fmt.Sprintf("2026-11-27T1%d:00:00Z", h+1)
		obj := fmt.Sprintf("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/27/111122223333_CloudTrail-Digest_us-east-1_org-trail_us-east-1_20261127T1%d0000Z.json.gz", h+1)
		d := map[string]any{
			"awsAccountId": "111122223333", "digestStartTime": fmt.Sprintf("2026-11-27T1%d:00:00Z", h), "digestEndTime": end,
			"digestS3Bucket": bucket, "digestS3Object": obj,
			"digestPublicKeyFingerprint": fingerprint, "digestSignatureAlgorithm": "SHA256withRSA",
			"newestEventTime": end, "oldestEventTime": end,
			"previousDigestS3Bucket": nil, "previousDigestS3Object": nil, "previousDigestHashValue": nil,
			"previousDigestHashAlgorithm": nil, "previousDigestSignature": nil,
			"logFiles": []map[string]any{{
				"s3Bucket": bucket, "s3Object": "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/27/" + name,
				"hashValue": hex.EncodeToString(sum[:]), "hashAlgorithm": "SHA-256",
				"newestEventTime": end, "oldestEventTime": end,
			}},
		}
		if prevKey != nil {
			d["previousDigestS3Bucket"] = bucket
			d["previousDigestS3Object"] = *prevKey
			d["previousDigestHashValue"] = prevHash
			d["previousDigestHashAlgorithm"] = "SHA-256"
			d["previousDigestSignature"] = *prevSig
		}
		dcontent, _ := json.Marshal(d)
		signed := sha256.Sum256([]byte(DigestSigningString(end, bucket, obj, dcontent, prevSig)))
		sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, signed[:])
		if err != nil {
			t.Fatal(err)
		}
		sigHex := hex.EncodeToString(sig)
		dpath := filepath.Join(digDir, filepath.Base(obj))
		os.WriteFile(dpath, gz(dcontent), 0o644)
		digests = append(digests, dpath)
		if h == 1 && saveSig {
			os.WriteFile(dpath+".sig", []byte(sigHex+"\n"), 0o644)
		}
		dh := sha256.Sum256(dcontent)
		prevHash, prevSig, prevKey = hex.EncodeToString(dh[:]), &sigHex, &obj
	}
	return logs, digests, keysJSON
}

func TestCloudTrailDigestChainValidates(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	setup := func(t *testing.T, saveSig bool) (string, []string, []string, []PublicKey) {
		dir := t.TempDir()
		logs, digests, kj := cloudTrailBucket(t, dir, key, saveSig)
		keys, err := ParsePublicKeys("keys.json", kj)
		if err != nil {
			t.Fatal(err)
		}
		l, d, err := CloudTrailFiles([]string{dir})
		if err != nil || len(l) != 2 || len(d) != 2 {
			t.Fatalf("CloudTrailFiles found %v and %v (%v), want the 2 logs and 2 digests", l, d, err)
		}
		return dir, logs, digests, keys
	}

	t.Run("an intact chain validates every log file", func(t *testing.T) {
		_, logs, digests, keys := setup(t, true)
		rep, err := VerifyDigests(digests, logs, keys)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Verified != 2 || !rep.Validated[logs[0]] || !rep.Validated[logs[1]] {
			t.Fatalf("report %+v", rep)
		}
		events, err := ReadCloudTrail(logs, rep.Validated)
		if err != nil || len(events) != 4 || !events[0].Validated {
			t.Fatalf("events %+v, %v", events, err)
		}
	})
	t.Run("without the newest digest's signature its files stay unvalidated", func(t *testing.T) {
		_, logs, digests, keys := setup(t, false)
		rep, err := VerifyDigests(digests, logs, keys)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Verified != 1 || !rep.Validated[logs[0]] || rep.Validated[logs[1]] || len(rep.Unsigned) != 1 {
			t.Fatalf("report %+v", rep)
		}
	})
	t.Run("a changed log file is named", func(t *testing.T) {
		_, logs, digests, keys := setup(t, true)
		b, _ := readMaybeGzip(logs[1])
		os.WriteFile(logs[1], bytes.Replace(b, []byte("ListBuckets"), []byte("ListBucketz"), 1), 0o644)
		_, err := VerifyDigests(digests, logs, keys)
		if err == nil || !strings.Contains(err.Error(), logs[1]) {
			t.Fatalf("VerifyDigests = %v, want an error naming %s", err, logs[1])
		}
	})
	t.Run("a changed digest breaks the chain", func(t *testing.T) {
		_, logs, digests, keys := setup(t, true)
		b, _ := readMaybeGzip(digests[0])
		os.WriteFile(digests[0], bytes.Replace(b, []byte(`"hashValue":"`), []byte(`"hashValue":"00`), 1), 0o644)
		if _, err := VerifyDigests(digests, logs, keys); err == nil {
			t.Fatal("a changed digest validated")
		}
	})
	t.Run("a digest signed by another key is refused", func(t *testing.T) {
		_, logs, digests, _ := setup(t, true)
		other, _ := rsa.GenerateKey(rand.Reader, 2048)
		der := x509.MarshalPKCS1PublicKey(&other.PublicKey)
		var d struct {
			Fingerprint string `json:"digestPublicKeyFingerprint"`
		}
		b, _ := readMaybeGzip(digests[0])
		json.Unmarshal(b, &d)
		keys := []PublicKey{{Fingerprint: d.Fingerprint, Value: der}}
		if _, err := VerifyDigests(digests, logs, keys); err == nil || !strings.Contains(err.Error(), "does not verify") {
			t.Fatalf("VerifyDigests = %v, want a signature failure", err)
		}
	})
}

func FuzzReadK8sAudit(f *testing.F) {
	seed, _ := os.ReadFile("testdata/k8s-audit.jsonl")
	f.Add(seed)
	f.Add([]byte(`{"kind":"Event","apiVersion":"audit.k8s.io/v1","user":{"username":"x"},"requestReceivedTimestamp":"2026-01-01T00:00:00Z"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "audit.jsonl")
		os.WriteFile(p, data, 0o644)
		ReadK8sAudit(p)
	})
}

func FuzzReadCloudTrail(f *testing.F) {
	seed, _ := os.ReadFile(ctFixture)
	f.Add(seed)
	f.Add([]byte(`{"Records":[{"eventTime":"2026-01-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"AssumeRole","responseElements":{"assumedRoleUser":{"arn":"arn:aws:sts::1:assumed-role/r/s"}}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "ct.json")
		os.WriteFile(p, data, 0o644)
		es, err := ReadCloudTrail([]string{p}, nil)
		if err == nil {
			Timeline(es, "s")
		}
	})
}
