import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InputError, type Problem } from "../shared/problem.js";
import { type Difference, jsonDiff, sha256 } from "./canonical.js";
import { type Recording, RecordingSchema } from "./recording.js";

export interface Closest {
  recording: Recording;
  differences: Difference[];
}

/** What a recording line is written as: its JSON with an integrity digest of that JSON as the last key. */
export function recordingLine(recording: Omit<Recording, "digest">): string {
  const { digest: _old, ...rest } = recording as Recording;
  const body = JSON.stringify(rest);
  return `${body.slice(0, -1)},"digest":"${sha256(body)}"}`;
}

const DIGEST = /,"digest":"([0-9a-f]{64})"\}$/;

/**
 * Checks a line's integrity digest: the sha256 of the line as written without it. An edited
 * recording (a hand-changed reply, request or fingerprint) no longer matches, and is refused.
 */
export function verifyLine(line: string): "ok" | "missing" | "mismatch" {
  const m = DIGEST.exec(line);
  if (!m) return "missing";
  return sha256(`${line.slice(0, m.index)}}`) === m[1] ? "ok" : "mismatch";
}

/** Problems printed per file at most; the rest are counted. */
const MAX_PROBLEMS = 50;

/**
 * Recordings on disk, one JSONL file per case (`<dir>/<case>.jsonl`) holding every profile, trial
 * and retry of that case, sorted so that re-recording gives a readable diff. A recording answers
 * the request it was made for, whatever the profile that made it: it is keyed by the request's
 * fingerprint, the trial and the attempt. Files are read lazily, once, when a case is first asked for.
 */
/** The recordings of one request attempt, by the profile that recorded them. */
type Takes = Map<string, Recording>;

export class RecordingStore {
  private readonly cases = new Map<string, Map<string, Takes>>();
  private readonly dirty = new Set<string>();

  constructor(readonly dir: string) {}

  static keyOf(r: Pick<Recording, "fingerprint" | "trial" | "seq">): string {
    return `${r.fingerprint}/${r.trial}/${r.seq}`;
  }

  fileOf(caseId: string): string {
    return join(this.dir, `${safeName(caseId)}.jsonl`);
  }

  private load(caseId: string): Map<string, Takes> {
    let map = this.cases.get(caseId);
    if (map) return map;
    map = new Map();
    const file = this.fileOf(caseId);
    if (existsSync(file)) {
      const problems: Problem[] = [];
      let more = 0;
      const problem = (p: Problem) => {
        if (problems.length < MAX_PROBLEMS) problems.push(p);
        else more++;
      };
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (line.trim() === "") return;
          let json: unknown;
          try {
            json = JSON.parse(line);
          } catch {
            problem({ file, line: i + 1, message: "not valid JSON", fix: "re-record this case" });
            return;
          }
          const parsed = RecordingSchema.safeParse(json);
          if (!parsed.success) {
            const issue = parsed.error.issues[0];
            problem({
              file,
              line: i + 1,
              field: issue?.path.join("."),
              message: `not a recording: ${issue?.message}`,
              fix: "re-record this case, or restore the file from git",
            });
            return;
          }
          const integrity = verifyLine(line);
          if (integrity !== "ok") {
            problem({
              file,
              line: i + 1,
              field: "digest",
              message:
                integrity === "missing"
                  ? "recording without an integrity digest (written by hand, or by a version before digests)"
                  : "recording edited since it was recorded: its content no longer matches its digest",
              fix: `re-record the case (npx orchestra run --mode record --filter ${caseId}), or restore the file from git`,
            });
            return;
          }
          put(map!, parsed.data);
        });
      if (more > 0) problems.push({ file, message: `and ${more} more problem(s) in this file` });
      if (problems.length > 0) throw new InputError(problems);
    }
    this.cases.set(caseId, map);
    return map;
  }

  /**
   * The recording of this request attempt. A request recorded under several profiles (a sonnet
   * agent's identical request in two runs) has a take per profile: the run's own profile's take
   * answers it, so a replay repeats exactly what was recorded for it; any other profile gets the
   * take of the first profile by name.
   */
  find(caseId: string, fingerprint: string, trial: number, seq: number, profile = ""): Recording | undefined {
    const takes = this.load(caseId).get(RecordingStore.keyOf({ fingerprint, trial, seq }));
    if (!takes) return undefined;
    const own = takes.get(profile);
    if (own) return own;
    return takes.get([...takes.keys()].sort()[0]!);
  }

  /** The trials for which this exact request was recorded (to explain a miss). */
  trialsFor(caseId: string, fingerprint: string): number[] {
    const trials = new Set<number>();
    for (const r of this.all(caseId)) if (r.fingerprint === fingerprint) trials.add(r.trial);
    return [...trials].sort((a, b) => a - b);
  }

  /** How many attempts of this request were recorded for the trial (to explain a miss). */
  countFor(caseId: string, fingerprint: string, trial: number): number {
    let n = 0;
    for (const takes of this.load(caseId).values()) {
      const r = takes.values().next().value;
      if (r && r.fingerprint === fingerprint && r.trial === trial) n++;
    }
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
    for (const recording of this.all(caseId)) {
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
    put(this.load(recording.case), recording);
    this.dirty.add(recording.case);
  }

  private *all(caseId: string): Iterable<Recording> {
    for (const takes of this.load(caseId).values()) yield* takes.values();
  }

  /** Writes one case's file if it changed, atomically (a temp file, then a rename); returns it, or undefined. */
  flushCase(caseId: string): string | undefined {
    if (!this.dirty.has(caseId)) return undefined;
    mkdirSync(this.dir, { recursive: true });
    const recordings = [...this.all(caseId)].sort(compareRecordings);
    const file = this.fileOf(caseId);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${recordings.map((r) => recordingLine(r)).join("\n")}\n`);
    renameSync(tmp, file);
    this.dirty.delete(caseId);
    return file;
  }

  /** Writes every case changed since the last flush. */
  flush(): string[] {
    const written: string[] = [];
    for (const caseId of [...this.dirty].sort()) {
      const file = this.flushCase(caseId);
      if (file) written.push(file);
    }
    return written;
  }

  recordingsOf(caseId: string): Recording[] {
    return [...this.all(caseId)].sort(compareRecordings);
  }
}

function put(map: Map<string, Takes>, recording: Recording): void {
  const key = RecordingStore.keyOf(recording);
  let takes = map.get(key);
  if (!takes) {
    takes = new Map();
    map.set(key, takes);
  }
  takes.set(recording.profile, recording);
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
