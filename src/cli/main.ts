import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { InputError } from "../shared/problem.js";
import { DEFAULT_RECORDINGS } from "./defaults.js";
import { EXIT, UsageError } from "./exit.js";
import { processOutput } from "./output.js";
import { HARNESS_VERSION } from "./version.js";

/**
 * Builds the program. Command modules are imported only when their command runs, so that
 * `orchestra --help` stays fast.
 */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command("orchestra")
    .description("Certification harness for a multi-agent orchestra of Claude models")
    .version(HARNESS_VERSION, "-V, --version")
    .option("--config <file>", "the orchestra config", "orchestra.config.yaml")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();

  program
    .command("agents")
    .description("load, validate and list the agent roster, with the tier policy")
    .option("--dir <dir>", "folder of agent files, searched recursively", "agents")
    .option("--json", "print JSON instead of tables")
    .option("--no-policy", "skip the tier policy check")
    .option("--since <rev>", "list agents whose tier changed since a git revision")
    .addHelpText(
      "after",
      "\nExamples:\n  orchestra agents\n  orchestra agents --json\n  orchestra agents --dir ~/.claude/agents --no-policy\n  orchestra agents --since HEAD~5\n\nExit: 0 all valid, 1 problems found, 2 usage error (e.g. a missing folder).",
    )
    .action(async (opts) => {
      const { agentsCommand } = await import("./commands/agents.js");
      setExit(await agentsCommand({ ...opts, config: program.opts().config }, processOutput));
    });

  const protocol = program.command("protocol").description("the XML message protocol");
  protocol
    .command("validate")
    .description("check that a file (or - for stdin) holds exactly one compliant protocol message")
    .argument("<file>", "a file with one XML message, or - to read standard input")
    .option("--json", "print {compliant, type, violations, overheadRatio} as JSON")
    .addOption(new Option("--max-bytes <n>", "size limit in bytes").default(262144).argParser(positiveInt))
    .addHelpText(
      "after",
      "\nExamples:\n  orchestra protocol validate reply.xml\n  cat reply.xml | orchestra protocol validate - --json\n\nExit: 0 compliant, 1 not compliant, 2 unreadable file.",
    )
    .action(async (file: string, opts) => {
      const { protocolValidateCommand } = await import("./commands/protocol.js");
      setExit(await protocolValidateCommand(file, opts, processOutput));
    });

  program
    .command("mission")
    .description("run one mission through the orchestra and print its delegation tree")
    .argument("<text>", "the mission, as a user would ask it")
    .option(
      "--context <file>",
      "a file the mission may read (untrusted: screened by L1); repeatable",
      collect,
      [],
    )
    .option("--profile <name>", "tier assignment from orchestra.config.yaml", "three-tier")
    .addOption(
      new Option("--mode <mode>", "replay: recordings only; record: live calls, saved; live: live calls")
        .choices(["replay", "record", "live"])
        .default("replay"),
    )
    .option("--recordings <dir>", "where recordings are read and written", DEFAULT_RECORDINGS)
    .option("--case <id>", "recording case id (default: derived from the mission text and context)")
    .option("--agents-dir <dir>", "folder of agent files", "agents")
    .option("--json", "print the final message, totals and the whole trace as JSON")
    .addHelpText(
      "after",
      '\nExamples:\n  ANTHROPIC_API_KEY=... orchestra mission "Add rate limiting to the login API" --context src/login.py --mode record\n  orchestra mission "Add rate limiting to the login API" --context src/login.py      # replays the recording\n  ANTHROPIC_BASE_URL=http://127.0.0.1:8787 orchestra mission "..." --mode live       # against `orchestra fake-api`\n\nExit: 0 the mission ended in a result, 1 it ended in an error message, 2 usage error or missing recording.',
    )
    .action(async (text: string, opts) => {
      const { missionCommand } = await import("./commands/mission.js");
      setExit(await missionCommand(text, { ...opts, config: program.opts().config }, processOutput));
    });

  program
    .command("run")
    .description("run certification suites under one profile and mode, writing results as each trial ends")
    .argument("[paths...]", "suite files or folders (default: suites/)")
    .option("--profile <name>", "tier assignment from orchestra.config.yaml", "three-tier")
    .addOption(
      new Option("--mode <mode>", "replay: recordings only; record: live calls, saved; live: live calls")
        .choices(["replay", "record", "live"])
        .default("replay"),
    )
    .addOption(
      new Option("--trials <n>", "trials per case (a case's own `trials` wins)").argParser(positiveInt),
    )
    .addOption(
      new Option(
        "--judge-trials <n>",
        "ask each rubric assertion's judge N times on the same input: agreement, unstable verdicts",
      ).argParser(positiveInt),
    )
    .addOption(new Option("--concurrency <n>", "trials at once").default(4).argParser(positiveInt))
    .option("--filter <text>", "only cases whose id or title contains TEXT, or with tag TEXT")
    .option("--shard <i/n>", "only shard I of N (cases partitioned by a hash of their id)")
    .option(
      "--history <dir>",
      "add the run's verdicts to DIR/history.jsonl and report the cases that flip on the same recordings or models",
    )
    .option("--estimate", "print what the run would cost (priced from the recordings) and call no model")
    .addOption(
      new Option(
        "--budget-usd <usd>",
        "record and live: refuse to start when the upper estimate is above this; start no trial once it is spent",
      ).argParser(usdAmount),
    )
    .option("--out <dir>", "run folder (default: reports/<run-id>/)")
    .option(
      "--resume <dir>",
      "continue the run in DIR with its own settings (run.json): only missing trials run",
    )
    .addOption(
      new Option("--max-errors <fraction>", "stop when more than this fraction of trials error").argParser(
        fraction,
      ),
    )
    .addOption(
      new Option(
        "--timeout-ms <n>",
        "timeout of one HTTP attempt (default: orchestra.calls.timeoutMs)",
      ).argParser(positiveInt),
    )
    .option("--recordings <dir>", "where recordings are read and written", DEFAULT_RECORDINGS)
    .option("--agents-dir <dir>", "folder of agent files", "agents")
    .option("--json", "print the summary as JSON")
    .option("--otel <file>", "also write the run's traces to FILE as OTLP/JSON (docs/otel.md)")
    .addHelpText(
      "after",
      "\nExamples:\n  orchestra run                                    # every suite, three-tier, replay\n  orchestra run suites/edge.yaml --profile all-sonnet\n  orchestra run --filter security                  # id, title or tag\n  ANTHROPIC_API_KEY=... orchestra run --filter security --trials 5 --mode record  # 5 samples each\n  orchestra run --shard 2/4 --out reports/shard-2\n  ANTHROPIC_API_KEY=... orchestra run --mode record  # record live responses\n  orchestra run --resume reports/20261125-101500-three-tier-replay   # the run's own settings\n\nWrites run.json first (the run's settings), results.jsonl (a line per trial, as it ends), then\nsummary.json, report.md and junit.xml. Ctrl-C finishes the trials in flight and prints the\nresume command; a second Ctrl-C stops at once.\nExit: 0 all passed, 1 a case failed or errored, 2 usage or input error, 130 interrupted.",
    )
    .action(async (paths: string[], opts, command: Command) => {
      const { runCommand } = await import("./commands/run.js");
      const explicit = Object.keys(opts).filter((k) => command.getOptionValueSource(k) === "cli");
      if (program.getOptionValueSource("config") === "cli") explicit.push("config");
      setExit(await runCommand(paths, { ...opts, config: program.opts().config, explicit }, processOutput));
    });

  program
    .command("ab")
    .description("compare two tier assignments on the same cases: paired pass rates, non-inferiority, cost")
    .argument("[paths...]", "suite files or folders, when a side is a profile to run (default: suites/)")
    .requiredOption("--a <profile|dir>", "side A (the baseline): a profile to run, or a run folder")
    .requiredOption("--b <profile|dir>", "side B (the candidate): a profile to run, or a run folder")
    .addOption(
      new Option("--mode <mode>", "for sides that run: replay (default), record or live")
        .choices(["replay", "record", "live"])
        .default("replay"),
    )
    .addOption(
      new Option(
        "--margin <fraction>",
        "non-inferiority margin (default: gates.nonInferiorityMargin)",
      ).argParser(fraction),
    )
    .addOption(
      new Option(
        "--judge-trials <n>",
        "ask each rubric assertion's judge N times on the same input: agreement, unstable verdicts",
      ).argParser(positiveInt),
    )
    .option("--out <dir>", "output folder (default: reports/<run-id>-ab/)")
    .option(
      "--until-decided",
      "run the cases in rounds and stop at the first look of a confidence sequence (valid at every look) that decides",
    )
    .addOption(
      new Option("--round-size <n>", "with --until-decided: cases per round")
        .default(10)
        .argParser(positiveInt),
    )
    .addOption(
      new Option("--max-cases <n>", "with --until-decided: stop after this many cases").argParser(
        positiveInt,
      ),
    )
    .option("--estimate", "print what the two runs would cost (priced from the recordings) and run nothing")
    .addOption(
      new Option(
        "--budget-usd <usd>",
        "record and live: refuse to start when the upper estimate of both runs is above this; start no trial once it is spent",
      ).argParser(usdAmount),
    )
    .addOption(new Option("--concurrency <n>", "trials at once").default(4).argParser(positiveInt))
    .option("--recordings <dir>", "where recordings are read and written", DEFAULT_RECORDINGS)
    .option("--agents-dir <dir>", "folder of agent files", "agents")
    .option("--json", "print ab.json")
    .addHelpText(
      "after",
      "\nExamples:\n  orchestra ab --a all-sonnet --b three-tier\n  orchestra ab --a reports/run-sonnet --b reports/run-three-tier\n\nExit: 0 B is non-inferior to A, 1 inferior or inconclusive, 2 usage error.",
    )
    .action(async (paths: string[], opts) => {
      const { abCommand } = await import("./commands/ab.js");
      setExit(await abCommand(paths, { ...opts, config: program.opts().config }, processOutput));
    });

  program
    .command("optimize")
    .description(
      "search the cheapest tier assignment within the margin of a baseline, then verify the candidates by running them",
    )
    .argument("[paths...]", "suite files or folders (default: suites/)")
    .option("--baseline <name>", "the profile whose quality a candidate must keep", "all-sonnet")
    .addOption(
      new Option(
        "--margin <fraction>",
        "quality a candidate may lose (default: gates.nonInferiorityMargin)",
      ).argParser(fraction),
    )
    .addOption(
      new Option(
        "--min-reduction <fraction>",
        "exit 1 unless the proposal's verified monthly reduction reaches this",
      ).argParser(reduction),
    )
    .option("--keep-policy", "respect the tier policy: roles' allowed tiers and tier counts (default)")
    .option("--free-roles", "lift the tier policy (and say what the policy itself costs)")
    .option(
      "--allow-critical-loss",
      "let a candidate fail a critical case the baseline passes (by default such cases must keep passing)",
    )
    .addOption(
      new Option(
        "--mode <mode>",
        "verification: replay (misses recorded against the fake API's scenarios) or record (the API, within --budget-usd)",
      )
        .choices(["replay", "record"])
        .default("replay"),
    )
    .addOption(
      new Option("--budget-usd <usd>", "record mode: the most the recordings may spend").argParser(usdAmount),
    )
    .addOption(
      new Option(
        "--evidence <specs>",
        "comma-separated profiles or run folders to learn from (default: every profile)",
      ).argParser((v: string) =>
        v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    )
    .addOption(
      new Option(
        "--rounds <n>",
        "search rounds: a candidate that misses the margin when run is evidence for the next",
      )
        .default(3)
        .argParser(positiveInt),
    )
    .option("--scenarios <dir>", "the fake API's scenarios for replay misses", "fixtures/scenarios")
    .option("--out <dir>", "output folder (default: reports/<run-id>-optimize/)")
    .addOption(new Option("--concurrency <n>", "trials at once").default(4).argParser(positiveInt))
    .option(
      "--recordings <dir>",
      "where recordings are read (and, in record mode, written)",
      DEFAULT_RECORDINGS,
    )
    .option("--agents-dir <dir>", "folder of agent files", "agents")
    .option("--json", "print optimize.json")
    .addHelpText(
      "after",
      "\nExamples:\n  orchestra optimize                                   # shipped recordings, keep the tier policy\n  orchestra optimize --free-roles --min-reduction 0.72 # may the planners leave opus?\n  ANTHROPIC_API_KEY=... orchestra optimize --mode record --budget-usd 5\n\nEvery figure is labelled: measured (a profile's run), predicted (the optimizer's estimate) or\nverified (a candidate's run). Writes optimize.json, profile.yaml, report.md and report.html.\nExit: 0 a proposal was verified (reaching --min-reduction when given), 1 none, 2 usage or input error.",
    )
    .action(async (paths: string[], opts) => {
      const { optimizeCommand } = await import("./commands/optimize.js");
      setExit(await optimizeCommand(paths, { ...opts, config: program.opts().config }, processOutput));
    });

  program
    .command("certify")
    .description("certify a tier assignment: registry check, both profiles, paired A/B, readiness gates")
    .argument("[paths...]", "suite files or folders (default: suites/)")
    .option("--profile <name>", "the candidate tier assignment", "three-tier")
    .option("--baseline <name>", "the baseline it is compared with", "all-sonnet")
    .addOption(
      new Option("--mode <mode>", "replay (default), record or live")
        .choices(["replay", "record", "live"])
        .default("replay"),
    )
    .addOption(
      new Option(
        "--judge-trials <n>",
        "ask each rubric assertion's judge N times on the same input: agreement, unstable verdicts",
      ).argParser(positiveInt),
    )
    .option("--out <dir>", "certification folder (default: reports/<run-id>-certify/)")
    .option(
      "--history <dir>",
      "add both profiles' verdicts to DIR/history.jsonl and report the cases that flip on the same basis",
    )
    .option("--quarantine", "with --history: keep flaky cases out of the gates and the A/B, and list them")
    .option("--estimate", "print what both runs would cost (priced from the recordings) and run nothing")
    .addOption(
      new Option(
        "--budget-usd <usd>",
        "record and live: refuse to start when the upper estimate of both runs is above this; start no trial once it is spent",
      ).argParser(usdAmount),
    )
    .option(
      "--candidate-run <dir>",
      "certify this run folder (e.g. merged shards) as the candidate, instead of running",
    )
    .option("--baseline-run <dir>", "with --candidate-run: the baseline's run folder")
    .addOption(new Option("--concurrency <n>", "trials at once").default(4).argParser(positiveInt))
    .addOption(
      new Option(
        "--timeout-ms <n>",
        "timeout of one HTTP attempt (default: orchestra.calls.timeoutMs)",
      ).argParser(positiveInt),
    )
    .option("--recordings <dir>", "where recordings are read and written", DEFAULT_RECORDINGS)
    .option("--agents-dir <dir>", "folder of agent files", "agents")
    .option("--json", "print readiness.json")
    .option("--otel <file>", "also write both profiles' traces to FILE as OTLP/JSON (docs/otel.md)")
    .addHelpText(
      "after",
      "\nExamples:\n  orchestra certify                                  # shipped recordings, three-tier vs all-sonnet\n  orchestra certify --profile my-profile --baseline all-sonnet\n  ANTHROPIC_API_KEY=... orchestra certify --mode record\n  orchestra certify --candidate-run reports/three-tier --baseline-run reports/all-sonnet   # merged shards\n\nWrites readiness.json, ab.json, summary.json, report.md, junit.xml and each profile's results.\nExit: 0 every gate passes (ready), 1 a gate fails, 2 usage or input error.",
    )
    .action(async (paths: string[], opts) => {
      const { certifyCommand } = await import("./commands/certify.js");
      setExit(await certifyCommand(paths, { ...opts, config: program.opts().config }, processOutput));
    });

  program
    .command("report")
    .description("re-render a run or certification folder from its results.jsonl")
    .argument("<dir>", "a run folder (results.jsonl) or a certification folder")
    .option("--otel <file>", "also write the folder's traces to FILE as OTLP/JSON (docs/otel.md)")
    .addHelpText("after", "\nExample:\n  orchestra report reports/latest")
    .action(async (dir: string, opts: { otel?: string }) => {
      const { reportCommand } = await import("./commands/report.js");
      setExit(await reportCommand(dir, processOutput, opts));
    });

  program
    .command("diff")
    .description("compare two runs case by case: what regressed, was fixed, is new or gone")
    .argument("<run-a>", "the run folder to compare against (before)")
    .argument("<run-b>", "the run folder compared (after)")
    .option("--out <dir>", "write diff.json and report.md there")
    .option("--json", "print diff.json")
    .addHelpText(
      "after",
      "\nExamples:\n  orchestra diff reports/monday reports/latest\n  orchestra diff reports/run-a reports/run-b --out reports/diff --json\n\nExit: 0 nothing regressed, 1 a case regressed, 2 usage error.",
    )
    .action(async (a: string, b: string, opts) => {
      const { diffCommand } = await import("./commands/diff.js");
      setExit(await diffCommand(a, b, opts, processOutput));
    });

  program
    .command("merge")
    .description("join shard run folders into one run")
    .argument("<dirs...>", "run folders to merge")
    .requiredOption("--out <dir>", "the merged run folder")
    .addHelpText(
      "after",
      "\nExample:\n  orchestra merge reports/shard-1 reports/shard-2 --out reports/merged",
    )
    .action(async (dirs: string[], opts) => {
      const { mergeCommand } = await import("./commands/merge.js");
      setExit(await mergeCommand(dirs, opts, processOutput));
    });

  program
    .command("fake-api")
    .description("serve a loopback fake of the Anthropic Messages API, with rate limits and fault injection")
    .addOption(
      new Option("--port <n>", "port on 127.0.0.1 (0 picks a free one)")
        .default(8787)
        .argParser(nonNegativeInt),
    )
    .addOption(
      new Option("--latency-ms <n>", "delay added to every response, recorded replies included").argParser(
        nonNegativeInt,
      ),
    )
    .addOption(new Option("--rpm <n>", "requests per minute per model before 429").argParser(positiveInt))
    .addOption(new Option("--tpm <n>", "tokens per minute per model before 429").argParser(positiveInt))
    .option(
      "--fault <kind:rate>",
      "inject a fault at a rate: 429, 529, 500, timeout, cut, garbage, sse-error; repeatable",
      collect,
      [],
    )
    .addOption(
      new Option(
        "--messy <rate>",
        "serve this share (0 to 1) of the replies messy, the way real models write them",
      ).argParser(fraction),
    )
    .option(
      "--messy-kinds <k1,k2>",
      "the messy kinds to draw from (default all): fenced, prose-around, markup-in-text, enum-case, number-format, unknown-element, multiple-messages, truncated, unrecoverable",
    )
    .option("--scenario <file>", "YAML scenario: replies and faults per agent, model and call")
    .option("--recordings <dir>", "serve recorded replies whose request fingerprint matches")
    .addOption(
      new Option("--seed <n>", "seed of the fault and messy draws").default(1).argParser(nonNegativeInt),
    )
    .addHelpText(
      "after",
      '\nExamples:\n  orchestra fake-api --port 0\n  orchestra fake-api --rpm 60 --fault 529:0.1 --fault timeout:0.02\n  orchestra fake-api --scenario fixtures/scenarios/edge-04-529-orchestrator.yaml\n  orchestra fake-api --messy 0.3 --messy-kinds fenced,truncated --seed 7\n  orchestra fake-api --recordings fixtures/recordings --latency-ms 200\n  ANTHROPIC_BASE_URL=http://127.0.0.1:8787 orchestra mission "..." --mode live\n\nThe first line printed is `listening on http://127.0.0.1:PORT`. Every response carries x-orchestra-synthetic: true.\nThe prompt cache uses the minimum cacheable prompt of each model under `models:` in --config (1024 for a model not listed).',
    )
    .action(async (opts) => {
      const { fakeApiCommand } = await import("./commands/fake-api.js");
      setExit(await fakeApiCommand({ ...opts, config: program.opts().config }, processOutput));
    });

  return program;
}

