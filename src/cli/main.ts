import { readFileSync } from "node:fs";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { InputError } from "../shared/problem.js";
import { EXIT, UsageError } from "./exit.js";
import { processOutput } from "./output.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

/**
 * Builds the program. Command modules are imported only when their command runs, so that
 * `orchestra --help` stays fast.
 */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command("orchestra")
    .description("Certification harness for a multi-agent orchestra of Claude models")
    .version(pkg.version, "-V, --version")
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
    .option("--recordings <dir>", "where recordings are read and written", "fixtures/recordings")
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

  return program;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
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
