#!/usr/bin/env node
// rocketmq-lambda: what a deployment sees and does, from a laptop with AWS credentials and a
// network path to the cluster. Exit codes: 0 done, 1 failed (the cluster or the table), 2 the
// command was called wrong, 3 what was asked about does not exist.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { RocketMQError } from '../index.ts';
import { type Command, COMMANDS } from './commands.ts';
import { CliContext, EXIT, NotFoundError, UsageError } from './context.ts';

const GLOBAL_OPTIONS = {
  namesrv: { type: 'string' },
  group: { type: 'string' },
  table: { type: 'string' },
  scope: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const GLOBAL_HELP = `options (each also read from the environment the functions use):
  --namesrv host:port;host:port   name servers (NAMESRV_ADDR)
  --group name                    producer group (PRODUCER_GROUP, default rocketmq-lambda-cli)
  --table name                    the state table (STATE_TABLE)
  --scope name                    the deployment's scope in it (STATE_SCOPE; the stage when deployed)
  --json                          JSON instead of tables
  -h, --help                      this help
TLS and ACL come from ROCKETMQ_TLS_* and ROCKETMQ_ACCESS_KEY / ROCKETMQ_SECRET_KEY, as for the functions;
DynamoDB from the AWS SDK's usual settings (AWS_PROFILE, AWS_REGION, ...).
exit codes: 0 done, 1 failed, 2 called wrong, 3 not found`;

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: rocketmq-lambda <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n${GLOBAL_HELP}`;
}

const commandHelp = (command: Command) => `usage: rocketmq-lambda ${command.usage} [options]\n\n${command.summary}\n\n${GLOBAL_HELP}`;

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function main(argv: string[], env: NodeJS.ProcessEnv, out: (text: string) => void, err: (text: string) => void): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? out : err)(usage());
    return name ? EXIT.OK : EXIT.USAGE;
  }
  const command = COMMANDS[name];
  if (!command) {
    err(`unknown command ${name}\n\n${usage()}`);
    return EXIT.USAGE;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
  } catch (e) {
    err(`${(e as Error).message}\n\n${commandHelp(command)}`);
    return EXIT.USAGE;
  }
  const values = parsed.values as Record<string, unknown>;
  if (values.help) {
    out(commandHelp(command));
    return EXIT.OK;
  }
  const context = new CliContext(values, env, out);
  try {
    await command.run(context, parsed.positionals, values, readStdin);
    return EXIT.OK;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`${e.message}\n\n${commandHelp(command)}`);
      return EXIT.USAGE;
    }
    if (e instanceof NotFoundError) {
      err(e.message);
      return EXIT.NOT_FOUND;
    }
    if (e instanceof RocketMQError) {
      // A message the producer refused before sending is the caller's mistake.
      err(`${e.codeName} (${e.code}): ${e.message}`);
      return e.codeName === 'INVALID_ARGUMENT' ? EXIT.USAGE : e.codeName === 'NOT_FOUND_TOPIC_EXCEPTION' ? EXIT.NOT_FOUND : EXIT.FAILED;
    }
    err(`failed: ${(e as Error).message ?? String(e)}`);
    return EXIT.FAILED;
  } finally {
    await context.close();
  }
}

// Run when executed, not when imported (tests import main).
// npm links the bin from node_modules/.bin, so the script's real path is compared.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main(
    process.argv.slice(2),
    process.env,
    (text) => process.stdout.write(`${text}\n`),
    (text) => process.stderr.write(`${text}\n`),
  ).then((code) => {
    process.exitCode = code;
  });
}
