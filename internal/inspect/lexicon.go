package inspect

// Term groups of the rule lexicon. A rule is a sequence of groups that must
// occur in order within a few bytes of each other, so one rule covers a
// whole family of paraphrases: any verb of the group "ignore" followed by
// any noun of the group "instructions".
const (
	gIgnore     = iota // verbs that set instructions aside
	gPrior             // qualifiers pointing at earlier instructions
	gInstr             // nouns for instructions, rules, context
	gNew               // announcements of new instructions or a new role
	gRoleStrong        // chat-template and tool-protocol tokens
	gRoleWeak          // role labels that also occur in ordinary text
	gRolePlay          // role-play openers
	gJailbreak         // unrestricted-persona vocabulary
	gAI                // addressing an AI reader
	gMust              // obligation
	gSecrecy           // hide the action from the user
	gCall              // verbs that run something
	gTool              // things that run
	gDestroy           // destructive or privilege-changing actions
	gSend              // verbs that move data
	gData              // sensitive data
	gDest              // destinations outside
	gAsk               // verbs that ask for or reveal something
	gCred              // credentials and personal secrets
	gLeak              // the model's own instructions
	gUrgent            // urgency and authority
	gDecode            // requests to decode and follow
	gMarkup            // markup that hides content
	gLink              // starts of links and images
	gRot13             // key words in rot13
	gBoundary          // fake ends of the data
	numGroups
)

var groupNames = [numGroups]string{
	"ignore", "prior", "instructions", "new-instructions", "role-token", "role-label",
	"role-play", "jailbreak", "ai-addressee", "obligation", "secrecy", "call", "tool",
	"destructive", "send", "sensitive-data", "destination", "ask", "credential",
	"own-instructions", "urgency", "decode", "hiding-markup", "link", "rot13", "fake-boundary",
}

