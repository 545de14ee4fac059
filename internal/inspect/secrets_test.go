package inspect

import (
	"encoding/json"
	"strings"
	"testing"
)

// Test credentials below are made up: right format, no account behind them.
const (
	fakeAWSKeyID     = "AKIAIOSFODNN7EXAMPLE"
	fakeAWSSecret    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	fakeGitHub       = "ghp_x9Q2mVb7LkT4sR8nW1cY6uE3aZ0pJ5hD2fGi"
	fakeGitLab       = "glpat-Zx8Qw3Er5Ty7Ui9Op1As"
	fakeSlack        = "xoxb-2048937561-4096185273-Qw3Er5Ty7Ui9Op1AsDf"
	fakeStripe       = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
	fakeOpenAIProj   = "sk-proj-Ab3De5Gh7Jk9Mn1Pq3St5Vw7Yz9Bc2Df4Gh6Jk8Lm0Np"
	fakeOpenAILegacy = "sk-Zq8Xw3Ce5Vr7Bt9Ny1Mu2Ki4Lo6Pa8Sd0Fg2Hj4Kl6Zx8C"
	fakeAnthropic    = "sk-ant-api03-Qw3Er5Ty7Ui9Op1AsDf3Gh5Jk7Lz9Xc1Vb3Nm5Qw7Er9Ty1Ui3Op5AsDf7Gh9Jk1Lz3Xc5Vb7Nm9-AbCdEfAA"
	fakeGoogle       = "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"
	fakeHF           = "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"
	fakeJWT          = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkphbmUifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	fakeAzureOpenAI  = "3f9a1c7e5b2d4f6a8c0e1b3d5f7a9c2e"
	fakeAzureStorage = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
	fakePEM          = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\nKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ==\n-----END RSA PRIVATE KEY-----"
	fakeOpenSSH      = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----"
)

func TestSecretsFindsEachFormat(t *testing.T) {
	tests := []struct {
		name, text, kind, value string
	}{
		{"an AWS access key id in prose", "key " + fakeAWSKeyID + " leaked", SecretAWSAccessKeyID, fakeAWSKeyID},
		{"an AWS secret key named in a credentials file", "aws_secret_access_key = " + fakeAWSSecret + "\n", SecretAWSSecretAccessKey, fakeAWSSecret},
		{"an AWS secret key in CLI JSON", `{"SecretAccessKey": "` + fakeAWSSecret + `"}`, SecretAWSSecretAccessKey, fakeAWSSecret},
		{"a GitHub personal access token", "token=" + fakeGitHub, SecretGitHubToken, fakeGitHub},
		{"a GitLab token", "use " + fakeGitLab + " here", SecretGitLabToken, fakeGitLab},
		{"a Slack bot token", fakeSlack, SecretSlackToken, fakeSlack},
		{"a Stripe live key", "stripe " + fakeStripe, SecretStripeKey, fakeStripe},
		{"an OpenAI project key in an env var", "OPENAI_API_KEY=" + fakeOpenAIProj, SecretOpenAIKey, fakeOpenAIProj},
		{"a legacy OpenAI key", "key: " + fakeOpenAILegacy, SecretOpenAIKey, fakeOpenAILegacy},
		{"an Anthropic key", "ANTHROPIC_API_KEY=\"" + fakeAnthropic + "\"", SecretAnthropicKey, fakeAnthropic},
		{"a Google API key", "GOOGLE_API_KEY=" + fakeGoogle, SecretGoogleAPIKey, fakeGoogle},
		{"a Hugging Face token", "HF_TOKEN=" + fakeHF, SecretHuggingFaceToken, fakeHF},
		{"a JWT in a header", "Authorization: Bearer " + fakeJWT, SecretJWT, fakeJWT},
		{"an Azure OpenAI key", "AZURE_OPENAI_API_KEY=" + fakeAzureOpenAI, SecretAzureOpenAIKey, fakeAzureOpenAI},
		{"an Azure storage account key", "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=" + fakeAzureStorage + ";", SecretAzureStorageKey, fakeAzureStorage},
		{"an RSA private key", "x\n" + fakePEM + "\ny", SecretPrivateKey, fakePEM},
		{"an OpenSSH private key", fakeOpenSSH, SecretPrivateKey, fakeOpenSSH},
		{"a GCP service-account key", `{"type": "service_account", "private_key_id": "abc", "private_key": "` + strings.ReplaceAll(fakePEM, "\n", `\n`) + `"}`, SecretGCPServiceAccount, strings.ReplaceAll(fakePEM, "\n", `\n`)},
		{"a generic random password", `db_password = "hT9#kq2LxV8mZr4wP"`, SecretGeneric, "hT9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Secrets(tt.text)
			if len(got) != 1 {
				t.Fatalf("Secrets found %d secrets, want 1: %v", len(got), got)
			}
			s := got[0]
			if s.Kind != tt.kind {
				t.Errorf("kind = %s, want %s", s.Kind, tt.kind)
			}
			if v := tt.text[s.Start:s.End]; !strings.HasPrefix(v, tt.value) {
				t.Errorf("span holds %q, want %q", v, tt.value)
			}
			if s.Fingerprint != Fingerprint(tt.text[s.Start:s.End]) || len(s.Fingerprint) != 12 {
				t.Errorf("fingerprint %q is not the SHA-256 prefix of the value", s.Fingerprint)
			}
		})
	}
}

func TestSecretsIgnoresLookalikes(t *testing.T) {
	for _, text := range []string{
		"the task-runner and desk-booking services",
		"AKIA is a prefix, AKIAEXAMPLE is too short",
		"password = changeme",
		"token: ${{ secrets.GITHUB_TOKEN }}",
		"if password == userInput {",
		"sk-learn is a library; risk-based sk-1234",
		"a sha256 of 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
		"eyJ is how base64 JSON starts",
	} {
		if got := Secrets(text); len(got) != 0 {
			t.Errorf("Secrets(%q) = %v, want none", text, got)
		}
	}
}

func TestSecretNeverShowsItsValue(t *testing.T) {
	text := "AWS_ACCESS_KEY_ID=" + fakeAWSKeyID + " OPENAI_API_KEY=" + fakeOpenAIProj
	ss := Secrets(text)
	if len(ss) != 2 {
		t.Fatalf("found %d secrets, want 2", len(ss))
	}
	js, err := json.Marshal(ss)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		for _, shown := range []string{s.String(), string(js)} {
			if strings.Contains(shown, fakeAWSKeyID) || strings.Contains(shown, fakeOpenAIProj[8:]) {
				t.Errorf("secret value appears in %q", shown)
			}
		}
	}
}

func TestRedactReplacesEverySecret(t *testing.T) {
	text := "id " + fakeAWSKeyID + " and key " + fakeGitHub + " end"
	got := Redact(text)
	want := "id [REDACTED:aws-access-key-id:" + Fingerprint(fakeAWSKeyID) + "] and key [REDACTED:github-token:" + Fingerprint(fakeGitHub) + "] end"
	if got != want {
		t.Errorf("Redact = %q\nwant     %q", got, want)
	}
	if clean := "nothing to hide here"; Redact(clean) != clean {
		t.Errorf("Redact changed a clean text")
	}
}

func TestAIKindsNameTheModelProviders(t *testing.T) {
	for _, v := range []string{fakeOpenAIProj, fakeAnthropic, fakeGoogle, fakeHF} {
		ss := Secrets("X=" + v)
		if len(ss) != 1 || !AIKinds[ss[0].Kind] {
			t.Errorf("%s...: got %v, want one AI key", v[:6], ss)
		}
	}
}