function fraction(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError(`expected a fraction from 0 to 1, got "${value}"`);
  return n;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function usdAmount(value: string): number {
  const n = Number(value);
  if (!(n >= 0) || !Number.isFinite(n))
    throw new InvalidArgumentError(`expected an amount in USD, e.g. 5, got "${value}"`);
  return n;
}

/** A cost reduction: at most 1 (everything saved); negative for a candidate that may cost more. */
function reduction(value: string): number {
  const n = Number(value);
  if (!(n <= 1) || !Number.isFinite(n))
    throw new InvalidArgumentError(`expected a fraction up to 1, e.g. 0.72, got "${value}"`);
  return n;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive whole number, got "${value}"`);
  return n;
}

/** Runs the CLI and returns the exit code; never throws. */
export async function run(argv: readonly string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version") {
        return EXIT.ok;
      }
      return EXIT.usage;
    }
    if (err instanceof UsageError) {
      processOutput.err(`orchestra: ${err.message}`);
      return EXIT.usage;
    }
    if (err instanceof InputError) {
      processOutput.err(`orchestra: input error\n${err.message}`);
      return EXIT.usage;
    }
    // An unexpected failure is our bug: say so in one line, with the stack only on request.
    processOutput.err(`orchestra: internal error: ${(err as Error).message ?? String(err)}`);
    if (process.env.ORCHESTRA_DEBUG) processOutput.err(String((err as Error).stack));
    processOutput.err("Set ORCHESTRA_DEBUG=1 for the stack trace, and please report it.");
    return EXIT.usage;
  }
}
