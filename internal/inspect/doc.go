// Package inspect finds what an AI agent should not act on or leak in the
// text it reads: prompt injections and hidden instructions in tool output,
// git history, IaC comments, alerts and RAG chunks; credentials by format;
// and signs of a poisoned memory store.
//
// Scan normalises the text (NFKC, invisible and bidi characters, Unicode tag
// smuggling, homoglyphs, hidden HTML and Markdown, encoded payloads), runs
// many rule families at once over one multi-pattern automaton, and scores it
// with a small linear model trained by the trainer in ./train; every finding
// carries byte offsets into the original text. Secrets and Redact are the
// one credential detector and redaction helper of the project.
package inspect
