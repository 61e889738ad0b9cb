import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InputError, type Problem } from "../shared/problem.js";
import { type Difference, jsonDiff } from "./canonical.js";
import { type Recording, RecordingSchema } from "./recording.js";

export interface Closest {
  recording: Recording;
  differences: Difference[];
}

/**
 * Recordings on disk, one JSONL file per case (`<dir>/<case>.jsonl`) holding every profile, trial
 * and retry of that case, sorted so that re-recording gives a readable diff. Files are read lazily,
 * once, when a case is first asked for.
 */
export class RecordingStore {
  private readonly cases = new Map<string, Map<string, Recording>>();
  private readonly dirty = new Set<string>();

  constructor(readonly dir: string) {}

  static keyOf(r: Pick<Recording, "profile" | "fingerprint" | "trial" | "seq">): string {
    return `${r.profile}/${r.fingerprint}/${r.trial}/${r.seq}`;
  }

  fileOf(caseId: string): string {
    return join(this.dir, `${safeName(caseId)}.jsonl`);
  }

  private load(caseId: string): Map<string, Recording> {
    let map = this.cases.get(caseId);
    if (map) return map;
    map = new Map();
    const file = this.fileOf(caseId);
    if (existsSync(file)) {
      const problems: Problem[] = [];
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (line.trim() === "") return;
          let json: unknown;
          try {
            json = JSON.parse(line);
          } catch {
            problems.push({ file, line: i + 1, message: "not valid JSON", fix: "re-record this case" });
            return;
          }
          const parsed = RecordingSchema.safeParse(json);
          if (!parsed.success) {
            const issue = parsed.error.issues[0];
            problems.push({
              file,
              line: i + 1,
              field: issue?.path.join("."),
              message: `not a recording: ${issue?.message}`,
              fix: "re-record this case, or restore the file from git",
            });
            return;
          }
          map?.set(RecordingStore.keyOf(parsed.data), parsed.data);
        });
      if (problems.length > 0) throw new InputError(problems);
    }
    this.cases.set(caseId, map);
    return map;
  }

  find(
    caseId: string,
    profile: string,
    fingerprint: string,
    trial: number,
    seq: number,
  ): Recording | undefined {
    return this.load(caseId).get(RecordingStore.keyOf({ profile, fingerprint, trial, seq }));
  }

  /** How many attempts of this request were recorded for the trial (to explain a miss). */
  countFor(caseId: string, profile: string, fingerprint: string, trial: number): number {
    let n = 0;
    for (const r of this.load(caseId).values())
      if (r.profile === profile && r.fingerprint === fingerprint && r.trial === trial) n++;
    return n;
  }

  /** The recording of this case most like `request`: same agent and model first, then fewest differences. */
  closest(
    caseId: string,
    profile: string,
    request: Record<string, unknown>,
    agent: string,
  ): Closest | undefined {
    let best: Closest | undefined;
    let bestScore = Number.POSITIVE_INFINITY;
    for (const recording of this.load(caseId).values()) {
      const differences = jsonDiff(recording.request, request, 50);
      const score =
        differences.length +
        (recording.agent === agent ? 0 : 100) +
        (recording.model === request.model ? 0 : 10) +
        (recording.profile === profile ? 0 : 5);
      if (score < bestScore) {
        bestScore = score;
        best = { recording, differences: differences.slice(0, 8) };
      }
    }
    return best;
  }

  /** Forgets a case's recordings once it has run (kept if unsaved), so memory stays flat in the number of cases. */
  release(caseId: string): void {
    if (!this.dirty.has(caseId)) this.cases.delete(caseId);
  }

  add(recording: Recording): void {
    this.load(recording.case).set(RecordingStore.keyOf(recording), recording);
    this.dirty.add(recording.case);
  }

  /** Writes every case changed since the last flush, atomically (a temp file, then a rename). */
  flush(): string[] {
    const written: string[] = [];
    mkdirSync(this.dir, { recursive: true });
    for (const caseId of [...this.dirty].sort()) {
      const recordings = [...this.load(caseId).values()].sort(compareRecordings);
      const file = this.fileOf(caseId);
      const tmp = `${file}.tmp`;
      writeFileSync(tmp, `${recordings.map((r) => JSON.stringify(r)).join("\n")}\n`);
      renameSync(tmp, file);
      written.push(file);
    }
    this.dirty.clear();
    return written;
  }

  recordingsOf(caseId: string): Recording[] {
    return [...this.load(caseId).values()].sort(compareRecordings);
  }
}

function compareRecordings(a: Recording, b: Recording): number {
  return (
    a.profile.localeCompare(b.profile) ||
    a.trial - b.trial ||
    a.agent.localeCompare(b.agent) ||
    a.model.localeCompare(b.model) ||
    a.fingerprint.localeCompare(b.fingerprint) ||
    a.seq - b.seq
  );
}

function safeName(caseId: string): string {
  return caseId.replace(/[^A-Za-z0-9._-]/g, "_");
}
