/**
 * L1, input screening. Untrusted text (mission text, file contents) is checked for prompt-injection
 * patterns before any agent sees it. A severe match blocks the input: no model is called. A
 * moderate match flags it: the agent is told the text is data, never instructions.
 */
export type Severity = "severe" | "moderate";

export interface ScreeningHit {
  pattern: string;
  severity: Severity;
  excerpt: string;
  source: string;
}

export interface ScreeningVerdict {
  layer: "L1";
  /** pass: nothing found; flag: moderate hits; block: a severe hit. */
  verdict: "pass" | "flag" | "block";
  hits: ScreeningHit[];
}

interface Pattern {
  name: string;
  severity: Severity;
  regex: RegExp;
}

const PATTERNS: Pattern[] = [
  {
    name: "override-instructions",
    severity: "severe",
    regex:
      /\b(ignore|disregard|forget|override)\b[^.\n]{0,40}\b(previous|prior|above|earlier|all|your|system)\b[^.\n]{0,20}\b(instructions?|rules|prompts?|guidelines)\b/i,
  },
  {
    name: "reveal-system-prompt",
    severity: "severe",
    regex:
      /\b(reveal|print|show|output|repeat|leak|dump)\b[^.\n]{0,30}\b(system prompt|hidden instructions|initial instructions|your instructions)\b/i,
  },
  {
    name: "exfiltrate-secrets",
    severity: "severe",
    // A sending verb, a secret, and a destination: "send the API key to https://...". Code that merely
    // handles passwords (authenticate(username=email, password=...)) must not match.
    regex:
      /\b(send|post|upload|exfiltrate|forward|leak|e-?mail)\b[^.\n]{0,40}\b(api[ _-]?keys?|credentials|secrets?|tokens?|passwords?|\.env)\b[^.\n]{0,40}\b(to|into)\s+(https?:\/\/|[\w.+-]+@[\w-]+\.|the attacker|an? external|this (url|address|endpoint))/i,
  },
  {
    name: "protocol-smuggling",
    severity: "severe",
    regex: /<\/?message\b[^>]*\b(type|from|to)\s*=/i,
  },
  {
    name: "role-reassignment",
    severity: "moderate",
    regex: /\b(you are now|from now on you|act as|pretend (to be|you are)|new persona)\b/i,
  },
  {
    name: "fake-system-marker",
    severity: "moderate",
    regex: /(^|\n)\s*(#{2,}\s*)?(system|assistant)\s*:|\[\s*(system|inst)\s*\]|<\|?(system|im_start)\|?>/i,
  },
  {
    name: "hidden-unicode",
    severity: "moderate",
    regex: /[\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/,
  },
  {
    name: "do-not-tell",
    severity: "moderate",
    regex:
      /\b(do not|don't|never) (tell|inform|mention|report)\b[^.\n]{0,30}\b(user|anyone|lead|reviewer|coordinator)\b/i,
  },
];

export const SCREENING_PATTERNS: readonly string[] = PATTERNS.map((p) => p.name);

export function screen(items: { source: string; text: string }[]): ScreeningVerdict {
  const hits: ScreeningHit[] = [];
  for (const item of items) {
    for (const pattern of PATTERNS) {
      const match = pattern.regex.exec(item.text);
      if (!match) continue;
      hits.push({
        pattern: pattern.name,
        severity: pattern.severity,
        excerpt: excerpt(item.text, match.index, match[0].length),
        source: item.source,
      });
    }
  }
  const verdict = hits.some((h) => h.severity === "severe") ? "block" : hits.length > 0 ? "flag" : "pass";
  return { layer: "L1", verdict, hits };
}

function excerpt(text: string, index: number, length: number): string {
  const raw = text.slice(Math.max(0, index - 10), Math.min(text.length, index + length + 10));
  const visible = raw.replace(
    /[\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return visible.replace(/\s+/g, " ").trim();
}
