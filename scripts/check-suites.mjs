// Validates suites/*.yaml and their scenarios without running anything:
//   node scripts/check-suites.mjs            (after `npm run build`)
// Checks: each suite file against the zod schema (with line:column), unique case ids, context
// files that exist, agents that exist, and a parseable scenario for every case.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseDocument } from "yaml";

const root = new URL("..", import.meta.url).pathname;
const { SuiteFileSchema } = await import(new URL("../dist/suite/schema.js", import.meta.url).href);
const { parseScenario } = await import(new URL("../dist/fake-api/index.js", import.meta.url).href);
const { loadAgents } = await import(new URL("../dist/agents/index.js", import.meta.url).href);
const agents = new Set(
  loadAgents(join(root, "agents"), { tiers: ["opus", "sonnet", "haiku"] }).agents.map((a) => a.name),
);

let problems = 0;
const report = (where, message) => {
  problems++;
  console.log(`${where}: ${message}`);
};
const ids = new Map();
const counts = {};
const suitesDir = join(root, "suites");
for (const name of readdirSync(suitesDir)
  .filter((f) => f.endsWith(".yaml"))
  .sort()) {
  const file = join(suitesDir, name);
  const doc = parseDocument(readFileSync(file, "utf8"), { keepSourceTokens: true });
  if (doc.errors.length) {
    for (const e of doc.errors) report(`suites/${name}:${e.linePos?.[0]?.line}`, e.message);
    continue;
  }
  const parsed = SuiteFileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      report(`suites/${name} at ${issue.path.join(".")}`, issue.message);
    continue;
  }
  for (const c of parsed.data.cases) {
    const suite = c.suite ?? parsed.data.suite;
    counts[suite] = (counts[suite] ?? 0) + 1;
    if (ids.has(c.id)) report(`suites/${name} ${c.id}`, `duplicate id (also in ${ids.get(c.id)})`);
    ids.set(c.id, name);
    const target = c.input.agent ?? c.input.coordinator;
    if (target && !agents.has(target)) report(`suites/${name} ${c.id}`, `unknown agent ${target}`);
    for (const entry of c.input.context) {
      if (entry.file && !existsSync(join(dirname(file), entry.file)))
        report(`suites/${name} ${c.id}`, `context file not found: ${entry.file}`);
    }
    const scenarioFile = join(root, "fixtures/scenarios", `${c.scenario ?? c.id}.yaml`);
    if (!existsSync(scenarioFile)) {
      report(`suites/${name} ${c.id}`, `no scenario: fixtures/scenarios/${c.scenario ?? c.id}.yaml`);
      continue;
    }
    try {
      const scenario = parseScenario(readFileSync(scenarioFile, "utf8"), scenarioFile);
      for (const rule of scenario.rules) {
        if (rule.match?.agent && !agents.has(rule.match.agent))
          report(scenarioFile, `unknown agent ${rule.match.agent}`);
      }
    } catch (err) {
      report(scenarioFile, err.message);
    }
  }
}
console.log(`cases by suite: ${JSON.stringify(counts)}; ${ids.size} cases; ${problems} problem(s)`);
process.exitCode = problems ? 1 : 0;