// lexicon lists the terms of every group. A trailing '*' makes a term a
// stem that matches any ending. Terms are normalised like the text, so
// they are written in plain lower case.
var lexicon = [numGroups][]string{
	gIgnore: {
		"ignore", "ignoring", "ignored", "disregard*", "forget", "forgetting", "overlook", "skip", "bypass*",
		"override", "overriding", "overwrite", "neglect", "abandon", "discard", "dismiss", "set aside",
		"put aside", "pay no attention to", "stop following", "don't follow", "do not follow",
		"no longer follow", "never mind", "nevermind", "throw out", "drop", "ditch", "circumvent", "disobey", "deviate from", "depart from", "do not obey", "don't obey",
		"stop obeying", "no longer obey", "not adhere to", "unlearn", "ignor*",
		// es, pt, fr, it, de, nl, ru, zh, ja, ko
		"ignora", "ignore", "ignorez", "ignorer", "ignorar", "ignoriere", "ignorieren", "olvida", "olvide",
		"esqueça", "esqueca", "oublie", "oubliez", "dimentica", "vergiss", "vergessen", "negeer", "vergeet",
		"игнорир*", "забудь", "забудьте", "忽略", "无视", "忘记", "忘掉", "無視", "忘れ", "무시", "잊어",
	},
	gPrior: {
		"previous", "previously", "prior", "above", "earlier", "preceding", "foregoing", "initial",
		"original", "existing", "former", "aforementioned", "above-mentioned", "preset", "built-in",
		"all previous", "all prior", "all your", "all of your", "your previous", "your prior", "your original",
		"your initial", "your earlier", "your current", "your system", "the system", "your safety",
		"anteriores", "anterior", "précédentes", "precedentes", "vorherigen", "bisherigen", "precedenti",
		"предыдущие", "прежние", "之前", "以前", "先前", "上述", "前面", "以前の", "これまでの", "이전",
		"obigen", "oben genannten", "ci-dessus", "précédentes", "de arriba", "anteriormente", "sopra",
		"acima", "выше", "上面", "上記", "위의",
	},
	gInstr: {
		"instruction*", "direction*", "rule*", "guideline*", "prompt*", "context", "constraint*",
		"command*", "directive*", "guidance", "programming", "polic*", "restriction*", "order*", "task*",
		"message*", "safeguard*", "guardrail*", "filter*", "limitation*", "training", "setting*",
		"configuration", "mandate*", "protocol*", "boundaries", "ethic*", "everything", "what you were told",
		"system prompt", "moderation", "content policy", "conversation", "input", "text above",
		"the above", "everything above", "all of the above", "everything before", "what i said before",
		"alles", "todo lo anterior", "tout ce qui précède", "tutto quanto", "всё", "一切", "すべて",
		"instrucciones", "instrucción", "instruções", "instrucoes", "consignes", "anweisungen", "regeln",
		"istruzioni", "regole", "instructies", "инструкци*", "указани*", "правила", "指令", "指示", "说明",
		"命令", "规则", "規則", "지시", "명령",
	},
	gNew: {
		"new instructions", "new instruction", "updated instructions", "new task", "new tasks", "real task",
		"actual task", "true task", "real instructions", "actual instructions", "true instructions",
		"your new", "from now on", "from this point on", "from this moment", "from here on", "henceforth",
		"starting now", "going forward, you", "instead, you", "instead you", "you will now", "you must now",
		"you are now", "now you are", "now you will", "you are no longer", "your only goal",
		"your sole purpose", "your primary objective", "your main goal is now", "takes precedence",
		"take precedence", "supersede*", "takes priority", "highest priority", "top priority",
		"priority instruction", "new directive", "new rules", "new role", "the following instructions",
		"follow these instructions", "follow the instructions below", "execute the following", "do the following instead",
		"nuevas instrucciones", "nouvelles instructions", "neue anweisungen", "nuove istruzioni",
		"novas instruções", "новые инструкции", "新的指令", "新指令", "新しい指示",
		"before you can solve", "before you solve", "before you continue", "before answering", "before you answer",
		"before you reply", "before anything else", "do the following first", "first, please", "after you do that",
		"once you have done that", "then you can continue", "then continue with", "prerequisite for",
		"neue aufgabe", "nueva tarea", "nouvelle tâche", "nuovo compito", "nova tarefa", "новая задача",
		"新任务", "新しいタスク", "ab jetzt", "a partir de ahora", "à partir de maintenant", "d'ora in poi", "a partir de agora",
	},
	gRoleStrong: {
		"<|im_start|>", "<|im_end|>", "<|system|>", "<|user|>", "<|assistant|>", "<|endoftext|>",
		"<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>", "<|begin_of_text|>", "<<sys>>",
		"<</sys>>", "[inst]", "[/inst]", "### system:", "### instruction:", "### instructions:",
		"### new instructions", "<system>", "</system>", "<tool_result>", "</tool_result>",
		"<function_results>", "</function_results>", "<tool_output>", "</tool_output>", "<|tool|>",
		"<start_of_turn>", "<end_of_turn>", "\nsystem:", "\n[system]", "[system message]",
		"system message:", "system prompt:", "system override", "system notice:", "admin override",
		"developer override", "[admin]", "<admin>", "\nadmin:", "message from the system",
		"message from the developer", "message from your developer", "note from the developer",
		"from the system administrator", "\nhuman:", "\n\nhuman:", "\nassistant:", "<instructions>",
		"</instructions>", "[[system]]", "{system}", "(system)", "system:", "sudo mode", "god mode",
		"root access granted", "authorization level: admin", "\ndeveloper:", "[developer]",
	},
	gRoleWeak: {
		"\nuser:", "\nai:", "\nbot:", "\nmodel:", "\nsystem ", "\nnote:", "\nimportant:",
		"assistant:", "user:", "[user]", "[assistant]", "system", "admin", "administrator", "operator",
	},
	gRolePlay: {
		"act as", "acting as", "pretend to be", "pretend you are", "pretend that you", "roleplay",
		"role-play", "role play", "play the role", "imagine you are", "you are playing", "simulate",
		"let's play a game", "lets play a game", "in this game", "stay in character", "in character",
		"respond as", "answer as", "you are a", "you are an", "from the perspective of", "hypothetically",
		"hypothetical", "for a story", "in a fictional", "write a story where",
	},
	gJailbreak: {
		"developer mode", "dev mode", "dan", "do anything now", "jailbreak*", "jailbroken", "unrestricted",
		"no restrictions", "without restrictions", "without any restrictions", "no limitations",
		"no longer bound", "not bound by", "free from", "unfiltered", "uncensored", "evil confidant", "amoral",
		"opposite mode", "no ethical", "without ethical", "without moral", "no moral", "ignore ethics",
		"break character", "no rules", "without rules", "anything i ask", "never refuse",
		"do not refuse", "don't refuse", "cannot refuse", "without refusing", "no filter", "bypass*",
		"unlocked", "admin mode", "root mode", "mongo tom",
	},
	gAI: {
		"ai", "a.i.", "assistant", "assistants", "language model", "language models", "llm", "llms", "chatbot",
		"ai agent", "ai agents", "agent", "agents", "model", "gpt", "chatgpt", "claude", "copilot", "gemini",
		"bot", "bots", "dear ai", "note to ai", "attention ai", "if you are an ai", "ai reading this",
		"automated", "automation", "autonomous", "llm-based", "ai-powered", "you, the ai",
		"whoever reads this", "anyone reading this", "if you are reading this", "reader of this",
		"gpt-4", "gpt-4o", "llama", "mistral", "the model", "the assistant", "dear assistant", "ai model",
		"language-model", "reviewer bot", "automated reviewer*", "remediation agent", "on-call agent",
	},
	gMust: {
		"must", "should", "shall", "need to", "needs to", "have to", "has to", "are required to",
		"is required to", "are instructed to", "are ordered to", "are expected to", "required:",
		"mandatory", "immediately", "now", "always", "never", "it is essential", "make sure",
		"ensure", "be sure to", "you will", "you're going to", "your task is", "your job is",
	},
	gSecrecy: {
		"don't tell the user", "do not tell the user", "don't tell them", "do not tell them",
		"do not inform", "don't inform", "without telling", "without informing", "without notifying",
		"without asking", "without confirmation", "without confirming", "without the user",
		"without user", "do not mention", "don't mention", "never mention", "do not reveal that",
		"don't reveal that", "do not reveal this", "don't reveal this", "keep this secret",
		"keep it secret", "keep this between", "secretly", "silently", "quietly", "covertly",
		"without letting", "hide this", "hide it from", "do not disclose this", "don't disclose this",
		"user must not know", "user doesn't need to know", "user does not need to know",
		"don't let the user know", "do not let the user know", "do not alert", "do not notify",
		"do not ask for confirmation", "don't ask for confirmation", "don't ask for permission",
		"do not ask for permission", "no need to ask", "no need to confirm", "behind the scenes",
		"without mentioning", "do not include this", "omit this", "invisible to the user",
		"do not show this", "don't show this", "the user will not see", "the user won't see",
	},
	gCall: {
		"call", "invoke", "execute", "run", "trigger", "launch", "perform", "issue", "fetch", "visit",
		"open", "browse to", "navigate to", "go to", "click", "download", "install", "curl", "wget",
		"use the", "make a request", "send a request", "make an http", "call the", "run the",
	},
	gTool: {
		"tool", "tools", "function", "functions", "api", "endpoint", "command", "shell", "terminal",
		"bash", "script", "plugin", "webhook", "kubectl", "terraform", "aws cli", "gcloud", "az ",
		"sudo", "send_email", "send_message", "send_mail", "http_request", "browser", "fetch_url",
		"run_command", "execute_command", "exec", "powershell", "cmd.exe", "python -c", "eval(",
		"os.system", "subprocess", "| sh", "| bash", "|sh", "|bash",
	},
	gDestroy: {
		"delete all", "delete every", "delete the", "rm -rf", "drop table", "drop database",
		"terraform destroy", "kubectl delete", "truncate", "wipe", "format the disk", "shutdown",
		"shut down", "disable logging", "disable cloudtrail", "stop logging", "disable the firewall",
		"disable mfa", "disable security", "turn off", "make public", "make it public", "public-read",
		"0.0.0.0/0", "chmod 777", "grant admin", "administratoraccess", "authorized_keys",
		"add my ssh key", "create a new user", "create an access key", "create-access-key", "iam:*",
		"\"action\": \"*\"", "transfer funds", "wire transfer", "send money", "transfer $", "approve the",
		"approve this", "merge this", "merge the", "force push", "push --force", "--force",
		"deploy to production", "scale to zero", "delete-bucket", "s3 rb", "remove all", "revoke",
		"--no-verify", "auto-approve", "-auto-approve", "escalate", "privilege", "reverse shell", "nc -e",
		"/bin/sh", "/dev/tcp", "purge", "grant access", "grant permanent access", "give access", "add a user",
		"invite", "as an owner", "as an admin", "admin rights", "backdoor", "branch protection", "disable the",
		"turn off the", "stop the", "terminate", "cancel all", "refund", "payout", "iban", "make the bucket public",
		"share the folder", "share the file", "publicly", "to the public", "antivirus", "guardduty", "security group",
	},
	gSend: {
		"send", "sending", "forward", "post", "upload", "transmit", "exfiltrate", "email", "e-mail",
		"leak", "share", "submit", "append", "include", "embed", "encode", "attach", "copy", "paste",
		"relay", "pass along", "dump", "beacon", "report", "export", "sync", "mirror", "replicate",
		"add", "put", "insert", "write",
	},
	gData: {
		"conversation", "chat history", "chat log", "previous messages", "message history", "user data",
		"user's data", "users' data", "personal data", "personal information", "pii", "password*",
		"secret*", "credential*", "token*", "api key*", "apikey", "access key*", "private key*",
		"ssh key*", ".env", "environment variable*", "env var*", "config file", "/etc/passwd",
		"/etc/shadow", "~/.aws", ".aws/credentials", "id_rsa", "kubeconfig", "session cookie",
		"cookie*", "credit card*", "card number", "ssn", "social security", "bank account",
		"system prompt", "your instructions", "the contents", "contents of", "database dump",
		"customer data", "customer records", "emails", "contacts", "address book", "iam credentials",
		"instance metadata", "169.254.169.254", "metadata endpoint", "the user's", "the users",
		"summary of", "all files", "source code", "repository", "secrets manager", "vault",
		"salar*", "payroll", "medical", "health record*", "home address", "phone number*", "date of birth",
		"passport", "bank details", "customer list", "employee records", "confidential", "verification code*",
		"2fa code*", "one-time code*", "seed phrase", "wallet", "inbox", "chat history", "audit log*",
		"private files", "private repositor*", "backups", "datos", "passwörter", "пароль", "密码", "パスワード",
	},
	gDest: {
		"to http", "http://", "https://", "url", "link", "endpoint", "server", "webhook", "address",
		"attacker", "external", "this address", "following address", "pastebin", "ngrok", "requestbin",
		"webhook.site", "burpcollaborator", "interact.sh", "oast", "remote", "my server", "this url",
		"this link", "the following url", "query string", "query parameter", "@",
	},
	gAsk: {
		"provide", "enter", "share", "send", "give", "reveal", "tell", "type", "confirm", "verify",
		"re-enter", "input", "submit", "disclose", "print", "output", "show", "display", "repeat",
		"read out", "list", "expose", "echo", "cat", "reply with", "respond with", "paste", "write out",
		"spell out", "recite",
		"zeige", "zeig", "gib", "nenne", "muestra", "dime", "montre", "affiche", "dis-moi", "mostra", "dimmi",
		"покажи", "выведи", "显示", "输出", "告诉我", "表示して", "教えて",
	},
	gCred: {
		"password*", "passcode", "pin", "api key*", "secret key*", "access key*", "token*",
		"credential*", "ssh key*", "private key*", "2fa code", "mfa code", "otp", "one-time code",
		"one time code", "verification code", "security code", "credit card*", "card number", "cvv",
		"ssn", "social security number", "seed phrase", "recovery phrase", "mnemonic", "login details",
		"username and password", "bank details", "account number", "routing number", "login",
		"session token", "cookie*", "aws_secret_access_key", "aws_access_key_id",
	},
	gLeak: {
		"system prompt", "initial prompt", "initial instructions", "original instructions",
		"hidden instructions", "your instructions", "your prompt", "your rules", "your guidelines",
		"the prompt above", "text above", "everything above", "words above", "developer message",
		"pre-prompt", "preprompt", "your context window", "your configuration", "your system message",
		"the instructions you were given", "instructions above", "message above", "verbatim",
		"everything before", "everything that came before",
		"systemprompt", "system-prompt", "prompt système", "prompt del sistema", "prompt do sistema",
		"системный промпт", "系统提示", "系统提示词", "システムプロンプト", "deine anweisungen", "tus instrucciones",
		"vos instructions", "le tue istruzioni",
	},
	gUrgent: {
		"important:", "important!", "urgent", "attention:", "warning:", "critical:", "alert:",
		"nb:", "p.s.", "!!!", "immediately", "right now", "asap", "action required", "mandatory",
		"required action", "security notice", "compliance requirement", "do it now", "without delay",
		"important message", "this is an important", "message from me", "signed,",
	},
	gDecode: {
		"decode", "decoded", "base64", "base-64", "hex", "rot13", "rot-13", "caesar", "reverse",
		"reversed", "backwards", "unscramble", "decrypt", "deobfuscate", "url-decode", "urldecode",
		"and follow", "and execute", "and obey", "then follow", "then execute", "follow it",
		"execute it", "obey it",
	},
	gMarkup: {
		"<!--", "display:none", "display: none", "visibility:hidden", "visibility: hidden",
		"font-size:0", "font-size: 0", "opacity:0", "opacity: 0", "color:#fff", "color: #fff",
		"color:white", "color: white", "color:#ffffff", "color: #ffffff", "hidden>", " hidden ",
		"aria-hidden", "[//]: #", "[comment]: #", "height:0", "width:0", "left:-9999",
		"position:absolute;left:-", "clip:rect(0", "text-indent:-9999",
	},
	gLink: {
		"](http*", "](//*", "src=\"http*", "src='http*", "src=http*", "href=\"http*", "href='http*",
		"href=http*", "<img", "url(http*",
	},
	gBoundary: {
		"end of document", "end of email", "end of context", "end of file", "end of data",
		"end of tool output", "end of output", "end of text", "end of message", "end of input",
		"end of the document", "end of the email", "end of user input", "</context>", "</document>",
		"</data>", "</email>", "</output>", "</input>", "[end]", "-- end --", "--- end",
		"=== end", "### end", "begin new session", "new session", "session reset", "context reset",
		"conversation reset", "reset context", "</user>", "</text>",
	},
}

// rot13Words are key words whose rot13 spelling signals a rot13 payload.
var rot13Words = []string{
	"ignore", "previous", "instructions", "system", "prompt", "password", "disregard", "forget",
	"execute", "delete", "secret", "reveal", "assistant", "send", "credentials",
}

func rot13(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = 'a' + (c-'a'+13)%26
		case c >= 'A' && c <= 'Z':
			b[i] = 'A' + (c-'A'+13)%26
		}
	}
	return string(b)
}
